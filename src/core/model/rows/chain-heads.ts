/**
 * How chain headers are stored: one `chain_heads` row per rule table, its chains' headers in one packed blob,
 * read back in one row. A kube-proxy table declares ~60,000 chains: as rows they were most of what a trace
 * read and of what an import wrote, with a (table, name) index nothing needed.
 *
 * A table's chains keep ids, first_id .. first_id + count - 1 in the order the table declared them, so that
 * `rule_runs` still names a rule's chain by one number. Ids are handed out above every id in use, the
 * trash's included (nextChainId), so a table's range is its own and an undo never meets another table's.
 *
 * The body (not deflated: kube-proxy's chain names are hashes that deflate little, and reading it raw is
 * what a trace pays for):
 *   u8 FORMAT, u32le length of NAMES, NAMES (the names in UTF-8, joined by line breaks: a name has none),
 *   then per chain: u8 flags (BUILTIN, the policy in POLICY_MASK, COUNTERS, SNAT, FLOAT_COUNTERS),
 *   varint zigzag(line - previous line), and with COUNTERS packets and bytes, as varints or (FLOAT_COUNTERS)
 *   as f64le each.
 */
import type Database from 'better-sqlite3';
import type { ChainHead } from '../../netfilter/ruleset-sink';
import { ModelError } from '../model-error';

const FORMAT = 1;
const BUILTIN = 1;
const POLICY_MASK = 6;
const ACCEPT = 2;
const DROP = 4;
const COUNTERS = 8;
const SNAT = 16;
const FLOAT_COUNTERS = 32;

/** Values per chain in a ChainHeadsBuilder: name, builtin (0|1), policy, packets, bytes, line, snat (0|1). */
const FIELDS = 7;

/** One table's chains as stored, column by column; chain k has id firstId + k. */
export interface StoredHeads {
  tableId: number;
  firstId: number;
  count: number;
  names: string[];
  /** Per chain: BUILTIN, POLICY_MASK, COUNTERS, SNAT bits (read with the functions below). */
  flags: Uint8Array;
  lines: Float64Array;
  /** 0 where the chain has no counters. */
  packets: Float64Array;
  bytes: Float64Array;
}

export const isBuiltin = (h: StoredHeads, k: number): boolean => (h.flags[k]! & BUILTIN) !== 0;
export const holdsSnat = (h: StoredHeads, k: number): boolean => (h.flags[k]! & SNAT) !== 0;
export const hasCounters = (h: StoredHeads, k: number): boolean => (h.flags[k]! & COUNTERS) !== 0;
export function policyOf(h: StoredHeads, k: number): 'ACCEPT' | 'DROP' | null {
  const p = h.flags[k]! & POLICY_MASK;
  return p === ACCEPT ? 'ACCEPT' : p === DROP ? 'DROP' : null;
}

/** The headers of one table's chains, gathered while its rules are written, stored by insertChainHeads. */
export class ChainHeadsBuilder {
  private readonly heads: unknown[] = [];

  constructor(
    readonly tableId: number,
    readonly firstId: number,
  ) {}

  get count(): number {
    return this.heads.length / FIELDS;
  }

  /** The next chain (id firstId + count), its header as CHAIN_COLUMNS give it from `name` on. */
  addColumns(row: readonly unknown[], from: number): void {
    for (let i = from; i < from + FIELDS - 1; i++) this.heads.push(row[i]);
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
      if (k >= 0 && k < count) this.heads[k * FIELDS + FIELDS - 1] = 1;
    }
  }

  encode(): Buffer {
    const { heads } = this;
    const count = this.count;
    const names: string[] = [];
    for (let i = 0; i < heads.length; i += FIELDS) {
      const name = heads[i] as string;
      if (name.includes('\n')) throw new Error(`chain name ${JSON.stringify(name)} holds a line break`);
      names.push(name);
    }
    const text = Buffer.from(names.join('\n'), 'utf8');
    // At most: flags, a line (8 bytes as a varint of up to 2^53) and two counters of 9 bytes each.
    const out = Buffer.allocUnsafe(5 + text.length + count * 27);
    out[0] = FORMAT;
    out.writeUInt32LE(text.length, 1);
    text.copy(out, 5);
    let at = 5 + text.length;
    let previous = 0;
    for (let i = 0; i < heads.length; i += FIELDS) {
      const policy = heads[i + 2];
      const packets = heads[i + 3] as number | null;
      const bytes = heads[i + 4] as number | null;
      const line = heads[i + 5] as number;
      const counters = packets !== null && bytes !== null;
      const whole = counters && isVarint(packets) && isVarint(bytes);
      out[at++] = (heads[i + 1] === 1 ? BUILTIN : 0) | (policy === 'ACCEPT' ? ACCEPT : policy === 'DROP' ? DROP : 0) | (counters ? COUNTERS : 0)
        | (heads[i + 6] === 1 ? SNAT : 0) | (counters && !whole ? FLOAT_COUNTERS : 0);
      if (!Number.isSafeInteger(line)) throw new Error(`chain ${String(heads[i])} has line ${line}`);
      const delta = line - previous;
      previous = line;
      at = writeVarint(out, at, delta >= 0 ? delta * 2 : -delta * 2 - 1);
      if (whole) {
        at = writeVarint(out, at, packets);
        at = writeVarint(out, at, bytes);
      } else if (counters) {
        at = out.writeDoubleLE(packets, at);
        at = out.writeDoubleLE(bytes, at);
      }
    }
    return out.subarray(0, at);
  }
}

