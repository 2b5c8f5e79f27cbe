/** Rows of `captures`: one per parsed output, with where it came from and what part of the node it covers. */
import type Database from 'better-sqlite3';
import type { CaptureKind } from '../../records/records';
import { parseCaptureScope, type CaptureScope } from '../../capture/capture-scope';
import type { StateChangeNote } from '../../capture/capture-unit';
import { flag, now } from './values';

export type Namespace = { via: string; name: string } | null;

export interface NewCapture {
  nodeId: number;
  sourceId: number | null;
  kind: CaptureKind;
  namespace: Namespace;
  sourceFile: string;
  firstLine: number | null;
  lastLine: number | null;
  command: string | null;
  partial: boolean;
  contentHash: string;
  takenAt: string | null;
}

export interface CaptureRow {
  id: number;
  nodeId: number;
  kind: CaptureKind;
  netns: string | null;
  netnsVia: string | null;
  sourceFile: string;
  firstLine: number | null;
  lastLine: number | null;
  command: string | null;
  partial: boolean;
  takenAt: string | null;
  records: number;
  importedAt: string;
  snapshot: number;
  detail: string | null;
  /** What part of the node's state it covers; null for a capture stored before scopes were kept. */
  scope: CaptureScope | null;
  /** State-changing commands typed between the previous capture of its node and namespace and this one. */
  changedBy: StateChangeNote[];
  /** The name the user gave it (renameCapture); null: none, it is known by its source. */
  label: string | null;
}

export function findCaptureByContent(
  db: Database.Database, nodeId: number, kind: CaptureKind, namespace: Namespace, contentHash: string,
): number | null {
  const row = db
    .prepare(`SELECT id FROM captures WHERE node_id = ? AND kind = ? AND ifnull(netns, '') = ? AND content_hash = ?`)
    .get(nodeId, kind, namespace?.name ?? '', contentHash) as { id: number } | undefined;
  return row ? row.id : null;
}

export function insertCapture(db: Database.Database, c: NewCapture): number {
  const { next } = db
    .prepare(`SELECT ifnull(max(snapshot), 0) + 1 AS next FROM captures WHERE node_id = ? AND kind = ? AND ifnull(netns, '') = ?`)
    .get(c.nodeId, c.kind, c.namespace?.name ?? '') as { next: number };
  const info = db
    .prepare(
      `INSERT INTO captures (node_id, source_id, kind, netns, netns_via, source_file, first_line, last_line, command,
         partial, content_hash, taken_at, records, imported_at, snapshot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    )
    .run(
      c.nodeId, c.sourceId, c.kind, c.namespace?.name ?? null, c.namespace?.via ?? null, c.sourceFile, c.firstLine,
      c.lastLine, c.command, flag(c.partial), c.contentHash, c.takenAt, now(), next,
    );
  return Number(info.lastInsertRowid);
}

/** Records what part of the node's state the capture covers and the state changes typed before it. */
export function setCaptureScope(db: Database.Database, id: number, scope: CaptureScope, changedBy: readonly StateChangeNote[]): void {
  db.prepare('UPDATE captures SET scope = ?, changed_by = ? WHERE id = ?')
    .run(JSON.stringify(scope), changedBy.length > 0 ? JSON.stringify(changedBy) : null, id);
}

/** Gives a capture stored before its content was hashed (a streamed import) its source, hash and lines. */
export function placeCapture(db: Database.Database, id: number, sourceId: number, contentHash: string, firstLine: number | null, lastLine: number | null): void {
  db.prepare('UPDATE captures SET source_id = ?, content_hash = ?, first_line = ?, last_line = ? WHERE id = ?')
    .run(sourceId, contentHash, firstLine, lastLine, id);
}

/** Sets what is only known once the records are in: their number, the capture's own time, a kind-specific summary. */
export function finishCapture(db: Database.Database, id: number, records: number, takenAt: string | null, detail: unknown): void {
  db.prepare('UPDATE captures SET records = ?, taken_at = ?, detail = ? WHERE id = ?')
    .run(records, takenAt, detail === undefined || detail === null ? null : JSON.stringify(detail), id);
}

/** Names the capture (null: no name, known by its source); false when there is no such capture. */
export function setCaptureLabel(db: Database.Database, id: number, label: string | null): boolean {
  return db.prepare('UPDATE captures SET label = ? WHERE id = ?').run(label, id).changes === 1;
}

/** Removes a capture and everything read from it (packet blocks and tuples cascade). */
export function deleteCapture(db: Database.Database, id: number): void {
  db.prepare('DELETE FROM captures WHERE id = ?').run(id);
}

/** Every kubectl capture of the project, whoever owns it (the cluster, or a node in a project imported before owners), oldest first. */
export function kubectlCaptures(db: Database.Database): CaptureRow[] {
  return (db.prepare(`${CAPTURE_SELECT} WHERE kind = 'kubectl' ORDER BY id`).all() as RawCaptureRow[]).map(captureRow);
}

/** The node's captures, oldest first within each kind. */
export function capturesOf(db: Database.Database, nodeId: number): CaptureRow[] {
  return (db.prepare(`${CAPTURE_SELECT} WHERE node_id = ? ORDER BY id`).all(nodeId) as RawCaptureRow[]).map(captureRow);
}

export function captureById(db: Database.Database, id: number): CaptureRow | null {
  const row = db.prepare(`${CAPTURE_SELECT} WHERE id = ?`).get(id) as RawCaptureRow | undefined;
  return row ? captureRow(row) : null;
}

/**
 * The newest capture of one of `kinds` taken in the node's own namespace (`netns` null) or in the
 * named one. Newest = imported last (ids grow with import order, and with file order within a transcript).
 */
export function newestCapture(db: Database.Database, nodeId: number, kinds: readonly CaptureKind[], netns: string | null): CaptureRow | null {
  const marks = kinds.map(() => '?').join(',');
  const row = db
    .prepare(
      `${CAPTURE_SELECT} WHERE node_id = ? AND kind IN (${marks}) AND ifnull(netns, '') = ?
       ORDER BY id DESC LIMIT 1`,
    )
    .get(nodeId, ...kinds, netns ?? '') as RawCaptureRow | undefined;
  return row ? captureRow(row) : null;
}

const CAPTURE_SELECT = `SELECT id, node_id, kind, netns, netns_via, source_file, first_line, last_line, command, partial,
  taken_at, records, imported_at, snapshot, detail, scope, changed_by, label FROM captures`;

interface RawCaptureRow {
  id: number;
  node_id: number;
  kind: CaptureKind;
  netns: string | null;
  netns_via: string | null;
  source_file: string;
  first_line: number | null;
  last_line: number | null;
  command: string | null;
  partial: number;
  taken_at: string | null;
  records: number;
  imported_at: string;
  snapshot: number;
  detail: string | null;
  scope: string | null;
  changed_by: string | null;
  label: string | null;
}

function captureRow(r: RawCaptureRow): CaptureRow {
  return {
    id: r.id,
    nodeId: r.node_id,
    kind: r.kind,
    netns: r.netns,
    netnsVia: r.netns_via,
    sourceFile: r.source_file,
    firstLine: r.first_line,
    lastLine: r.last_line,
    command: r.command,
    partial: r.partial === 1,
    takenAt: r.taken_at,
    records: r.records,
    importedAt: r.imported_at,
    snapshot: r.snapshot,
    detail: r.detail,
    scope: parseCaptureScope(r.scope),
    changedBy: r.changed_by === null ? [] : (JSON.parse(r.changed_by) as StateChangeNote[]),
    label: r.label,
  };
}
