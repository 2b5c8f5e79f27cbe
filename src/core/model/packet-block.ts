/**
 * Packets stored in blocks: up to BLOCK_PACKETS packets of one capture in one packet_blocks row. One SQLite row
 * per packet costs more than reading the pcap does; one row per few thousand packets costs almost nothing.
 * Strings (interface, truncation layer) are indices into a per-block dictionary; the 5-tuple is a tuple id
 * (tuple-block.ts; 0 for none). How the fields are laid out in the row's `data` is packet-columns.ts's: new
 * blocks are written as narrow columns, blocks of older projects as 64-byte records, and both read alike.
 */
import { LITTLE_ENDIAN_HOST } from '../common/host-order';
import type { PacketRecord } from '../records/records';
import {
  COLUMN_COUNT, C_ACK, C_DIRECTION, C_FLAGS, C_FRAME, C_ICMP_CODE, C_ICMP_ID, C_ICMP_TYPE, C_IFACE, C_LEN, C_LINE, C_LINK,
  C_NULLS, C_OFFSET, C_PAYLOAD, C_SEQ, C_TRUNCATED, C_TS_NSEC, C_TS_SEC, C_TUPLE, LAYOUT_COLUMNS, LAYOUT_ROWS,
  columnsBytesAtMost, decodeColumn, encodeColumns, encodeRows, recordCount, type ColumnValues, type DecodedColumn, type PacketBlockLayout,
} from './packet-columns';

export const BLOCK_PACKETS = 4096;

const NO_STRING = 0xffff;

const NULL_LINK = 1 << 0;
const NULL_FLAGS = 1 << 1;
const NULL_SEQ = 1 << 2;
const NULL_ACK = 1 << 3;
const NULL_PAYLOAD = 1 << 4;
const NULL_ICMP_TYPE = 1 << 5;
const NULL_ICMP_CODE = 1 << 6;
const NULL_ICMP_ID = 1 << 7;
const NULL_LINE = 1 << 8;
const NULL_OFFSET = 1 << 9;

/** What one packet_blocks row holds besides its capture. */
export interface EncodedBlock {
  firstFrame: number;
  lastFrame: number;
  frames: number;
  minSec: number;
  minNsec: number;
  maxSec: number;
  maxNsec: number;
  /** JSON array: the block's string dictionary. */
  strings: string;
  /** Sorted distinct tuple ids (u32 LE), so a reader looking for a tuple decodes only blocks that hold it. */
  tuples: Buffer;
  /** How `data` is laid out (packet-columns.ts). */
  layout: PacketBlockLayout;
  data: Buffer;
}

/** Fills one block; `encode()` returns it and starts the next. */
export class PacketBlockEncoder {
  private readonly columns: ColumnValues[] = [];
  private strings = new Map<string, number>();
  /** The string looked up last and its index in this block: a capture's records mostly name one interface. */
  private lastString: string | null = null;
  private lastIndex = NO_STRING;
  /**
   * Each record's tuple id (0 for none), the block's tuple column; sorted and made unique for the block's tuple
   * list when it is encoded. A writer may fill in a record's id after `add` (its tuple table looks ids up in batches).
   */
  readonly tupleIds = new Uint32Array(BLOCK_PACKETS);
  private readonly tsSec = new Float64Array(BLOCK_PACKETS);
  private readonly offset = new Float64Array(BLOCK_PACKETS);
  private readonly u32: Uint32Array[] = [];
  /** distinctIds' bitmap, kept from block to block. */
  private readonly bits = new Uint32Array((BLOCK_PACKETS * BITMAP_SPAN) / 32);
  private n = 0;
  private firstFrame = 0;
  private lastFrame = 0;
  private minSec = 0;
  private minNsec = 0;
  private maxSec = 0;
  private maxNsec = 0;

  /** Where `encode` puts a block's data and tuple list when the encoder reuses its buffers. */
  private readonly out: Buffer | null;
  private readonly list: Uint32Array | null;

