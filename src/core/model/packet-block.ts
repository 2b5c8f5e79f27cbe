/**
 * Packets stored in blocks: up to BLOCK_PACKETS packets of one capture in one packet_blocks row, as
 * fixed-width little-endian records. One SQLite row per packet costs more than reading the pcap does;
 * one row per few thousand packets costs almost nothing. Strings (interface, truncation layer) are
 * indices into a per-block dictionary; the 5-tuple is a packet_tuples id (0 for none).
 *
 * Record layout (RECORD_BYTES):
 *   0 tsSec f64 | 8 offset f64 | 16 frame u32 | 20 tsNsec u32 | 24 tupleId u32 | 28 len u32 | 32 seq u32
 *  36 ack u32 | 40 payloadLen u32 | 44 line u32 | 48 iface u16 | 50 truncated u16 | 52 linkType u16
 *  54 icmpId u16 | 56 null bits u16 | 58 tcpFlags u8 | 59 icmpType u8 | 60 icmpCode u8 | 61 direction u8
 */
import type { PacketRecord } from '../records/records';

export const RECORD_BYTES = 64;
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
  data: Buffer;
}

/** Fills one block; `encode()` returns it and starts the next. */
export class PacketBlockEncoder {
  private buf = Buffer.alloc(BLOCK_PACKETS * RECORD_BYTES);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private strings = new Map<string, number>();
  /**
   * Each record's tuple id (0 for none), written into the records and then sorted and made unique when the block
   * is encoded. A writer may fill in a record's id after `add` (its tuple table looks ids up in batches).
   */
  readonly tupleIds = new Uint32Array(BLOCK_PACKETS);
  private n = 0;
  private firstFrame = 0;
  private lastFrame = 0;
  private minSec = 0;
  private minNsec = 0;
  private maxSec = 0;
  private maxNsec = 0;

  get count(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === BLOCK_PACKETS;
  }

  add(p: PacketRecord, tupleId: number | null): void {
    const v = this.view;
    const at = this.n * RECORD_BYTES;
    let nulls = 0;
    v.setFloat64(at, p.tsSec, true);
    if (p.offset === null) nulls |= NULL_OFFSET;
    v.setFloat64(at + 8, p.offset ?? 0, true);
    v.setUint32(at + 16, p.frame, true);
    v.setUint32(at + 20, p.tsNsec, true);
    this.tupleIds[this.n] = tupleId ?? 0;
    v.setUint32(at + 28, p.origLen, true);
    if (p.seq === null) nulls |= NULL_SEQ;
    v.setUint32(at + 32, p.seq ?? 0, true);
    if (p.ack === null) nulls |= NULL_ACK;
    v.setUint32(at + 36, p.ack ?? 0, true);
    if (p.payloadLen === null) nulls |= NULL_PAYLOAD;
    v.setUint32(at + 40, p.payloadLen ?? 0, true);
    if (p.line === null) nulls |= NULL_LINE;
    v.setUint32(at + 44, p.line ?? 0, true);
    v.setUint16(at + 48, this.stringIndex(p.iface), true);
    v.setUint16(at + 50, this.stringIndex(p.truncated), true);
    if (p.linkType === null) nulls |= NULL_LINK;
    v.setUint16(at + 52, p.linkType ?? 0, true);
    const icmpId = p.icmpId ?? null;
    if (icmpId === null) nulls |= NULL_ICMP_ID;
    v.setUint16(at + 54, icmpId ?? 0, true);
    if (p.tcpFlags === null) nulls |= NULL_FLAGS;
    v.setUint8(at + 58, p.tcpFlags ?? 0);
    if (p.icmpType === null) nulls |= NULL_ICMP_TYPE;
    v.setUint8(at + 59, p.icmpType ?? 0);
    if (p.icmpCode === null) nulls |= NULL_ICMP_CODE;
    v.setUint8(at + 60, p.icmpCode ?? 0);
    v.setUint8(at + 61, p.direction === null ? 0 : p.direction === 'in' ? 1 : 2);
    v.setUint16(at + 56, nulls, true);
    if (this.n === 0) {
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
    if (this.n === 0) return null;
    for (let i = 0; i < this.n; i++) this.view.setUint32(i * RECORD_BYTES + 24, this.tupleIds[i]!, true);
    // A native numeric sort and one pass: cheaper than a Set grown packet by packet.
    const ids = this.tupleIds.subarray(0, this.n).sort();
    const tupleBytes = Buffer.alloc(this.n * 4);
    let distinct = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === 0 || (i > 0 && id === ids[i - 1])) continue;
      tupleBytes.writeUInt32LE(id, distinct++ * 4);
    }
    const block: EncodedBlock = {
      firstFrame: this.firstFrame, lastFrame: this.lastFrame, frames: this.n,
      minSec: this.minSec, minNsec: this.minNsec, maxSec: this.maxSec, maxNsec: this.maxNsec,
      strings: JSON.stringify([...this.strings.keys()]),
      tuples: tupleBytes.subarray(0, distinct * 4),
      data: Buffer.from(this.buf.subarray(0, this.n * RECORD_BYTES)),
    };
    this.n = 0;
    this.strings = new Map();
    return block;
  }

  private stringIndex(s: string | null): number {
    if (s === null) return NO_STRING;
    let i = this.strings.get(s);
    if (i === undefined) {
      i = this.strings.size;
      if (i >= NO_STRING) throw new RangeError('more than 65535 distinct strings in one packet block');
      this.strings.set(s, i);
    }
    return i;
  }
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

