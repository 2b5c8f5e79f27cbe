/**
 * How chain headers are stored: one `chain_heads` row per rule table, its chains' headers in one packed blob,
 * read back in one row. A kube-proxy table declares ~60,000 chains: as rows they were most of what a trace
 * read and of what an import wrote, with a (table, name) index nothing needed.
 *
 * A table's chains keep ids, first_id .. first_id + count - 1 in the order the table declared them, so that
 * `rule_runs` still names a rule's chain by one number. Ids are handed out above every id in use, the
 * trash's included (nextChainId), so a table's range is its own and an undo never meets another table's.
 *
 * The body is not deflated (kube-proxy's chain names are hashes that deflate little) and holds columns, so
 * that a trace reads a table's ~60,000 headers with a split and a few copies, no loop over them:
 *   u8 FORMAT, u8 WITH_COUNTERS or 0, u32le length of NAMES, NAMES (UTF-8, joined by line breaks: a name has
 *   none), then count bytes of flags (BUILTIN, the policy in POLICY_MASK, COUNTERS, SNAT), count u32le lines,
 *   and with WITH_COUNTERS (some chain of the table counted traffic) count f64le packets, count f64le bytes.
 */
import type Database from 'better-sqlite3';
import type { ChainHead } from '../../netfilter/ruleset-sink';
import { LITTLE_ENDIAN_HOST } from '../../common/host-order';
import { ModelError } from '../model-error';

const FORMAT = 1;
const WITH_COUNTERS = 1;
const HEADER = 6;
const BUILTIN = 1;
const POLICY_MASK = 6;
const ACCEPT = 2;
const DROP = 4;
const COUNTERS = 8;
const SNAT = 16;

/** One table's chains as stored, column by column; chain k has id firstId + k. */
export interface StoredHeads {
  tableId: number;
  firstId: number;
  count: number;
  names: string[];
  /** Per chain: BUILTIN, POLICY_MASK, COUNTERS, SNAT bits (read with the functions below). */
  flags: Uint8Array;
  lines: Uint32Array;
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

/** One table's chain headers gathered column by column, chain k the k-th declared; encode() gives the stored body. */
export class ChainHeadColumns {
  private readonly names: string[] = [];
  private flags = new Uint8Array(64);
  private lines = new Uint32Array(64);
  /** Counters, made when a chain first counts traffic: a kube-proxy dump's are all zero. */
  private packets: Float64Array | null = null;
  private bytes: Float64Array | null = null;

  get count(): number {
    return this.names.length;
  }

  add(chain: ChainHead): void {
    const { name, counters, policy, line } = chain;
    if (name.includes('\n')) throw new Error(`chain name ${JSON.stringify(name)} holds a line break`);
    if (!Number.isInteger(line) || line < 0 || line > 0xffffffff) throw new RangeError(`chain ${name}: line ${line} does not fit a u32 column`);
    const k = this.names.length;
    if (k === this.flags.length) this.grow();
    this.names.push(name);
    this.flags[k] = (chain.builtin ? BUILTIN : 0) | (policy === 'ACCEPT' ? ACCEPT : policy === 'DROP' ? DROP : 0) | (counters !== null ? COUNTERS : 0);
    this.lines[k] = line;
    if (counters !== null && (counters.packets !== 0 || counters.bytes !== 0)) {
      if (this.packets === null || this.bytes === null) {
        this.packets = new Float64Array(this.flags.length);
        this.bytes = new Float64Array(this.flags.length);
      }
      this.packets[k] = counters.packets;
      this.bytes[k] = counters.bytes;
    }
  }

  /** Marks chain k (0-based) as holding a SNAT rule. */
  markSnatAt(k: number): void {
    if (k >= 0 && k < this.names.length) this.flags[k]! |= SNAT;
  }

  encode(): Buffer {
    const count = this.names.length;
    const text = Buffer.from(this.names.join('\n'), 'utf8');
    // Counters shown but all zero (kube-proxy's chains in a dump) need no columns: the flags say they are shown.
    const { packets, bytes } = this;
    const withCounters = packets !== null && bytes !== null;
    const out = Buffer.alloc(HEADER + text.length + count * (withCounters ? 21 : 5));
    out[0] = FORMAT;
    out[1] = withCounters ? WITH_COUNTERS : 0;
    out.writeUInt32LE(text.length, 2);
    text.copy(out, HEADER);
    const flagsAt = HEADER + text.length;
    out.set(this.flags.subarray(0, count), flagsAt);
    writeColumn(out, flagsAt + count, this.lines.subarray(0, count));
    if (withCounters) {
      writeColumn(out, flagsAt + count * 5, packets.subarray(0, count));
      writeColumn(out, flagsAt + count * 13, bytes.subarray(0, count));
    }
    return out;
  }

