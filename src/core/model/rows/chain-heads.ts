/**
 * How chain headers are stored: one `chain_heads` row per rule table, its chains' headers in one deflated
 * blob, read back in one row. A kube-proxy table declares ~30,000 chains: as rows they were most of what a
 * trace read (60,000 rows for a node) and of what an import wrote, with a (table, name) index nothing needed.
 *
 * A table's chains keep ids, first_id .. first_id + count - 1 in the order the table declared them, so that
 * `rule_runs` still names a rule's chain by one number. Ids are handed out above every id in use, the
 * trash's included (nextChainId), so a table's range is its own and an undo never meets another table's.
 *
 * The body: raw deflate of a JSON array, HEAD_FIELDS values per chain: name, builtin (0|1), policy
 * (string|null), packets, bytes (null without counters), line, snat (1 when a rule of it SNATs, else 0).
 */
import type Database from 'better-sqlite3';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ChainHead } from '../../netfilter/ruleset-sink';
import { ModelError } from '../model-error';

export const HEAD_FIELDS = 7;
/** deflate level 1: chain names (kube-proxy's hashes) gain little from a higher one. */
const LEVEL = 1;

/** One table's chains as stored: `heads` holds HEAD_FIELDS values per chain (see the file's comment). */
export interface StoredHeads {
  tableId: number;
  firstId: number;
  count: number;
  heads: unknown[];
}

/** The headers of one table's chains, gathered while its rules are written, stored by `write`. */
export class ChainHeadsBuilder {
  readonly heads: unknown[] = [];

  constructor(
    readonly tableId: number,
    readonly firstId: number,
  ) {}

  get count(): number {
    return this.heads.length / HEAD_FIELDS;
  }

  /** The next chain (id firstId + count), its header as CHAIN_COLUMNS give it from `name` on. */
  addColumns(row: readonly unknown[], from: number): void {
    for (let i = from; i < from + HEAD_FIELDS - 1; i++) this.heads.push(row[i]);
    this.heads.push(0);
  }

  add(chain: ChainHead): void {
    this.heads.push(chain.name, chain.builtin ? 1 : 0, chain.policy, chain.counters?.packets ?? null, chain.counters?.bytes ?? null, chain.line, 0);
  }

  /** Marks the chains among `ids` that are this table's as holding a SNAT rule. */
  markSnat(ids: Iterable<number>): void {
    const count = this.count;
    for (const id of ids) {
      const k = id - this.firstId;
      if (k >= 0 && k < count) this.heads[k * HEAD_FIELDS + HEAD_FIELDS - 1] = 1;
    }
  }
}

export function encodeChainHeads(heads: readonly unknown[]): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify(heads), 'utf8'), { level: LEVEL });
}

/** Writes one table's headers; the caller holds the transaction. */
export function insertChainHeads(db: Database.Database, table: ChainHeadsBuilder): void {
  db.prepare('INSERT INTO chain_heads (table_id, first_id, count, body) VALUES (?, ?, ?, ?)').run(table.tableId, table.firstId, table.count, encodeChainHeads(table.heads));
}

/** The first chain id no table uses, live or trashed: a new table's chains take the ids from there. */
export function nextChainId(db: Database.Database): number {
  let next = (db.prepare('SELECT max(first_id + count) FROM chain_heads').pluck(true).get() as number | null) ?? 1;
  const trashed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trash_chain_heads'").get() !== undefined;
  if (trashed) next = Math.max(next, (db.prepare('SELECT max(first_id + count) FROM trash_chain_heads').pluck(true).get() as number | null) ?? 1);
  return next;
}

/** A stored body's headers; one that does not inflate or read as HEAD_FIELDS values per chain is a damaged project (`database`). */
export function decodeChainHeads(database: string, tableId: number, count: number, body: Buffer): unknown[] {
  let heads: unknown;
  try {
    heads = JSON.parse(inflateRawSync(body).toString('utf8'));
  } catch (e) {
    throw new ModelError(database, `the chains of rule table ${tableId} do not read (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(heads) || heads.length !== count * HEAD_FIELDS) {
    throw new ModelError(database, `the chains of rule table ${tableId} are damaged (not ${count} chain headers)`);
  }
  for (let i = 0; i < heads.length; i += HEAD_FIELDS) {
    if (typeof heads[i] !== 'string' || typeof heads[i + 5] !== 'number') {
      throw new ModelError(database, `the chains of rule table ${tableId} are damaged (chain ${i / HEAD_FIELDS + 1} has no name or line)`);
    }
  }
  return heads;
}

type HeadRow = [tableId: number, firstId: number | null, count: number | null, body: Buffer | null];

/** Reads the chain headers of rule tables one row each; a table without its row is a damaged project. */
export class ChainHeadsReader {
  private readonly row: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly database: string,
  ) {
    this.row = db.prepare('SELECT table_id, first_id, count, body FROM chain_heads WHERE table_id = ?').raw(true);
  }

  of(tableId: number): StoredHeads {
    const row = this.row.get(tableId) as HeadRow | undefined;
    if (row === undefined) throw new ModelError(this.database, `rule table ${tableId} has no chains stored`);
    const [, firstId, count, body] = row;
    if (firstId === null || count === null || body === null) throw new ModelError(this.database, `the chains of rule table ${tableId} are damaged`);
    return { tableId, firstId, count, heads: decodeChainHeads(this.database, tableId, count, body) };
  }
}

/** A chain of a capture's rulesets, by id: its name, table and family. */
export interface ChainPlace {
  chain: string;
  table: string;
  family: string;
}

/** The chains of every table of a capture's rulesets, by id; undefined for an id that is none of them. */
export function chainPlaces(db: Database.Database, database: string, captureId: number): (chainId: number) => ChainPlace | undefined {
  const tables = db
    .prepare('SELECT t.id, t.name, rs.family FROM rule_tables t JOIN rulesets rs ON rs.id = t.ruleset_id WHERE rs.capture_id = ? ORDER BY t.id')
    .raw(true)
    .all(captureId) as Array<[number, string, string]>;
  const reader = new ChainHeadsReader(db, database);
  const ranges = tables.map(([id, table, family]) => ({ ...reader.of(id), table, family }));
  return (chainId) => {
    const r = ranges.find((t) => chainId >= t.firstId && chainId < t.firstId + t.count);
    return r === undefined ? undefined : { chain: r.heads[(chainId - r.firstId) * HEAD_FIELDS] as string, table: r.table, family: r.family };
  };
}
