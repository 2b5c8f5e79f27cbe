/**
 * Rows of the edit log and the trash: what renaming, merging and deleting nodes and captures write so that the
 * newest edit can be undone. A deleted capture's rows are moved (not copied aside and kept live) into shadow
 * tables `trash_<table>` keyed by the edit's undo id; undo moves them back with their own ids. Every table that
 * holds a capture's records is found from the schema (a `capture_id` column, or a foreign key to such a table),
 * so a table added by a later migration is trashed with the rest without being named here.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { now } from './values';

/** Names one edit: random, so an id of an edit undone or forgotten never names a later one. */
export function newUndoId(): string {
  return randomUUID();
}

/** Written by flow stitching from the captures: dropped with the stitched generation, never trashed. */
const DERIVED_TABLES = new Set(['flows', 'capture_twins', 'packet_twin_runs', 'edit_log', 'project_revision']);
const isDerived = (name: string): boolean => DERIVED_TABLES.has(name) || name.startsWith('flow_') || name.startsWith('trash_') || name.startsWith('sqlite_');

/** A table holding rows of a capture, with the predicate that picks the rows of the captures in `temp.edit_captures`. */
interface CaptureTable {
  name: string;
  columns: string[];
  /** SQL predicate over the table's own columns. */
  where: string;
  /** 0 for captures, 1 for tables keyed by capture_id, 2 for their children... */
  depth: number;
}

const quote = (id: string): string => `"${id.replace(/"/g, '""')}"`;

function tableNames(db: Database.Database): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
}

function columnsOf(db: Database.Database, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((r) => r.name);
}

/**
 * Every table holding a capture's rows, parents before children. A table is a capture's when it has a
 * `capture_id` column or a foreign key to such a table (or to captures); one with several such keys (a rule
 * run names its chain and its chunk) comes after all of them, so a restore never inserts a child before a
 * parent, whatever the tables are called.
 */
export function captureTables(db: Database.Database): CaptureTable[] {
  const selected = 'SELECT id FROM temp.edit_captures';
  const captures: CaptureTable = { name: 'captures', columns: columnsOf(db, 'captures'), where: `id IN (${selected})`, depth: 0 };
  const names = tableNames(db).filter((n) => n !== 'captures' && n !== 'nodes' && n !== 'sources' && !isDerived(n));
  const found = new Map<string, CaptureTable>([['captures', captures]]);
  const parents = new Map<string, string[]>();
  for (const name of names) {
    const columns = columnsOf(db, name);
    if (columns.includes('capture_id')) found.set(name, { name, columns, where: `capture_id IN (${selected})`, depth: 1 });
  }
  const keysOf = (name: string): Array<{ from: string; table: string; to: string | null }> =>
    db.prepare(`SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)`).all(name) as Array<{ from: string; table: string; to: string | null }>;
  // Children of capture tables, level by level (addresses of interfaces, chains of tables of rulesets...).
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of names) {
      if (found.has(name)) continue;
      const parent = keysOf(name)
        .map((key) => ({ key, table: found.get(key.table) }))
        .find((p) => p.table !== undefined);
      if (parent?.table === undefined) continue;
      const p = parent.table;
      found.set(name, {
        name,
        columns: columnsOf(db, name),
        where: `${quote(parent.key.from)} IN (SELECT ${quote(parent.key.to ?? 'id')} FROM ${quote(p.name)} WHERE ${p.where})`,
        depth: p.depth + 1,
      });
      grew = true;
    }
  }
  for (const name of found.keys()) parents.set(name, keysOf(name).map((k) => k.table).filter((t) => t !== name && found.has(t)));
  // A table's depth: one below its deepest parent (the foreign keys form no cycle among these tables).
  for (let changed = true, rounds = 0; changed && rounds <= found.size; rounds++) {
    changed = false;
    for (const t of found.values()) {
      const depth = Math.max(t.depth, ...(parents.get(t.name) ?? []).map((p) => found.get(p)!.depth + 1));
      if (depth !== t.depth) {
        t.depth = depth;
        changed = true;
      }
    }
  }
  found.delete('captures');
  return [captures, ...[...found.values()].sort((a, b) => a.depth - b.depth || (a.name < b.name ? -1 : 1))];
}

/** The shadow table of `table`, created or widened to the table's current columns. */
function trashTable(db: Database.Database, table: CaptureTable): string {
  const trash = `trash_${table.name}`;
  const existing = columnsOf(db, trash);
  if (existing.length === 0) {
    db.exec(`CREATE TABLE ${quote(trash)} (undo_id TEXT NOT NULL, ${table.columns.map(quote).join(', ')})`);
    db.exec(`CREATE INDEX ${quote(`${trash}_undo`)} ON ${quote(trash)}(undo_id)`);
  } else {
    for (const c of table.columns) if (!existing.includes(c)) db.exec(`ALTER TABLE ${quote(trash)} ADD COLUMN ${quote(c)}`);
  }
  return trash;
}

function selectCaptures(db: Database.Database, ids: readonly number[]): void {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS edit_captures (id INTEGER PRIMARY KEY)');
  db.exec('DELETE FROM temp.edit_captures');
  const add = db.prepare('INSERT OR IGNORE INTO temp.edit_captures (id) VALUES (?)');
  for (const id of ids) add.run(id);
}