  /**
   * `layout`: how `encode` lays the records out; ROWS only for a migration writing a schema before 16.
   * `reuseBuffers`: a block's `data` and `tuples` are views of the encoder's own buffers, good until the next
   * `encode`, for a caller that writes each block at once (SQLite copies the bytes): no buffer is made per block,
   * and none waits for the collector (a million packets make ~250 of ~100 KB).
   */
  constructor(private readonly layout: PacketBlockLayout = LAYOUT_COLUMNS, { reuseBuffers = false }: { reuseBuffers?: boolean } = {}) {
    this.out = reuseBuffers ? Buffer.allocUnsafe(columnsBytesAtMost(BLOCK_PACKETS)) : null;
    this.list = reuseBuffers ? new Uint32Array(BLOCK_PACKETS) : null;
    for (let c = 0; c < COLUMN_COUNT; c++) {
      const column = c === C_TS_SEC ? this.tsSec : c === C_OFFSET ? this.offset : c === C_TUPLE ? this.tupleIds : new Uint32Array(BLOCK_PACKETS);
      this.columns.push(column);
      this.u32.push(column instanceof Uint32Array ? column : new Uint32Array(0));
    }
  }

  get count(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === BLOCK_PACKETS;
  }

  add(p: PacketRecord, tupleId: number | null): void {
    const i = this.n;
    const u = this.u32;
    let nulls = 0;
    this.tsSec[i] = p.tsSec;
    if (p.offset === null) nulls |= NULL_OFFSET;
    this.offset[i] = p.offset ?? 0;
    u[C_FRAME]![i] = p.frame;
    u[C_TS_NSEC]![i] = p.tsNsec;
    this.tupleIds[i] = tupleId ?? 0;
    u[C_LEN]![i] = p.origLen;
    if (p.seq === null) nulls |= NULL_SEQ;
    u[C_SEQ]![i] = p.seq ?? 0;
    if (p.ack === null) nulls |= NULL_ACK;
    u[C_ACK]![i] = p.ack ?? 0;
    if (p.payloadLen === null) nulls |= NULL_PAYLOAD;
    u[C_PAYLOAD]![i] = p.payloadLen ?? 0;
    if (p.line === null) nulls |= NULL_LINE;
    u[C_LINE]![i] = p.line ?? 0;
    u[C_IFACE]![i] = this.stringIndex(p.iface);
    u[C_TRUNCATED]![i] = this.stringIndex(p.truncated);
    if (p.linkType === null) nulls |= NULL_LINK;
    u[C_LINK]![i] = p.linkType ?? 0;
    const icmpId = p.icmpId ?? null;
    if (icmpId === null) nulls |= NULL_ICMP_ID;
    u[C_ICMP_ID]![i] = icmpId ?? 0;
    if (p.tcpFlags === null) nulls |= NULL_FLAGS;
    u[C_FLAGS]![i] = p.tcpFlags ?? 0;
    if (p.icmpType === null) nulls |= NULL_ICMP_TYPE;
    u[C_ICMP_TYPE]![i] = p.icmpType ?? 0;
    if (p.icmpCode === null) nulls |= NULL_ICMP_CODE;
    u[C_ICMP_CODE]![i] = p.icmpCode ?? 0;
    u[C_DIRECTION]![i] = p.direction === null ? 0 : p.direction === 'in' ? 1 : 2;
    u[C_NULLS]![i] = nulls;
    if (i === 0) {
      this.firstFrame = p.frame;
      this.minSec = this.maxSec = p.tsSec;
      this.minNsec = this.maxNsec = p.tsNsec;
    } else {
      if (p.tsSec < this.minSec || (p.tsSec === this.minSec && p.tsNsec < this.minNsec)) {
        this.minSec = p.tsSec;
        this.minNsec = p.tsNsec;
      }
      if (p.tsSec > this.maxSec || (p.tsSec === this.maxSec && p.tsNsec > this.maxNsec)) {
        this.maxSec = p.tsSec;
        this.maxNsec = p.tsNsec;
      }
    }
    this.lastFrame = p.frame;
    this.n++;
  }