  private grow(): void {
    const size = this.flags.length * 2;
    const widen = <T extends Uint8Array | Uint32Array | Float64Array>(from: T, to: T): T => (to.set(from), to);
    this.flags = widen(this.flags, new Uint8Array(size));
    this.lines = widen(this.lines, new Uint32Array(size));
    if (this.packets !== null) this.packets = widen(this.packets, new Float64Array(size));
    if (this.bytes !== null) this.bytes = widen(this.bytes, new Float64Array(size));
  }
}

/** The headers of one table's chains, gathered while its rules are written, stored by insertChainHeads. */
export class ChainHeadsBuilder {
  private readonly columns = new ChainHeadColumns();

  constructor(
    readonly tableId: number,
    readonly firstId: number,
  ) {}

  get count(): number {
    return this.columns.count;
  }

  add(chain: ChainHead): void {
    this.columns.add(chain);
  }

  /** Marks the chains among `ids` that are this table's as holding a SNAT rule. */
  markSnat(ids: Iterable<number>): void {
    for (const id of ids) this.columns.markSnatAt(id - this.firstId);
  }

  encode(): Buffer {
    return this.columns.encode();
  }
}

/** Writes one table's headers; the caller holds the transaction. */
export function insertChainHeads(db: Database.Database, table: ChainHeadsBuilder): void {
  insertChainHeadsBody(db, table.tableId, table.firstId, table.count, table.encode());
}

/** Writes one table's headers, encoded already (ChainHeadColumns.encode); the caller holds the transaction. */
export function insertChainHeadsBody(db: Database.Database, tableId: number, firstId: number, count: number, body: Uint8Array): void {
  db.prepare('INSERT INTO chain_heads (table_id, first_id, count, body) VALUES (?, ?, ?, ?)').run(tableId, firstId, count, body);
}

/** The first chain id no table uses, live or trashed: a new table's chains take the ids from there. */
export function nextChainId(db: Database.Database): number {
  let next = (db.prepare('SELECT max(first_id + count) FROM chain_heads').pluck(true).get() as number | null) ?? 1;
  const trashed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trash_chain_heads'").get() !== undefined;
  if (trashed) next = Math.max(next, (db.prepare('SELECT max(first_id + count) FROM trash_chain_heads').pluck(true).get() as number | null) ?? 1);
  return next;
}

/** `from`'s values into `out` from `at`, little-endian, as readColumn reads them back. */
export function writeColumn(out: Buffer, at: number, from: Uint32Array | Float64Array, littleEndian = LITTLE_ENDIAN_HOST): void {
  const width = from.BYTES_PER_ELEMENT;
  if (littleEndian) {
    out.set(new Uint8Array(from.buffer, from.byteOffset, from.length * width), at);
    return;
  }
  for (let k = 0; k < from.length; k++) {
    if (width === 4) out.writeUInt32LE(from[k]!, at + k * 4);
    else out.writeDoubleLE(from[k]!, at + k * 8);
  }
}

/** `count` values of `width` bytes from `at`, little-endian, into `into`; `littleEndian` says how the host reads typed arrays. */
export function readColumn(body: Buffer, at: number, into: Uint32Array | Float64Array, littleEndian = LITTLE_ENDIAN_HOST): void {
  const width = into.BYTES_PER_ELEMENT;
  if (littleEndian) {
    new Uint8Array(into.buffer, into.byteOffset, into.length * width).set(body.subarray(at, at + into.length * width));
    return;
  }
  for (let k = 0; k < into.length; k++) into[k] = width === 4 ? body.readUInt32LE(at + k * 4) : body.readDoubleLE(at + k * 8);
}

/** A stored body's headers; one that does not read as `count` chains is a damaged project (`database`), said with its table. */
export function decodeChainHeads(database: string, tableId: number, firstId: number, count: number, body: Buffer): StoredHeads {
  const damaged = (what: string): never => {
    throw new ModelError(database, `the chains of rule table ${tableId} are damaged (${what})`);
  };
  if (body.length < HEADER || body[0] !== FORMAT) damaged(`not a chain header blob of format ${FORMAT}`);
  const withCounters = (body[1]! & WITH_COUNTERS) !== 0;
  const textEnd = HEADER + body.readUInt32LE(2);
  if (textEnd > body.length) damaged('the names run past its end');
  const names = count === 0 ? [] : body.toString('utf8', HEADER, textEnd).split('\n');
  if (names.length !== count) damaged(`${names.length} names for ${count} chains`);
  const size = textEnd + count * (withCounters ? 21 : 5);
  if (body.length !== size) damaged(`${body.length} bytes where ${count} chains take ${size}`);
  const flags = new Uint8Array(count);
  flags.set(body.subarray(textEnd, textEnd + count));
  const lines = new Uint32Array(count);
  readColumn(body, textEnd + count, lines);
  const packets = new Float64Array(count);
  const bytes = new Float64Array(count);
  if (withCounters) {
    readColumn(body, textEnd + count * 5, packets);
    readColumn(body, textEnd + count * 13, bytes);
  }
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