/** Read access to one stored block, record by record (index 0..count-1, in frame order). */
export class PacketBlock {
  readonly count: number;
  private readonly v: DataView;

  constructor(data: Uint8Array, private readonly strings: readonly string[]) {
    this.v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.count = data.byteLength / RECORD_BYTES;
  }

  static of(data: Uint8Array, strings: string): PacketBlock {
    return new PacketBlock(data, JSON.parse(strings) as string[]);
  }

  private nulls(i: number): number {
    return this.v.getUint16(i * RECORD_BYTES + 56, true);
  }

  private str(at: number): string | null {
    const k = this.v.getUint16(at, true);
    return k === NO_STRING ? null : this.strings[k]!;
  }

  tsSec(i: number): number {
    return this.v.getFloat64(i * RECORD_BYTES, true);
  }
  tsNsec(i: number): number {
    return this.v.getUint32(i * RECORD_BYTES + 20, true);
  }
  frame(i: number): number {
    return this.v.getUint32(i * RECORD_BYTES + 16, true);
  }
  /** packet_tuples id, 0 when the frame has no addresses. */
  tupleId(i: number): number {
    return this.v.getUint32(i * RECORD_BYTES + 24, true);
  }
  len(i: number): number {
    return this.v.getUint32(i * RECORD_BYTES + 28, true);
  }
  iface(i: number): string | null {
    return this.str(i * RECORD_BYTES + 48);
  }
  truncated(i: number): string | null {
    return this.str(i * RECORD_BYTES + 50);
  }
  direction(i: number): 'in' | 'out' | null {
    const d = this.v.getUint8(i * RECORD_BYTES + 61);
    return d === 0 ? null : d === 1 ? 'in' : 'out';
  }
  private u32(i: number, at: number, bit: number): number | null {
    return this.nulls(i) & bit ? null : this.v.getUint32(i * RECORD_BYTES + at, true);
  }
  private u16(i: number, at: number, bit: number): number | null {
    return this.nulls(i) & bit ? null : this.v.getUint16(i * RECORD_BYTES + at, true);
  }
  private u8(i: number, at: number, bit: number): number | null {
    return this.nulls(i) & bit ? null : this.v.getUint8(i * RECORD_BYTES + at);
  }
  seq(i: number): number | null {
    return this.u32(i, 32, NULL_SEQ);
  }
  ack(i: number): number | null {
    return this.u32(i, 36, NULL_ACK);
  }
  payloadLen(i: number): number | null {
    return this.u32(i, 40, NULL_PAYLOAD);
  }
  line(i: number): number | null {
    return this.u32(i, 44, NULL_LINE);
  }
  offset(i: number): number | null {
    return this.nulls(i) & NULL_OFFSET ? null : this.v.getFloat64(i * RECORD_BYTES + 8, true);
  }
  linkType(i: number): number | null {
    return this.u16(i, 52, NULL_LINK);
  }
  icmpId(i: number): number | null {
    return this.u16(i, 54, NULL_ICMP_ID);
  }
  tcpFlags(i: number): number | null {
    return this.u8(i, 58, NULL_FLAGS);
  }
  icmpType(i: number): number | null {
    return this.u8(i, 59, NULL_ICMP_TYPE);
  }
  icmpCode(i: number): number | null {
    return this.u8(i, 60, NULL_ICMP_CODE);
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