  /** The block so far (null when empty); the encoder is empty afterwards. */
  encode(): EncodedBlock | null {
    const n = this.n;
    if (n === 0) return null;
    const data = this.layout === LAYOUT_ROWS ? encodeRows(this.columns, n) : encodeColumns(this.columns, n, undefined, this.out);
    const tupleBytes = distinctIds(this.tupleIds, n, this.bits, this.list);
    const block: EncodedBlock = {
      firstFrame: this.firstFrame, lastFrame: this.lastFrame, frames: n,
      minSec: this.minSec, minNsec: this.minNsec, maxSec: this.maxSec, maxNsec: this.maxNsec,
      strings: JSON.stringify([...this.strings.keys()]),
      tuples: tupleBytes,
      layout: this.layout,
      data,
    };
    this.n = 0;
    this.strings = new Map();
    this.lastString = null;
    return block;
  }

  private stringIndex(s: string | null): number {
    if (s === null) return NO_STRING;
    if (s === this.lastString) return this.lastIndex;
    let i = this.strings.get(s);
    if (i === undefined) {
      i = this.strings.size;
      if (i >= NO_STRING) throw new RangeError('more than 65535 distinct strings in one packet block');
      this.strings.set(s, i);
    }
    this.lastString = s;
    this.lastIndex = i;
    return i;
  }
}

/** Spans of ids up to this many times a block's records are listed through a bitmap; wider ones are sorted. */
const BITMAP_SPAN = 16;

/**
 * The distinct non-zero values of `ids[0..n)`, ascending, as u32 LE. A block's ids are usually close together (a
 * capture's tuples are numbered as they first come), so a bitmap over their span lists them in two short passes;
 * ids spread wider go through a native numeric sort of a copy (the column itself is the block's data). The result
 * is a view of `into` when it is given and long enough (then good until `into` is used again), else of a new array.
 */
export function distinctIds(ids: Uint32Array, n: number, bits: Uint32Array, into: Uint32Array | null = null): Buffer {
  let min = 0xffffffff;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const x = ids[i]!;
    if (x === 0) continue;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (max === 0) return Buffer.alloc(0);
  const span = max - min + 1;
  let list: Uint32Array;
  let distinct = 0;
  if (span <= BITMAP_SPAN * n && span <= bits.length * 32) {
    list = into !== null && into.length >= Math.min(n, span) ? into : new Uint32Array(Math.min(n, span));
    const words = (span + 31) >>> 5;
    bits.fill(0, 0, words);
    for (let i = 0; i < n; i++) {
      const x = ids[i]!;
      if (x !== 0) bits[(x - min) >>> 5]! |= 1 << ((x - min) & 31);
    }
    for (let w = 0; w < words; w++) {
      let word = bits[w]!;
      while (word !== 0) {
        const low = word & -word;
        list[distinct++] = min + w * 32 + 31 - Math.clz32(low);
        word ^= low;
      }
    }
  } else {
    list = into !== null && into.length >= n ? into : new Uint32Array(n);
    list.set(ids.subarray(0, n));
    list.subarray(0, n).sort();
    for (let i = 0; i < n; i++) {
      const id = list[i]!;
      if (id === 0 || (distinct > 0 && id === list[distinct - 1])) continue;
      list[distinct++] = id;
    }
  }
  return littleEndianBytes(list, distinct);
}

/** The first `n` values of `list` as u32 LE bytes: the array's own bytes on a little-endian host. */
function littleEndianBytes(list: Uint32Array, n: number): Buffer {
  const out = Buffer.from(list.buffer, list.byteOffset, n * 4);
  if (!LITTLE_ENDIAN_HOST) for (let i = 0; i < n; i++) out.writeUInt32LE(list[i]!, i * 4);
  return out;
}

