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
 *
 * An ICMP or ICMPv6 echo's identifier (what conntrack keys a ping on) sits in the source port slot, the destination
 * port absent: no ICMP packet has ports, so that shape is the mark. Read back, such a record has no ports and an
 * `echoId` (pings between the same two hosts with different ids are different tuples, as conntrack has them).
 */
import { formatIpv4, parseIpv4 } from '../common/ip';
import { LITTLE_ENDIAN_HOST } from '../common/host-order';
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
  /** ICMP/ICMPv6 echo identifier (ports then null); absent or null for none. */
  echoId?: number | null;
}

/** Whether a record of protocol `proto` with these port slots holds an echo id (see the header). */
export function isEchoSlot(proto: number | null, sport: number | null, dport: number | null): boolean {
  return (proto === 1 || proto === 58) && sport !== null && dport === null;
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

/**
 * The key of a tuple whose addresses are IPv4 numbers (`text` false) or text hashes (`text` true); an absent
 * protocol is 256 here, an absent port 65536.
 */
function keyOf(proto: number, sport: number, dport: number, text: boolean, src: number, dst: number): number {
  let h = mix(0x9e3779b9, proto);
  h = mix(h, (sport << 1) | (text ? 1 : 0));
  h = mix(h, dport);
  h = mix(h, src);
  return mix(h, dst);
}

/** The 32-bit key of a 5-tuple: equal tuples have equal keys (IPv4 text keyed by its numbers, as stored). */
export function tupleKey(t: TupleFields): number {
  const s = parseIpv4(t.src);
  const d = parseIpv4(t.dst);
  const proto = t.ipProto ?? 256;
  const echo = (t.ipProto === 1 || t.ipProto === 58) && t.sport === null && t.dport === null ? t.echoId ?? null : null;
  const sport = echo ?? t.sport ?? 65536;
  const dport = t.dport ?? 65536;
  return s !== null && d !== null
    ? keyOf(proto, sport, dport, false, s, d)
    : keyOf(proto, sport, dport, true, textHash(t.src), textHash(t.dst));
}

function checkField(value: number | null, max: number, what: string): void {
  if (value !== null && !(Number.isInteger(value) && value >= 0 && value <= max)) throw new RangeError(`a packet's ${what} ${value} is not in 0..${max}`);
}

/**
 * A tuple as eight 32-bit words (what the tuple table holds per tuple and `addWords` encodes): the addresses as
 * IPv4 numbers, the port words (portsLo, portsHi), id, packets, first and last frame.
 */
export const TUPLE_WORDS = 8;
export const TW_SRC = 0;
export const TW_DST = 1;
export const TW_LO = 2;
export const TW_HI = 3;
export const TW_ID = 4;
export const TW_PACKETS = 5;
export const TW_FIRST = 6;
export const TW_LAST = 7;

/** Refuses what a record cannot hold: a protocol above 255, a port above 65535 (parsers read neither). */
export function checkTupleFields(ipProto: number | null, sport: number | null, dport: number | null): void {
  checkField(ipProto, 255, 'IP protocol');
  checkField(sport, 65535, 'source port');
  checkField(dport, 65535, 'destination port');
}

// A tuple's protocol and ports as two integer words (what the tuple table keys on, and what a record is written
// from): both ports in the low word, the protocol and which of the three are absent in the high one.
export const NO_PROTO = 256;
export const NO_SPORT = 512;
export const NO_DPORT = 1024;

/** The low word: source port above destination port (0 for none). Fields must have passed checkTupleFields. */
export function portsLo(sport: number | null, dport: number | null): number {
  return (((sport ?? 0) << 16) | (dport ?? 0)) >>> 0;
}

/** The high word: the protocol (NO_PROTO for none) and NO_SPORT / NO_DPORT. */
export function portsHi(proto: number | null, sport: number | null, dport: number | null): number {
  return (proto ?? NO_PROTO) | (sport === null ? NO_SPORT : 0) | (dport === null ? NO_DPORT : 0);
}

/**
 * Whether the fields fit a record (what checkTupleFields refuses, answered with integer operations: a value
 * is kept whole by the mask only when it is an integer in range; -0 passes, as there).
 */
export function tupleFieldsFit(ipProto: number | null, sport: number | null, dport: number | null): boolean {
  return (ipProto === null || (ipProto & 255) === ipProto) && (sport === null || (sport & 0xffff) === sport) && (dport === null || (dport & 0xffff) === dport);
}

/** Fills one block; `encode()` returns it and starts the next. Ids must follow one another (`accepts`). */
export class TupleBlockEncoder {
  private readonly buf = Buffer.alloc(TUPLE_BLOCK_TUPLES * TUPLE_RECORD_BYTES);
  /** The keys' bytes: `keys` is a view of them on a little-endian host, so the sorted keys are the blob as they are. */
  private readonly keyBytes = Buffer.alloc(TUPLE_BLOCK_TUPLES * 4);
  private readonly keys = new Uint32Array(this.keyBytes.buffer, this.keyBytes.byteOffset, TUPLE_BLOCK_TUPLES);
  /** One tuple's words, for `add`. */
  private readonly words = new Uint32Array(TUPLE_WORDS);
  private readonly sortScratch = new Uint32Array(TUPLE_BLOCK_TUPLES);
  private readonly sortCounts = new Uint32Array(4 * 256);
  private strings = new Map<string, number>();
  private firstId = 0;
  private n = 0;

  /**
   * `reuseBuffers`: a block's `keys` and `data` are views of the encoder's own buffers, good until the encoder takes
   * its next tuple (for a writer that inserts each block at once: SQLite copies the bytes), not copies of them.
   */
  constructor(private readonly options: { reuseBuffers?: boolean } = {}) {}

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
    checkTupleFields(ipProto, sport, dport);
    const v4 = srcV4 !== null && dstV4 !== null;
    const w = this.words;
    w[TW_SRC] = v4 ? srcV4 : 0;
    w[TW_DST] = v4 ? dstV4 : 0;
    w[TW_LO] = portsLo(sport, dport);
    w[TW_HI] = portsHi(ipProto, sport, dport);
    w[TW_ID] = id;
    w[TW_PACKETS] = packets;
    w[TW_FIRST] = firstFrame;
    w[TW_LAST] = lastFrame;
    this.addWords(w, 0, v4 ? null : src, v4 ? null : dst);
  }

  /**
   * Adds the tuple whose eight words (TW_SRC..TW_LAST) start at `words[at]`; its addresses are text when
   * `srcText`/`dstText` are given (then the address words are not read). The port words must be of fields that
   * passed checkTupleFields; bits of the high word above NO_DPORT are not read. (Words, not arguments: a call
   * passes each number above 2^30 as a heap number.)
   */
  addWords(words: Uint32Array, at: number, srcText: string | null, dstText: string | null): void {
    const id = words[at + TW_ID]!;
    if (!this.accepts(id)) throw new RangeError(`tuple ${id} does not follow tuple ${this.firstId + this.n - 1} in its block`);
    if (this.n === 0) this.firstId = id;
    // Byte by byte: the records are 26 bytes, so not aligned for a typed array, and DataView stores here were
    // calls into a builtin, not inlined.
    const b = this.buf;
    const to = this.n * TUPLE_RECORD_BYTES;
    const lo = words[at + TW_LO]!;
    const hi = words[at + TW_HI]!;
    // The key's fields as keyOf names them: 256 for no protocol, 65536 for no port.
    const protoKey = hi & 511;
    const sportKey = hi & NO_SPORT ? 65536 : lo >>> 16;
    const dportKey = hi & NO_DPORT ? 65536 : lo & 0xffff;
    let flags = 0;
    if (srcText !== null && dstText !== null) {
      flags |= TEXT;
      put32(b, to, this.stringIndex(srcText));
      put32(b, to + 4, this.stringIndex(dstText));
      this.keys[this.n] = keyOf(protoKey, sportKey, dportKey, true, textHash(srcText), textHash(dstText));
    } else {
      const src = words[at + TW_SRC]!;
      const dst = words[at + TW_DST]!;
      put32(b, to, src);
      put32(b, to + 4, dst);
      this.keys[this.n] = keyOf(protoKey, sportKey, dportKey, false, src, dst);
    }
    const packets = words[at + TW_PACKETS]!;
    if (packets === 0) flags |= NO_FRAMES;
    put32(b, to + 8, packets);
    put32(b, to + 12, packets === 0 ? 0 : words[at + TW_FIRST]!);
    put32(b, to + 16, packets === 0 ? 0 : words[at + TW_LAST]!);
    if (hi & NO_SPORT) flags |= NULL_SPORT;
    if (hi & NO_DPORT) flags |= NULL_DPORT;
    if (hi & NO_PROTO) flags |= NULL_PROTO;
    // sport then dport, each u16 little-endian; then the protocol byte and the flags byte.
    b[to + 20] = lo >>> 16;
    b[to + 21] = lo >>> 24;
    b[to + 22] = lo;
    b[to + 23] = lo >>> 8;
    b[to + 24] = hi;
    b[to + 25] = flags;
    this.n++;
  }

  /**
   * Adds the tuples of up to `count` consecutive slots (eight words each, TW_SRC..TW_LAST, from `words[at]`) while
   * they fit this block: ids that follow on (`accepts`) and IPv4 addresses (no `textFlag` bit in the high word).
   * Returns how many it added; 0 when the first does not fit (encode the block first) or is text (`addWords` it).
   * Writes what `addWords` writes, in one loop for a run of tuples rather than a call for each.
   */
  addV4Run(words: Uint32Array, at: number, count: number, textFlag: number): number {
    const n = this.n;
    if (n === 0 && count > 0) this.firstId = words[at + TW_ID]!;
    const room = Math.min(count, TUPLE_BLOCK_TUPLES - n);
    const filled = fillV4Records(words, at, room, textFlag, this.firstId + n, this.buf, this.keys, n);
    this.n = filled;
    return filled - n;
  }

  /** The block so far (null when empty); the encoder is empty afterwards. */
  encode(): EncodedTupleBlock | null {
    if (this.n === 0) return null;
    const reuse = this.options.reuseBuffers === true;
    // Sorted in place: four passes leave the keys in `keys`, that is in `keyBytes`.
    sortUint32(this.keys, this.n, this.sortScratch, this.sortCounts);
    let keys: Buffer;
    if (LITTLE_ENDIAN_HOST) {
      keys = reuse ? this.keyBytes.subarray(0, this.n * 4) : Buffer.from(this.keyBytes.subarray(0, this.n * 4));
    } else {
      keys = Buffer.alloc(this.n * 4);
      for (let i = 0; i < this.n; i++) keys.writeUInt32LE(this.keys[i]!, i * 4);
    }
    const data = this.buf.subarray(0, this.n * TUPLE_RECORD_BYTES);
    const block: EncodedTupleBlock = {
      firstId: this.firstId,
      tuples: this.n,
      strings: this.strings.size === 0 ? '[]' : JSON.stringify([...this.strings.keys()]),
      keys,
      data: reuse ? data : Buffer.from(data),
    };
    this.n = 0;
    if (this.strings.size > 0) this.strings = new Map();
    return block;
  }

  private stringIndex(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) this.strings.set(s, (i = this.strings.size));
    return i;
  }
}

