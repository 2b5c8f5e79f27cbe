/**
 * Schema version 13: a table's chain headers in one `chain_heads` row (rows/chain-heads.ts) in place of a
 * `chains` row per chain, and the SNAT index of migration 12 (`snat_rules`) folded into them, one flag per
 * chain. `rule_runs` keeps its chain ids but loses its foreign key to `chains` (rebuilt: SQLite cannot drop
 * a key); it stays a capture's rows through its chunk. The trash is converted the same way, so an edit made
 * before still undoes. A table whose chain ids are not one range, or a trashed table whose range a later
 * import took again, gets new ids (its runs with them): after this every table's range is its own.
 */
import type Database from 'better-sqlite3';
import { ChainHeadsBuilder, insertChainHeads } from './rows/chain-heads';
import type { ChainHead } from '../netfilter/ruleset-sink';

export const CHAIN_HEADS_TABLES = `
CREATE TABLE chain_heads (
  table_id  INTEGER PRIMARY KEY REFERENCES rule_tables(id) ON DELETE CASCADE,
  -- the table's chains have ids first_id .. first_id + count - 1, in the order it declared them
  first_id  INTEGER NOT NULL,
  count     INTEGER NOT NULL,
  -- raw deflate of the chains' headers (rows/chain-heads.ts)
  body      BLOB NOT NULL
);
-- A chain's rules from position on: records first .. first + count - 1 of the chunk. chain_id is a chain of
-- chain_heads (first_id <= chain_id < first_id + count of its table).
CREATE TABLE rule_runs (
  chain_id  INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  chunk_id  INTEGER NOT NULL REFERENCES rule_chunks(id) ON DELETE CASCADE,
  first     INTEGER NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (chain_id, position)
) WITHOUT ROWID;
CREATE INDEX rule_runs_chunk ON rule_runs(chunk_id);
`;

type ChainRow = [id: number, name: string, builtin: number, policy: 'ACCEPT' | 'DROP' | null, packets: number | null, bytes: number | null, line: number];