/** Moves the captures (and every row read from them) into the trash under `undoId`; returns the rows moved per table. */
export function trashCaptures(db: Database.Database, undoId: string, ids: readonly number[]): Record<string, number> {
  selectCaptures(db, ids);
  const tables = captureTables(db);
  const moved: Record<string, number> = {};
  for (const t of tables) {
    const cols = t.columns.map(quote).join(', ');
    const trash = trashTable(db, t);
    moved[t.name] = db.prepare(`INSERT INTO ${quote(trash)} (undo_id, ${cols}) SELECT ?, ${cols} FROM ${quote(t.name)} WHERE ${t.where}`).run(undoId).changes;
  }
  // Children first: their predicates read their parents, and foreign keys would refuse an orphan.
  for (const t of [...tables].reverse()) db.prepare(`DELETE FROM ${quote(t.name)} WHERE ${t.where}`).run();
  db.exec('DELETE FROM temp.edit_captures');
  return moved;
}

/** Moves a trashed node row (no captures: they are trashed with trashCaptures). */
export function trashNode(db: Database.Database, undoId: string, nodeId: number): void {
  const columns = columnsOf(db, 'nodes');
  const table: CaptureTable = { name: 'nodes', columns, where: 'id = ?', depth: 0 };
  const trash = trashTable(db, table);
  const cols = columns.map(quote).join(', ');
  db.prepare(`INSERT INTO ${quote(trash)} (undo_id, ${cols}) SELECT ?, ${cols} FROM nodes WHERE id = ?`).run(undoId, nodeId);
  db.prepare('DELETE FROM nodes WHERE id = ?').run(nodeId);
}

/**
 * Moves everything trashed under `undoId` back, parents first, with the ids it had. Throws (a constraint error)
 * when an id or a unique name was taken meanwhile; the caller's transaction then restores nothing.
 */
export function restoreTrash(db: Database.Database, undoId: string): void {
  const tables = [{ name: 'nodes', columns: columnsOf(db, 'nodes'), where: '', depth: -1 }, ...captureTables(db)];
  for (const t of tables) {
    const trash = `trash_${t.name}`;
    const trashColumns = columnsOf(db, trash);
    if (trashColumns.length === 0) continue;
    // Columns the live table gained since the rows were trashed take their defaults.
    const cols = t.columns.filter((c) => trashColumns.includes(c)).map(quote).join(', ');
    db.prepare(`INSERT INTO ${quote(t.name)} (${cols}) SELECT ${cols} FROM ${quote(trash)} WHERE undo_id = ?`).run(undoId);
  }
  dropTrash(db, [undoId]);
}

function dropTrash(db: Database.Database, undoIds: readonly string[]): void {
  if (undoIds.length === 0) return;
  const trashTables = tableNames(db).filter((n) => n.startsWith('trash_'));
  const marks = undoIds.map(() => '?').join(', ');
  for (const t of trashTables) db.prepare(`DELETE FROM ${quote(t)} WHERE undo_id IN (${marks})`).run(...undoIds);
}

export interface EditLogRow {
  undoId: string;
  seq: number;
  /** The inverse of the edit, as JSON (project/project-edits.ts reads it). */
  inverse: string;
  summary: string;
  createdAt: string;
}

export function appendEdit(db: Database.Database, undoId: string, inverse: string, summary: string): void {
  db.prepare('INSERT INTO edit_log (undo_id, inverse, summary, created_at) VALUES (?, ?, ?, ?)').run(undoId, inverse, summary, now());
}

export function newestEdit(db: Database.Database): EditLogRow | null {
  const row = db.prepare('SELECT seq, undo_id, inverse, summary, created_at FROM edit_log ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number; undo_id: string; inverse: string; summary: string; created_at: string }
    | undefined;
  return row === undefined ? null : { undoId: row.undo_id, seq: row.seq, inverse: row.inverse, summary: row.summary, createdAt: row.created_at };
}

export function findEdit(db: Database.Database, undoId: string): EditLogRow | null {
  const row = db.prepare('SELECT seq, undo_id, inverse, summary, created_at FROM edit_log WHERE undo_id = ?').get(undoId) as
    | { seq: number; undo_id: string; inverse: string; summary: string; created_at: string }
    | undefined;
  return row === undefined ? null : { undoId: row.undo_id, seq: row.seq, inverse: row.inverse, summary: row.summary, createdAt: row.created_at };
}

export function removeEdit(db: Database.Database, undoId: string): void {
  db.prepare('DELETE FROM edit_log WHERE undo_id = ?').run(undoId);
}

/** Forgets all but the newest `keep` edits and empties their trash: they can no longer be undone. */
export function purgeEdits(db: Database.Database, keep: number): number {
  const old = (db.prepare('SELECT undo_id FROM edit_log ORDER BY seq DESC LIMIT -1 OFFSET ?').all(keep) as Array<{ undo_id: string }>).map((r) => r.undo_id);
  dropTrash(db, old);
  const marks = old.map(() => '?').join(', ');
  if (old.length > 0) db.prepare(`DELETE FROM edit_log WHERE undo_id IN (${marks})`).run(...old);
  return old.length;
}

/** Counts edits and undos: part of the capture generation, so stitched flows and replay worlds follow a rename. */
export function bumpRevision(db: Database.Database): void {
  db.prepare(`INSERT INTO project_revision (id, revision) VALUES (1, 1) ON CONFLICT(id) DO UPDATE SET revision = revision + 1`).run();
}

export function projectRevision(db: Database.Database): number {
  const row = db.prepare('SELECT revision FROM project_revision WHERE id = 1').get() as { revision: number } | undefined;
  return row?.revision ?? 0;
}