/**
 * addV4Run's loop: records and keys from slot words, from record `n` on, while ids follow on from `nextId` and the
 * addresses are IPv4; returns the record count after them. A function of its own that ends with the loop: V8 compiles
 * a long loop while it runs (on-stack replacement), and a method storing its state after the loop threw that code away
 * at the loop's first exit (the store had never run), every block until it was compiled again.
 */
function fillV4Records(
  words: Uint32Array, at: number, count: number, textFlag: number, nextId: number, b: Uint8Array, keys: Uint32Array, n: number,
): number {
  for (let k = 0; k < count; k++, n++, nextId++) {
    const w = at + k * TUPLE_WORDS;
    const hi = words[w + TW_HI]!;
    if (words[w + TW_ID] !== nextId || (hi & textFlag) !== 0) return n;
    const lo = words[w + TW_LO]!;
    const src = words[w + TW_SRC]!;
    const dst = words[w + TW_DST]!;
    const packets = words[w + TW_PACKETS]!;
    const to = n * TUPLE_RECORD_BYTES;
    // keyOf(proto, sport, dport, false, src, dst), written out: 256 for no protocol, 65536 for no port.
    let h = mix(0x9e3779b9, hi & 511);
    h = mix(h, (hi & NO_SPORT ? 65536 : lo >>> 16) << 1);
    h = mix(h, hi & NO_DPORT ? 65536 : lo & 0xffff);
    h = mix(h, src);
    keys[n] = mix(h, dst);
    put32(b, to, src);
    put32(b, to + 4, dst);
    put32(b, to + 8, packets);
    put32(b, to + 12, packets === 0 ? 0 : words[w + TW_FIRST]!);
    put32(b, to + 16, packets === 0 ? 0 : words[w + TW_LAST]!);
    b[to + 20] = lo >>> 16;
    b[to + 21] = lo >>> 24;
    b[to + 22] = lo;
    b[to + 23] = lo >>> 8;
    b[to + 24] = hi;
    b[to + 25] = (packets === 0 ? NO_FRAMES : 0) | (hi & NO_SPORT ? NULL_SPORT : 0) | (hi & NO_DPORT ? NULL_DPORT : 0) | (hi & NO_PROTO ? NULL_PROTO : 0);
  }
  return n;
}