const exists = (db: Database.Database, table: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;

/** A table's chains as version 12 stored them, and the range they take from now on. */
interface Converted {
  heads: ChainHeadsBuilder;
  /** Old id → new id, for a table whose chains were given new ids. */
  renumbered: Array<[number, number]>;
}

/** Builds a table's headers from its chain rows (id order); `take(count)` hands out a fresh range when the ids must change. */
function convert(tableId: number, rows: readonly ChainRow[], snat: (id: number) => boolean, keep: (first: number, count: number) => boolean, take: (count: number) => number): Converted {
  const first = rows[0]?.[0];
  const contiguous = first !== undefined && rows[rows.length - 1]![0] - first + 1 === rows.length;
  const firstId = contiguous && keep(first, rows.length) ? first : take(rows.length);
  const heads = new ChainHeadsBuilder(tableId, firstId);
  const renumbered: Array<[number, number]> = [];
  const flagged: number[] = [];
  rows.forEach(([id, name, builtin, policy, packets, bytes, line], k) => {
    const head: ChainHead = { name, builtin: builtin === 1, policy, counters: packets === null || bytes === null ? null : { packets, bytes }, line };
    heads.add(head);
    if (id !== firstId + k) renumbered.push([id, firstId + k]);
    if (snat(id)) flagged.push(firstId + k);
  });
  heads.markSnat(flagged);
  return { heads, renumbered };
}

export function migrateChainHeads(db: Database.Database): void {
  const hasTrash = exists(db, 'trash_chains');
  const maxOf = (table: string): number => (db.prepare(`SELECT max(id) FROM ${table}`).pluck(true).get() as number | null) ?? 0;
  let next = Math.max(maxOf('chains'), hasTrash ? maxOf('trash_chains') : 0) + 1;
  const take = (count: number): number => {
    const first = next;
    next += count;
    return first;
  };

  // Live tables: their ids are unique, so a table's range is kept whenever it is one.
  const live: Array<[first: number, count: number]> = [];
  const snat = new Set(db.prepare('SELECT DISTINCT chain_id FROM snat_rules').pluck(true).all() as number[]);
  const chainsOf = db.prepare('SELECT id, name, builtin, policy, packets, bytes, line FROM chains WHERE table_id = ? ORDER BY id').raw(true);
  db.exec(`ALTER TABLE rule_runs RENAME TO rule_runs_12; DROP INDEX rule_runs_chunk; ${CHAIN_HEADS_TABLES}`);
  db.exec('CREATE TEMP TABLE chain_ids_13 (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)');
  const remap = db.prepare('INSERT INTO temp.chain_ids_13 (old, new) VALUES (?, ?)');
  for (const tableId of db.prepare('SELECT id FROM rule_tables ORDER BY id').pluck(true).all() as number[]) {
    const { heads, renumbered } = convert(tableId, chainsOf.all(tableId) as ChainRow[], (id) => snat.has(id), () => true, take);
    insertChainHeads(db, heads);
    live.push([heads.firstId, heads.count]);
    for (const [from, to] of renumbered) remap.run(from, to);
  }
  db.exec(`
INSERT INTO rule_runs (chain_id, position, chunk_id, first, count)
  SELECT coalesce(m.new, r.chain_id), r.position, r.chunk_id, r.first, r.count FROM rule_runs_12 r LEFT JOIN temp.chain_ids_13 m ON m.old = r.chain_id;
DROP TABLE rule_runs_12;
DROP TABLE temp.chain_ids_13;
DROP TABLE snat_rules;
DROP TABLE chains;
`);
  if (hasTrash) convertTrash(db, live, take);
}

/**
 * Trashed chains (`trash_chains`, `trash_snat_rules`, from edits/trash) become trashed headers. A trashed table
 * keeps its range unless it is not one or a live or other trashed table holds any of it: ids of deleted chains
 * were handed out again before version 13.
 */
function convertTrash(db: Database.Database, live: ReadonlyArray<[number, number]>, take: (count: number) => number): void {
  const held: Array<[number, number]> = [...live];
  const free = (first: number, count: number): boolean => held.every(([f, c]) => first + count <= f || f + c <= first);
  const snat = new Set(
    exists(db, 'trash_snat_rules')
      ? (db.prepare('SELECT DISTINCT undo_id, chain_id FROM trash_snat_rules').raw(true).all() as Array<[string, number]>).map(([u, id]) => `${u}\n${id}`)
      : [],
  );
  db.exec(`CREATE TABLE "trash_chain_heads" (undo_id TEXT NOT NULL, "table_id", "first_id", "count", "body");
CREATE INDEX "trash_chain_heads_undo" ON "trash_chain_heads"(undo_id);
CREATE TEMP TABLE chain_ids_13 (undo_id TEXT NOT NULL, old INTEGER NOT NULL, new INTEGER NOT NULL, PRIMARY KEY (undo_id, old));`);
  const tables = exists(db, 'trash_rule_tables')
    ? (db.prepare('SELECT DISTINCT undo_id, id FROM trash_rule_tables ORDER BY undo_id, id').raw(true).all() as Array<[string, number]>)
    : [];
  const chainsOf = db.prepare('SELECT id, name, builtin, policy, packets, bytes, line FROM trash_chains WHERE undo_id = ? AND table_id = ? ORDER BY id').raw(true);
  const insertHeads = db.prepare('INSERT INTO trash_chain_heads (undo_id, table_id, first_id, count, body) VALUES (?, ?, ?, ?, ?)');
  const remap = db.prepare('INSERT INTO temp.chain_ids_13 (undo_id, old, new) VALUES (?, ?, ?)');
  for (const [undoId, tableId] of tables) {
    const rows = chainsOf.all(undoId, tableId) as ChainRow[];
    const { heads, renumbered } = convert(tableId, rows, (id) => snat.has(`${undoId}\n${id}`), free, take);
    insertHeads.run(undoId, tableId, heads.firstId, heads.count, heads.encode());
    held.push([heads.firstId, heads.count]);
    for (const [from, to] of renumbered) remap.run(undoId, from, to);
  }
  if (exists(db, 'trash_rule_runs')) {
    db.exec(`UPDATE trash_rule_runs SET chain_id = (SELECT m.new FROM temp.chain_ids_13 m WHERE m.undo_id = trash_rule_runs.undo_id AND m.old = trash_rule_runs.chain_id)
      WHERE EXISTS (SELECT 1 FROM temp.chain_ids_13 m WHERE m.undo_id = trash_rule_runs.undo_id AND m.old = trash_rule_runs.chain_id)`);
  }
  db.exec('DROP TABLE temp.chain_ids_13; DROP TABLE trash_chains; DROP TABLE IF EXISTS trash_snat_rules');
}
