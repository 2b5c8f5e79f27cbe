/**
 * The distinct 5-tuples of one capture being written, with their packet counts and frame ranges, stored as
 * tuple blocks (tuple-block.ts) when the writer flushes. Held in growable typed arrays (one slot per tuple),
 * found through an open-addressing table of IPv4 numbers (the decoder's, checked against the text, or read from
 * the text) or, for any other address, nested maps.
 *
 * Past `limit` tuples the ones held are moved to a temporary SQL table with a 5-tuple index and later packets
 * of them are found there (bounded memory, the old per-row cost for the rest of that capture only); the blocks
 * are then written from that table.
 */
import type Database from 'better-sqlite3';
import type { PacketRecord } from '../records/records';
import { formatIpv4, parseIpv4 } from '../common/ip';
import { isCachedIpv4Text } from '../capture/pcap/address-text';
import { TupleBlock, TupleBlockEncoder, checkTupleFields, type EncodedTupleBlock } from './tuple-block';

/** Flags of a slot. */
const TEXT = 1;
/** The tuple is in the spill table already: its counts are added to that row, not inserted. */
const STORED = 2;

const SPILL = 'temp.natlens_tuple_spill';

/** The id after the highest tuple id any block holds, live or trashed (an undo puts trashed blocks back with their ids). */
export function nextTupleId(db: Database.Database): number {
  const live = db.prepare('SELECT first_id + tuples FROM packet_tuple_blocks ORDER BY first_id DESC LIMIT 1').pluck().get() as number | undefined;
  const trashed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trash_packet_tuple_blocks'").get()
    ? (db.prepare('SELECT max(first_id + tuples) FROM trash_packet_tuple_blocks').pluck().get() as number | null)
    : null;
  return Math.max(live ?? 1, trashed ?? 1);
}

/**
 * Hands out tuple ids to the writers of one database connection: writers open at the same time (one per capture
 * of an interleaved source) take distinct ids, and each writer starts after what any other connection stored.
 */
export class TupleIds {
  private next = 1;
  constructor(private readonly db: Database.Database) {}

  /** The next id, after every id stored or handed out: called when a writer starts. */
  sync(): number {
    this.next = Math.max(this.next, nextTupleId(this.db));
    return this.next;
  }

  take(): number {
    return this.next++;
  }
}

/** Writes encoded tuple blocks of one capture. */
export function tupleBlockInserter(db: Database.Database, captureId: number): (b: EncodedTupleBlock | null) => void {
  const insert = db.prepare('INSERT INTO packet_tuple_blocks (first_id, capture_id, tuples, strings, keys, data) VALUES (?, ?, ?, ?, ?, ?)');
  return (b) => {
    if (b) insert.run(b.firstId, captureId, b.tuples, b.strings, b.keys, b.data);
  };
}

export class TupleTable {
  private readonly firstId: number;
  private readonly limit: number;
  private n = 0;
  // Per slot, read when the tuples are written out (not per packet): id, kind, addresses, protocol and ports.
  private ids = new Uint32Array(1024);
  private flags = new Uint8Array(1024);
  private srcNums = new Uint32Array(1024);
  private dstNums = new Uint32Array(1024);
  /** Protocol and ports as one number (see `portsKey`). */
  private ports = new Float64Array(1024);
  /** Where an IPv4 slot's entry is in `v4` (entry index). */
  private entryOf = new Uint32Array(1024);
  /** The addresses of the slots whose addresses are not both IPv4 (IPv4 ones are their numbers). */
  private texts = new Map<number, [string, string]>();
  /** The counts of the other slots: id, packets, first frame, last frame, four words a slot. */
  private textState = new Uint32Array(1024 * 4);
  /**
   * IPv4 tuples: open addressing over (src, dst, ports), eight words an entry: the key (src, dst, the low 32 bits
   * of `ports`, its high 8 bits above slot + 1, 0 when empty) and what every packet of the tuple updates (id,
   * packets, first frame, last frame). One cache line a packet: with a million tuples interleaved every lookup
   * misses the caches, and the counts kept elsewhere would miss again. Grows at half full.
   */
  private v4 = new Uint32Array(4096 * 8);
  private v4Size = 0;
  /** Any other tuple (IPv6) by src → dst → protocol and ports → slot. */
  private byText = new Map<string, Map<string, Map<number, number>>>();
  /** Tuples were moved to the spill table at least once: it (or the blocks written from it) holds them. */
  private spilled = false;
  private spillOpen = false;
  private spillFind: Database.Statement | null = null;
  /** Blocks of this capture written by an earlier flush: a later one writes them again. */
  private written = false;
  // Packets come in bursts of one conversation: the previous packet's tuple is the likeliest hit. Its counts
  // are at `lastRef` (see refOf) until the tables move (lastValid false).
  private lastSrc = '';
  private lastDst = '';
  private lastPorts = -1;
  private lastRef = 0;
  private lastValid = false;

