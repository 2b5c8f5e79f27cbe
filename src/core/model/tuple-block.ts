/**
 * A packet capture's distinct 5-tuples stored in blocks, the way its packets are (packet-block.ts): up to
 * TUPLE_BLOCK_TUPLES tuples of one capture with consecutive ids in one packet_tuple_blocks row, as fixed-width
 * little-endian records. A row per tuple cost ~2.5 µs each with its index, more than reading the pcap does when
 * every connection is its own tuple (scans, DNS, health checks); a row per two thousand costs almost nothing.
 *
 * A record's id is the block's first id plus its place. IPv4 addresses are stored as numbers (their text is the
 * canonical dotted quad: parseIpv4 accepts nothing else); any other address is an index into the block's string
 * dictionary. Each block also keeps the sorted 32-bit keys of its tuples (tupleKey), the compact index a lookup
 * of one 5-tuple across every capture reads before it decodes a block.
 *
 * Record layout (TUPLE_RECORD_BYTES):
 *   0 src u32 | 4 dst u32 | 8 packets u32 | 12 firstFrame u32 | 16 lastFrame u32 | 20 sport u16 | 22 dport u16
 *  24 ipProto u8 | 25 flags u8
 */
import { formatIpv4, parseIpv4 } from '../common/ip';
import { sortedUint32Has } from './packet-block';

export const TUPLE_RECORD_BYTES = 26;
export const TUPLE_BLOCK_TUPLES = 2048;

/** src and dst are string dictionary indices, not IPv4 numbers. */
const TEXT = 1 << 0;
const NULL_PROTO = 1 << 1;
const NULL_SPORT = 1 << 2;
const NULL_DPORT = 1 << 3;
/** No packet counted (a tuple row of an old project without packets): no frame range. */
const NO_FRAMES = 1 << 4;

/** A directional 5-tuple as the store names it (ports null for none). */
export interface TupleFields {
  ipProto: number | null;
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
}

/** What one packet_tuple_blocks row holds besides its capture. */
export interface EncodedTupleBlock {
  firstId: number;
  tuples: number;
  /** JSON array: the block's string dictionary (addresses that are not IPv4). */
  strings: string;
  /** Sorted tupleKey of every record (u32 LE). */
  keys: Buffer;
  data: Buffer;
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

function textHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The key of a tuple whose addresses are IPv4 numbers (`text` false) or text hashes (`text` true). */
function keyOf(proto: number | null, sport: number | null, dport: number | null, text: boolean, src: number, dst: number): number {
  let h = mix(0x9e3779b9, proto ?? 256);
  h = mix(h, ((sport ?? 65536) << 1) | (text ? 1 : 0));
  h = mix(h, dport ?? 65536);
  h = mix(h, src);
  return mix(h, dst);
}

/** The 32-bit key of a 5-tuple: equal tuples have equal keys (IPv4 text keyed by its numbers, as stored). */
export function tupleKey(t: TupleFields): number {
  const s = parseIpv4(t.src);
  const d = parseIpv4(t.dst);
  return s !== null && d !== null
    ? keyOf(t.ipProto, t.sport, t.dport, false, s, d)
    : keyOf(t.ipProto, t.sport, t.dport, true, textHash(t.src), textHash(t.dst));
}

function checkField(value: number | null, max: number, what: string): void {
  if (value !== null && !(Number.isInteger(value) && value >= 0 && value <= max)) throw new RangeError(`a packet's ${what} ${value} is not in 0..${max}`);
}

/** Refuses what a record cannot hold: a protocol above 255, a port above 65535 (parsers read neither). */
export function checkTupleFields(ipProto: number | null, sport: number | null, dport: number | null): void {
  checkField(ipProto, 255, 'IP protocol');
  checkField(sport, 65535, 'source port');
  checkField(dport, 65535, 'destination port');
}

/** Fills one block; `encode()` returns it and starts the next. Ids must follow one another (`accepts`). */
export class TupleBlockEncoder {
  private readonly buf = Buffer.alloc(TUPLE_BLOCK_TUPLES * TUPLE_RECORD_BYTES);
  private readonly view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private readonly keys = new Uint32Array(TUPLE_BLOCK_TUPLES);
  private strings = new Map<string, number>();
  private firstId = 0;
  private n = 0;

  get count(): number {
    return this.n;
  }

  /** Whether tuple `id` can go into this block next (false: encode the block first). */
  accepts(id: number): boolean {
    return this.n === 0 || (this.n < TUPLE_BLOCK_TUPLES && id === this.firstId + this.n);
  }

  /**
   * Adds tuple `id`. `srcV4`/`dstV4` are the addresses as IPv4 numbers (the text's, as parseIpv4 reads it), or
   * null to store `src`/`dst` as text. `packets` 0 stores no frame range.
   */
  add(
    id: number, ipProto: number | null, sport: number | null, dport: number | null,
    src: string, dst: string, srcV4: number | null, dstV4: number | null,
    packets: number, firstFrame: number, lastFrame: number,
  ): void {
    if (!this.accepts(id)) throw new RangeError(`tuple ${id} does not follow tuple ${this.firstId + this.n - 1} in its block`);
    checkTupleFields(ipProto, sport, dport);
    if (this.n === 0) this.firstId = id;
    const v = this.view;
    const at = this.n * TUPLE_RECORD_BYTES;
    let flags = 0;
    if (srcV4 === null || dstV4 === null) {
      flags |= TEXT;
      v.setUint32(at, this.stringIndex(src), true);
      v.setUint32(at + 4, this.stringIndex(dst), true);
      this.keys[this.n] = keyOf(ipProto, sport, dport, true, textHash(src), textHash(dst));
    } else {
      v.setUint32(at, srcV4, true);
      v.setUint32(at + 4, dstV4, true);
      this.keys[this.n] = keyOf(ipProto, sport, dport, false, srcV4, dstV4);
    }
    if (packets === 0) flags |= NO_FRAMES;
    v.setUint32(at + 8, packets, true);
    v.setUint32(at + 12, packets === 0 ? 0 : firstFrame, true);
    v.setUint32(at + 16, packets === 0 ? 0 : lastFrame, true);
    if (sport === null) flags |= NULL_SPORT;
    v.setUint16(at + 20, sport ?? 0, true);
    if (dport === null) flags |= NULL_DPORT;
    v.setUint16(at + 22, dport ?? 0, true);
    if (ipProto === null) flags |= NULL_PROTO;
    v.setUint8(at + 24, ipProto ?? 0);
    v.setUint8(at + 25, flags);
    this.n++;
  }