const isVarint = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

function writeVarint(out: Buffer, at: number, n: number): number {
  while (n >= 128) {
    out[at++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Writes one table's headers; the caller holds the transaction. */
export function insertChainHeads(db: Database.Database, table: ChainHeadsBuilder): void {
  db.prepare('INSERT INTO chain_heads (table_id, first_id, count, body) VALUES (?, ?, ?, ?)').run(table.tableId, table.firstId, table.count, table.encode());
}

/** The first chain id no table uses, live or trashed: a new table's chains take the ids from there. */
export function nextChainId(db: Database.Database): number {
  let next = (db.prepare('SELECT max(first_id + count) FROM chain_heads').pluck(true).get() as number | null) ?? 1;
  const trashed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trash_chain_heads'").get() !== undefined;
  if (trashed) next = Math.max(next, (db.prepare('SELECT max(first_id + count) FROM trash_chain_heads').pluck(true).get() as number | null) ?? 1);
  return next;
}

/** A stored body's headers; one that does not read as `count` chains is a damaged project (`database`), said with its table. */
export function decodeChainHeads(database: string, tableId: number, firstId: number, count: number, body: Buffer): StoredHeads {
  const damaged = (what: string): never => {
    throw new ModelError(database, `the chains of rule table ${tableId} are damaged (${what})`);
  };
  if (body.length < 5 || body[0] !== FORMAT) damaged(`not a chain header blob of format ${FORMAT}`);
  const textEnd = 5 + body.readUInt32LE(1);
  if (textEnd > body.length) damaged('the names run past its end');
  const names = count === 0 ? [] : body.toString('utf8', 5, textEnd).split('\n');
  if (names.length !== count) damaged(`${names.length} names for ${count} chains`);
  const flags = new Uint8Array(count);
  const lines = new Float64Array(count);
  const packets = new Float64Array(count);
  const bytes = new Float64Array(count);
  const end = body.length;
  let at = textEnd;
  let line = 0;
  // Varints read inline: this loop runs once per chain of the table on every trace.
  const varint = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (at >= end) return damaged('it ends inside a chain header');
      const b = body[at++]!;
      n += (b & 127) * scale;
      if (b < 128) return n;
      scale *= 128;
    }
  };
  for (let k = 0; k < count; k++) {
    if (at >= end) damaged(`it ends at chain ${k + 1} of ${count}`);
    const f = body[at++]!;
    flags[k] = f;
    const z = varint();
    line += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    lines[k] = line;
    if ((f & COUNTERS) === 0) continue;
    if ((f & FLOAT_COUNTERS) !== 0) {
      if (at + 16 > end) damaged('it ends inside a chain header');
      packets[k] = body.readDoubleLE(at);
      bytes[k] = body.readDoubleLE(at + 8);
      at += 16;
    } else {
      packets[k] = varint();
      bytes[k] = varint();
    }
  }
  if (at !== end) damaged(`${end - at} bytes after chain ${count}`);
  return { tableId, firstId, count, names, flags, lines, packets, bytes };
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
    return decodeChainHeads(this.database, tableId, firstId, count, body);
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
    return r === undefined ? undefined : { chain: r.names[chainId - r.firstId]!, table: r.table, family: r.family };
  };
}