  constructor(
    private readonly db: Database.Database,
    private readonly captureId: number,
    limit: number,
    private readonly tupleIds: TupleIds,
  ) {
    // A slot number must fit the 24 bits the IPv4 table keeps it in.
    this.limit = Math.min(limit, (1 << 24) - 2);
    this.firstId = tupleIds.sync();
  }

  /** Counts packet `p` (which has addresses) under its tuple; returns the tuple's id. */
  count(p: PacketRecord): number {
    const src = p.src!;
    const dst = p.dst!;
    const ports = portsKey(p.ipProto, p.sport, p.dport);
    let ref = this.lastRef;
    if (!this.lastValid || ports !== this.lastPorts || src !== this.lastSrc || dst !== this.lastDst) {
      ref = this.refOf(p, src, dst, ports);
      this.lastSrc = src;
      this.lastDst = dst;
      this.lastPorts = ports;
      this.lastRef = ref;
      this.lastValid = true;
    }
    const st = ref >= 0 ? this.v4 : this.textState;
    const at = ref >= 0 ? ref : (-ref - 1) << 2;
    if (st[at + 1] === 0) st[at + 2] = p.frame;
    st[at + 1]!++;
    st[at + 3] = p.frame;
    return st[at]!;
  }

  /**
   * Where the counts of the packet's tuple are: a word offset into `v4` (≥ 0), or -(slot + 1) for a slot whose
   * counts are in `textState`. A tuple not held yet gets a slot.
   */
  private refOf(p: PacketRecord, src: string, dst: string, ports: number): number {
    const s4 = p.srcV4;
    const d4 = p.dstV4;
    let s: number | null;
    let d: number | null;
    // The decoder's numbers when the text still says them (checked in place: no string is made or parsed),
    // else the text decides (no numbers, or a record edited after it was decoded). IPv4 text is keyed by its
    // numbers, anything else by the text itself.
    if (
      typeof s4 === 'number' && typeof d4 === 'number' &&
      (isCachedIpv4Text(src, s4) || ipv4TextIs(src, s4)) && (isCachedIpv4Text(dst, d4) || ipv4TextIs(dst, d4))
    ) {
      s = s4;
      d = d4;
    } else {
      s = parseIpv4(src);
      d = parseIpv4(dst);
      if (s === null || d === null) return -(this.textSlot(p, src, dst, ports) + 1);
    }
    const found = this.findV4(s, d, ports);
    if (found >= 0) return found;
    const slot = this.newSlot(p, src, dst, ports, s, d);
    return this.addV4(slot, s, d, ports);
  }

  private textSlot(p: PacketRecord, src: string, dst: string, ports: number): number {
    const known = this.byText.get(src)?.get(dst)?.get(ports);
    if (known !== undefined) return known;
    const slot = this.newSlot(p, src, dst, ports, null, null);
    const at = slot << 2;
    this.textState.fill(0, at, at + 4);
    this.textState[at] = this.ids[slot]!;
    let byDst = this.byText.get(src);
    if (byDst === undefined) this.byText.set(src, (byDst = new Map()));
    let byPorts = byDst.get(dst);
    if (byPorts === undefined) byDst.set(dst, (byPorts = new Map()));
    byPorts.set(ports, slot);
    return slot;
  }