  /** The block so far (null when empty); the encoder is empty afterwards. */
  encode(): EncodedTupleBlock | null {
    if (this.n === 0) return null;
    const sorted = this.keys.subarray(0, this.n).sort();
    const keys = Buffer.alloc(this.n * 4);
    for (let i = 0; i < this.n; i++) keys.writeUInt32LE(sorted[i]!, i * 4);
    const block: EncodedTupleBlock = {
      firstId: this.firstId,
      tuples: this.n,
      strings: JSON.stringify([...this.strings.keys()]),
      keys,
      data: Buffer.from(this.buf.subarray(0, this.n * TUPLE_RECORD_BYTES)),
    };
    this.n = 0;
    this.strings = new Map();
    return block;
  }

  private stringIndex(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) this.strings.set(s, (i = this.strings.size));
    return i;
  }
}

/** Whether a block's sorted keys hold `key` (then the block may hold the tuple; decode it to be sure). */
export function blockMayHoldKey(keys: Uint8Array, key: number): boolean {
  return sortedUint32Has(keys, key);
}

/** Read access to one stored tuple block, record by record (index 0..count-1, in id order). */
export class TupleBlock {
  readonly count: number;
  private readonly v: DataView;
  private strings: readonly string[] | null = null;

  constructor(
    readonly captureId: number,
    readonly firstId: number,
    data: Uint8Array,
    private readonly stringsJson: string,
  ) {
    this.v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.count = data.byteLength / TUPLE_RECORD_BYTES;
  }

  /** The record index of tuple `id`, or -1 when the block does not hold it. */
  indexOf(id: number): number {
    const i = id - this.firstId;
    return i >= 0 && i < this.count ? i : -1;
  }

  id(i: number): number {
    return this.firstId + i;
  }

  private flags(i: number): number {
    return this.v.getUint8(i * TUPLE_RECORD_BYTES + 25);
  }

  /** Whether record i's addresses are IPv4 (then srcV4/dstV4 read them as numbers). */
  isV4(i: number): boolean {
    return (this.flags(i) & TEXT) === 0;
  }
  srcV4(i: number): number {
    return this.v.getUint32(i * TUPLE_RECORD_BYTES, true);
  }
  dstV4(i: number): number {
    return this.v.getUint32(i * TUPLE_RECORD_BYTES + 4, true);
  }

  /** Record i's source address; `names`, when given, shares one string per IPv4 number among many reads. */
  src(i: number, names?: Map<number, string>): string {
    return this.address(i, 0, names);
  }
  dst(i: number, names?: Map<number, string>): string {
    return this.address(i, 4, names);
  }

  private address(i: number, at: number, names: Map<number, string> | undefined): string {
    const x = this.v.getUint32(i * TUPLE_RECORD_BYTES + at, true);
    if (this.flags(i) & TEXT) {
      this.strings ??= JSON.parse(this.stringsJson) as string[];
      return this.strings[x]!;
    }
    if (names === undefined) return formatIpv4(x);
    let s = names.get(x);
    if (s === undefined) names.set(x, (s = formatIpv4(x)));
    return s;
  }

  ipProto(i: number): number | null {
    return this.flags(i) & NULL_PROTO ? null : this.v.getUint8(i * TUPLE_RECORD_BYTES + 24);
  }
  sport(i: number): number | null {
    return this.flags(i) & NULL_SPORT ? null : this.v.getUint16(i * TUPLE_RECORD_BYTES + 20, true);
  }
  dport(i: number): number | null {
    return this.flags(i) & NULL_DPORT ? null : this.v.getUint16(i * TUPLE_RECORD_BYTES + 22, true);
  }
  packets(i: number): number {
    return this.v.getUint32(i * TUPLE_RECORD_BYTES + 8, true);
  }
  firstFrame(i: number): number | null {
    return this.flags(i) & NO_FRAMES ? null : this.v.getUint32(i * TUPLE_RECORD_BYTES + 12, true);
  }
  lastFrame(i: number): number | null {
    return this.flags(i) & NO_FRAMES ? null : this.v.getUint32(i * TUPLE_RECORD_BYTES + 16, true);
  }

  /** The index of the record with exactly this tuple, or -1. */
  find(t: TupleFields): number {
    const s = parseIpv4(t.src);
    const d = parseIpv4(t.dst);
    const v4 = s !== null && d !== null;
    for (let i = 0; i < this.count; i++) {
      if (this.ipProto(i) !== t.ipProto || this.sport(i) !== t.sport || this.dport(i) !== t.dport || this.isV4(i) !== v4) continue;
      if (v4 ? this.srcV4(i) === s && this.dstV4(i) === d : this.src(i) === t.src && this.dst(i) === t.dst) return i;
    }
    return -1;
  }
}