/** Stores `x` (a u32) little-endian at `b[at]` (a Uint8Array store keeps the low 8 bits). */
function put32(b: Uint8Array, at: number, x: number): void {
  b[at] = x;
  b[at + 1] = x >>> 8;
  b[at + 2] = x >>> 16;
  b[at + 3] = x >>> 24;
}

/**
 * The first `n` values of `a` in ascending order, sorted in place (an LSD radix sort, a byte a pass, with `scratch`
 * as long as `a` and `counts` of 1,024): a block's 2,048 keys are random, and a comparison sort mispredicted its
 * way to ~35 ns a key.
 */
export function sortUint32(a: Uint32Array, n: number, scratch: Uint32Array, counts: Uint32Array): Uint32Array {
  // Made before the loops: a call V8 compiles while it loops must not meet code after them that has never run.
  const sorted = a.subarray(0, n);
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    counts[v & 255]!++;
    counts[256 + ((v >>> 8) & 255)]!++;
    counts[512 + ((v >>> 16) & 255)]!++;
    counts[768 + (v >>> 24)]!++;
  }
  for (let base = 0; base < 1024; base += 256) {
    let sum = 0;
    for (let b = base; b < base + 256; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
  }
  let from = a;
  let to = scratch;
  for (let shift = 0, base = 0; shift < 32; shift += 8, base += 256) {
    for (let i = 0; i < n; i++) {
      const v = from[i]!;
      to[counts[base + ((v >>> shift) & 255)]!++] = v;
    }
    const t = from;
    from = to;
    to = t;
  }
  // Four passes: the values are back in `a`.
  return sorted;
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
  /** The source port; null for none and for an echo record (see echoId). */
  sport(i: number): number | null {
    const raw = this.sportSlot(i);
    return raw !== null && this.echoRecord(i, raw) ? null : raw;
  }
  /** The source port slot as stored (an echo record's id included). */
  sportSlot(i: number): number | null {
    return this.flags(i) & NULL_SPORT ? null : this.v.getUint16(i * TUPLE_RECORD_BYTES + 20, true);
  }
  /** An ICMP/ICMPv6 echo record's identifier, else null. */
  echoId(i: number): number | null {
    const raw = this.sportSlot(i);
    return raw !== null && this.echoRecord(i, raw) ? raw : null;
  }
  private echoRecord(i: number, sportSlot: number): boolean {
    return isEchoSlot(this.ipProto(i), sportSlot, this.dport(i));
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
      if (this.echoId(i) !== (t.echoId ?? null)) continue;
      if (v4 ? this.srcV4(i) === s && this.dstV4(i) === d : this.src(i) === t.src && this.dst(i) === t.dst) return i;
    }
    return -1;
  }
}