  /** A slot for a tuple this table does not hold (after moving what it holds to the spill table, at the limit). */
  private newSlot(p: PacketRecord, src: string, dst: string, ports: number, s4: number | null, d4: number | null): number {
    checkTupleFields(p.ipProto, p.sport, p.dport);
    if (this.n >= this.limit) {
      this.moveToSpill();
      this.spilled = true;
    }
    let existing: number | undefined;
    if (this.spilled) {
      this.openSpill();
      existing = this.spillFind!.get(src, dst, p.sport, p.dport, p.ipProto) as number | undefined;
    }
    const slot = this.n++;
    if (slot === this.flags.length) this.grow();
    this.ids[slot] = existing ?? this.tupleIds.take();
    this.flags[slot] = (s4 === null ? TEXT : 0) | (existing === undefined ? 0 : STORED);
    this.srcNums[slot] = s4 ?? 0;
    this.dstNums[slot] = d4 ?? 0;
    this.ports[slot] = ports;
    if (s4 === null) this.texts.set(slot, [src, dst]);
    return slot;
  }

  private grow(): void {
    const size = this.flags.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.ids = grown(this.ids, (n) => new Uint32Array(n));
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
    this.srcNums = grown(this.srcNums, (n) => new Uint32Array(n));
    this.dstNums = grown(this.dstNums, (n) => new Uint32Array(n));
    this.ports = grown(this.ports, (n) => new Float64Array(n));
    this.entryOf = grown(this.entryOf, (n) => new Uint32Array(n));
    const state = new Uint32Array(size * 4);
    state.set(this.textState);
    this.textState = state;
  }