/** Whether `sorted`, ascending little-endian u32 values (a block's tuple list or tuple keys), holds `value`. */
export function sortedUint32Has(sorted: Uint8Array, value: number): boolean {
  const v = new DataView(sorted.buffer, sorted.byteOffset, sorted.byteLength);
  let lo = 0;
  let hi = (sorted.byteLength >> 2) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = v.getUint32(mid * 4, true);
    if (x === value) return true;
    if (x < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Whether a block's sorted tuple list holds `tupleId`. */
export function blockHasTuple(tuples: Uint8Array, tupleId: number): boolean {
  return sortedUint32Has(tuples, tupleId);
}

/** Read access to one stored block, record by record (index 0..count-1, in frame order); columns decoded when first read. */
export class PacketBlock {
  readonly count: number;
  private readonly columns: Array<DecodedColumn | undefined> = new Array<DecodedColumn | undefined>(COLUMN_COUNT);

  constructor(
    private readonly data: Uint8Array,
    private readonly strings: readonly string[],
    private readonly layout: PacketBlockLayout,
  ) {
    this.count = recordCount(data, layout);
  }

  static of(data: Uint8Array, strings: string, layout: PacketBlockLayout): PacketBlock {
    return new PacketBlock(data, JSON.parse(strings) as string[], layout);
  }

  private column(c: number): DecodedColumn {
    return this.columns[c] ?? (this.columns[c] = decodeColumn(this.data, this.layout, c, this.count));
  }

  private str(c: number, i: number): string | null {
    const k = this.column(c)[i]!;
    return k === NO_STRING ? null : this.strings[k]!;
  }

  private valueOrNull(c: number, i: number, bit: number): number | null {
    return this.column(C_NULLS)[i]! & bit ? null : this.column(c)[i]!;
  }

  tsSec(i: number): number {
    return this.column(C_TS_SEC)[i]!;
  }
  tsNsec(i: number): number {
    return this.column(C_TS_NSEC)[i]!;
  }
  frame(i: number): number {
    return this.column(C_FRAME)[i]!;
  }
  /** Tuple id, 0 when the frame has no addresses. */
  tupleId(i: number): number {
    return this.column(C_TUPLE)[i]!;
  }
  len(i: number): number {
    return this.column(C_LEN)[i]!;
  }
  iface(i: number): string | null {
    return this.str(C_IFACE, i);
  }
  truncated(i: number): string | null {
    return this.str(C_TRUNCATED, i);
  }
  direction(i: number): 'in' | 'out' | null {
    const d = this.column(C_DIRECTION)[i]!;
    return d === 0 ? null : d === 1 ? 'in' : 'out';
  }
  seq(i: number): number | null {
    return this.valueOrNull(C_SEQ, i, NULL_SEQ);
  }
  ack(i: number): number | null {
    return this.valueOrNull(C_ACK, i, NULL_ACK);
  }
  payloadLen(i: number): number | null {
    return this.valueOrNull(C_PAYLOAD, i, NULL_PAYLOAD);
  }
  line(i: number): number | null {
    return this.valueOrNull(C_LINE, i, NULL_LINE);
  }
  offset(i: number): number | null {
    return this.valueOrNull(C_OFFSET, i, NULL_OFFSET);
  }
  linkType(i: number): number | null {
    return this.valueOrNull(C_LINK, i, NULL_LINK);
  }
  icmpId(i: number): number | null {
    return this.valueOrNull(C_ICMP_ID, i, NULL_ICMP_ID);
  }
  tcpFlags(i: number): number | null {
    return this.valueOrNull(C_FLAGS, i, NULL_FLAGS);
  }
  icmpType(i: number): number | null {
    return this.valueOrNull(C_ICMP_TYPE, i, NULL_ICMP_TYPE);
  }
  icmpCode(i: number): number | null {
    return this.valueOrNull(C_ICMP_CODE, i, NULL_ICMP_CODE);
  }

  /** Whether record i is strictly after record j in (time, frame) order. */
  after(i: number, other: PacketBlock, j: number): boolean {
    const a = this.tsSec(i);
    const b = other.tsSec(j);
    if (a !== b) return a > b;
    const an = this.tsNsec(i);
    const bn = other.tsNsec(j);
    if (an !== bn) return an > bn;
    return this.frame(i) > other.frame(j);
  }

  /** True when the records are already in time order (the usual case): no sort needed. */
  inTimeOrder(): boolean {
    for (let i = 1; i < this.count; i++) if (this.after(i - 1, this, i)) return false;
    return true;
  }
}