  /** murmur3's mixing of the four words; every bit of the key reaches the low bits the table is indexed by. */
  private static hash(src: number, dst: number, lo: number, hi: number): number {
    let h = murmurStep(murmurStep(murmurStep(murmurStep(0x9747b28c, src), dst), lo), hi);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The word offset of an IPv4 tuple's counts in `v4`, or -1. */
  private findV4(src: number, dst: number, ports: number): number {
    const t = this.v4;
    const lo = ports >>> 0;
    const hi = Math.floor(ports / 4294967296);
    const mask = (t.length >> 3) - 1;
    for (let i = TupleTable.hash(src, dst, lo, hi) & mask; ; i = (i + 1) & mask) {
      const at = i << 3;
      const key = t[at + 3]!;
      if (key === 0) return -1;
      if (t[at] === src && t[at + 1] === dst && t[at + 2] === lo && key >>> 24 === hi) return at + 4;
    }
  }

  /** Adds IPv4 slot `slot` with no packets counted; returns the word offset of its counts. */
  private addV4(slot: number, src: number, dst: number, ports: number): number {
    if (2 * (this.v4Size + 1) > this.v4.length >> 3) this.growV4();
    this.v4Size++;
    const at = this.putV4(src, dst, ports >>> 0, ((Math.floor(ports / 4294967296) << 24) | (slot + 1)) >>> 0, this.ids[slot]!, 0, 0, 0);
    return at + 4;
  }

  /** Places an entry; returns its word offset. */
  private putV4(src: number, dst: number, lo: number, key: number, id: number, packets: number, first: number, last: number): number {
    const t = this.v4;
    const mask = (t.length >> 3) - 1;
    let i = TupleTable.hash(src, dst, lo, key >>> 24) & mask;
    while (t[(i << 3) + 3] !== 0) i = (i + 1) & mask;
    const at = i << 3;
    t[at] = src;
    t[at + 1] = dst;
    t[at + 2] = lo;
    t[at + 3] = key;
    t[at + 4] = id;
    t[at + 5] = packets;
    t[at + 6] = first;
    t[at + 7] = last;
    this.entryOf[(key & 0xffffff) - 1] = i;
    return at;
  }

  private growV4(): void {
    const old = this.v4;
    this.v4 = new Uint32Array(old.length * 2);
    this.lastValid = false;
    for (let at = 0; at < old.length; at += 8) {
      if (old[at + 3] !== 0) this.putV4(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!, old[at + 4]!, old[at + 5]!, old[at + 6]!, old[at + 7]!);
    }
  }

  /** A slot's counts: the array and the word offset of (id, packets, first frame, last frame). */
  private stateOf(slot: number): [Uint32Array, number] {
    return this.flags[slot]! & TEXT ? [this.textState, slot << 2] : [this.v4, (this.entryOf[slot]! << 3) + 4];
  }

  /** Writes the capture's tuple blocks (again, when an earlier flush wrote them: the counts have grown since). */
  save(): void {
    if (this.written) this.db.prepare('DELETE FROM packet_tuple_blocks WHERE capture_id = ? AND first_id >= ?').run(this.captureId, this.firstId);
    this.written = true;
    const write = tupleBlockInserter(this.db, this.captureId);
    if (!this.spilled) {
      const encoder = new TupleBlockEncoder();
      for (let slot = 0; slot < this.n; slot++) {
        if (!encoder.accepts(this.ids[slot]!)) write(encoder.encode());
        this.encodeSlot(encoder, slot);
      }
      write(encoder.encode());
      return;
    }
    this.moveToSpill();
    writeSpillBlocks(this.db, write);
    this.spillFind = null;
    this.db.exec(`DROP TABLE ${SPILL}`);
    this.spillOpen = false;
  }

  private encodeSlot(encoder: TupleBlockEncoder, slot: number): void {
    // Once per tuple, a million times for a capture of a million connections: nothing allocated.
    const key = this.ports[slot]!;
    const dport = key % 65537;
    const rest = (key - dport) / 65537;
    const sport = rest % 65537;
    const proto = (rest - sport) / 65537;
    const text = this.flags[slot]! & TEXT ? this.texts.get(slot)! : null;
    const st = text ? this.textState : this.v4;
    const at = text ? slot << 2 : (this.entryOf[slot]! << 3) + 4;
    encoder.add(
      st[at]!, proto === 256 ? null : proto, sport === 65536 ? null : sport, dport === 65536 ? null : dport, text?.[0] ?? '', text?.[1] ?? '',
      text ? null : this.srcNums[slot]!, text ? null : this.dstNums[slot]!, st[at + 1]!, st[at + 2]!, st[at + 3]!,
    );
  }

  /** The slot's addresses as text. */
  private addresses(slot: number): [string, string] {
    return this.texts.get(slot) ?? [formatIpv4(this.srcNums[slot]!), formatIpv4(this.dstNums[slot]!)];
  }

  /** The spill table, made when first needed; after a flush it is made again from the blocks that flush wrote. */
  private openSpill(): void {
    if (this.spillOpen) return;
    this.db.exec(`DROP TABLE IF EXISTS ${SPILL};
      CREATE TABLE ${SPILL} (id INTEGER PRIMARY KEY, ip_proto INTEGER, src TEXT NOT NULL, dst TEXT NOT NULL, sport INTEGER, dport INTEGER,
        packets INTEGER NOT NULL, first_frame INTEGER NOT NULL, last_frame INTEGER NOT NULL);
      CREATE INDEX temp.natlens_tuple_spill_tuple ON natlens_tuple_spill(src, dst, sport, dport, ip_proto);`);
    this.spillOpen = true;
    this.spillFind = this.db.prepare(`SELECT id FROM ${SPILL} WHERE src = ? AND dst = ? AND sport IS ? AND dport IS ? AND ip_proto IS ?`).pluck();
    // Before the first spill the tuples held are all there are; after a spilled flush the blocks hold them.
    if (!this.written || !this.spilled) return;
    const insert = this.spillInsert();
    const blocks = this.db
      .prepare('SELECT first_id, strings, data FROM packet_tuple_blocks WHERE capture_id = ? AND first_id >= ? ORDER BY first_id')
      .raw(true).all(this.captureId, this.firstId) as Array<[number, string, Buffer]>;
    for (const [firstId, strings, data] of blocks) {
      const b = new TupleBlock(this.captureId, firstId, data, strings);
      for (let i = 0; i < b.count; i++) insert.run(b.id(i), b.ipProto(i), b.src(i), b.dst(i), b.sport(i), b.dport(i), b.packets(i), b.firstFrame(i) ?? 0, b.lastFrame(i) ?? 0);
    }
  }

  private spillInsert(): Database.Statement {
    return this.db.prepare(
      `INSERT INTO ${SPILL} (id, ip_proto, src, dst, sport, dport, packets, first_frame, last_frame) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Adds every tuple held to the spill table (new rows, or counts added to rows there) and forgets them. */
  private moveToSpill(): void {
    this.openSpill();
    const insert = this.spillInsert();
    const update = this.db.prepare(
      `UPDATE ${SPILL} SET packets = packets + ?, first_frame = min(first_frame, ?), last_frame = max(last_frame, ?) WHERE id = ?`,
    );
    for (let slot = 0; slot < this.n; slot++) {
      const [st, at] = this.stateOf(slot);
      const packets = st[at + 1]!;
      if (this.flags[slot]! & STORED) {
        if (packets > 0) update.run(packets, st[at + 2]!, st[at + 3]!, st[at]!);
        continue;
      }
      const [proto, sport, dport] = unpackPorts(this.ports[slot]!);
      const [src, dst] = this.addresses(slot);
      insert.run(st[at]!, proto, src, dst, sport, dport, packets, st[at + 2]!, st[at + 3]!);
    }
    this.n = 0;
    this.texts = new Map();
    this.byText = new Map();
    this.v4.fill(0);
    this.v4Size = 0;
    this.lastValid = false;
  }
}

/** Blocks from the spill table in id order, read in keyset chunks (a write while a SELECT is open would be refused). */
function writeSpillBlocks(db: Database.Database, write: (b: EncodedTupleBlock | null) => void): void {
  const chunk = db.prepare(
    `SELECT id, ip_proto, src, dst, sport, dport, packets, first_frame, last_frame FROM ${SPILL} WHERE id > ? ORDER BY id LIMIT 20000`,
  ).raw(true);
  const encoder = new TupleBlockEncoder();
  for (let after = -1; ; ) {
    const rows = chunk.all(after) as Array<[number, number | null, string, string, number | null, number | null, number, number, number]>;
    if (rows.length === 0) break;
    for (const [id, proto, src, dst, sport, dport, packets, first, last] of rows) {
      if (!encoder.accepts(id)) write(encoder.encode());
      const s = parseIpv4(src);
      const d = parseIpv4(dst);
      const v4 = s !== null && d !== null;
      encoder.add(id, proto, sport, dport, src, dst, v4 ? s : null, v4 ? d : null, packets, first, last);
      after = id;
    }
  }
  write(encoder.encode());
}

/** Whether `text` is the dotted quad of `n` (what formatIpv4 would make), read in place. */
export function ipv4TextIs(text: string, n: number): boolean {
  let at = 0;
  for (let shift = 24; shift >= 0; shift -= 8) {
    const o = (n >>> shift) & 255;
    if (o >= 100 && text.charCodeAt(at++) !== 48 + ((o / 100) | 0)) return false;
    if (o >= 10 && text.charCodeAt(at++) !== 48 + (((o / 10) | 0) % 10)) return false;
    if (text.charCodeAt(at++) !== 48 + (o % 10)) return false;
    if (shift > 0 && text.charCodeAt(at++) !== 46) return false;
  }
  return at === text.length;
}

function murmurStep(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

/** Protocol and ports as one exact number (256 / 65536 for none): one compare per probe. */
function portsKey(proto: number | null, sport: number | null, dport: number | null): number {
  return ((proto ?? 256) * 65537 + (sport ?? 65536)) * 65537 + (dport ?? 65536);
}

function unpackPorts(key: number): [number | null, number | null, number | null] {
  const dport = key % 65537;
  const rest = (key - dport) / 65537;
  const sport = rest % 65537;
  const proto = (rest - sport) / 65537;
  return [proto === 256 ? null : proto, sport === 65536 ? null : sport, dport === 65536 ? null : dport];
}
