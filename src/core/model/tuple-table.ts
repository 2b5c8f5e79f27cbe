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

  /** The writer whose packets wait for ids (TupleTable.settle), if any. */
  private waiting: TupleTable | null = null;

  /**
   * Called by a writer before it counts a packet: another writer's waiting packets came first, so they take
   * their ids first (interleaved captures number their tuples in the order the packets came, as one at a time would).
   */
  claim(table: TupleTable): void {
    const w = this.waiting;
    if (w !== table) {
      this.waiting = table;
      w?.settle();
    }
  }

  settled(table: TupleTable): void {
    if (this.waiting === table) this.waiting = null;
  }
}

/** Writes encoded tuple blocks of one capture. */
export function tupleBlockInserter(db: Database.Database, captureId: number): (b: EncodedTupleBlock | null) => void {
  const insert = db.prepare('INSERT INTO packet_tuple_blocks (first_id, capture_id, tuples, strings, keys, data) VALUES (?, ?, ?, ?, ?, ?)');
  return (b) => {
    if (b) insert.run(b.firstId, captureId, b.tuples, b.strings, b.keys, b.data);
  };
}

/** IPv4 packets whose tuples are looked up together (see `settle`). */
const BATCH = 512;

export class TupleTable {
  private readonly firstId: number;
  private readonly limit: number;
  private n = 0;
  /**
   * Per slot, in first-seen order, eight words: source, destination (IPv4 numbers; 0 for a TEXT slot), the
   * ports and protocol as two words (`portsLo`, `portsHi`), then id, packets, first frame, last frame.
   * A capture's repeated connections come back in about the order they were first seen, so the slots a batch
   * touches are near one another, and writing the tuples out reads them front to back.
   */
  private rec = new Uint32Array(1024 * 8);
  private flags = new Uint8Array(1024);
  /** The addresses of the slots whose addresses are not both IPv4 (IPv4 ones are their numbers). */
  private texts = new Map<number, [string, string]>();
  /**
   * The IPv4 slots by hash, open addressing: 0 when empty, else the hash's top 8 bits above slot + 1 (24 bits).
   * Four bytes an entry, so a million tuples take an 8 MB table; grows at half full.
   */
  private index = new Uint32Array(4096);
  private indexSize = 0;
  /** Any other tuple (IPv6) by src → dst → protocol and ports → slot. */
  private byText = new Map<string, Map<string, Map<number, number>>>();
  /** Tuples were moved to the spill table at least once: it (or the blocks written from it) holds them. */
  private spilled = false;
  private spillOpen = false;
  private spillFind: Database.Statement | null = null;
  /** Blocks of this capture written by an earlier flush: a later one writes them again. */
  private written = false;
  // IPv4 packets waiting for their tuple ids: key words, frame and the record whose id `ids` receives.
  private readonly qSrc = new Uint32Array(BATCH);
  private readonly qDst = new Uint32Array(BATCH);
  private readonly qLo = new Uint32Array(BATCH);
  private readonly qHi = new Uint32Array(BATCH);
  private readonly qFrame = new Uint32Array(BATCH);
  private readonly qRecord = new Uint32Array(BATCH);
  private readonly qHash = new Uint32Array(BATCH);
  private readonly qEntry = new Uint32Array(BATCH);
  private queued = 0;
  /** The ports words of the last packet checked by checkTupleFields (a repeat needs no check). */
  private checkedLo = -1;
  private checkedHi = -1;
  // Packets come in bursts of one conversation: the previous packet's tuple is the likeliest hit. Its counts
  // are at word `lastAt` of `rec` until the slots are moved to the spill table (lastValid false).
  private lastSrc = 0;
  private lastDst = 0;
  private lastLo = 0;
  private lastHi = 0;
  private lastAt = 0;
  private lastValid = false;
  private lastTextSrc = '';
  private lastTextDst = '';
  private lastTextPorts = -1;
  private lastTextAt = -1;

  /**
   * `ids` receives each counted packet's tuple id at the index the caller names (a packet block's records): at
   * once for a non-IPv4 tuple, at the next `settle()` for an IPv4 one.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly captureId: number,
    limit: number,
    private readonly tupleIds: TupleIds,
    private readonly ids: Uint32Array,
  ) {
    // A slot number must fit the 24 bits the index keeps it in.
    this.limit = Math.min(limit, (1 << 24) - 2);
    this.firstId = tupleIds.sync();
  }

  /**
   * Counts packet `p` (which has addresses: as text, or as IPv4 numbers alone) under its tuple; its id goes to
   * `ids[record]` (see the constructor).
   */
  count(p: PacketRecord, record: number): void {
    const src = p.src;
    const dst = p.dst;
    const sport = p.sport;
    const dport = p.dport;
    const lo = portsLo(sport, dport);
    const hi = portsHi(p.ipProto, sport, dport);
    if (lo !== this.checkedLo || hi !== this.checkedHi) {
      checkTupleFields(p.ipProto, sport, dport);
      this.checkedLo = lo;
      this.checkedHi = hi;
    }
    // Ids are handed out in the order the packets came, across every writer of the connection.
    this.tupleIds.claim(this);
    const s4 = p.srcV4;
    const d4 = p.dstV4;
    let s: number | null;
    let d: number | null;
    // The decoder's numbers when there is no text or the text still says them (checked in place: no string is
    // made or parsed), else the text decides (no numbers, or a record edited after it was decoded). IPv4 text is
    // keyed by its numbers, anything else by the text itself.
    if (src === null || dst === null) {
      s = s4!;
      d = d4!;
    } else if (
      typeof s4 === 'number' && typeof d4 === 'number' &&
      (isCachedIpv4Text(src, s4) || ipv4TextIs(src, s4)) && (isCachedIpv4Text(dst, d4) || ipv4TextIs(dst, d4))
    ) {
      s = s4;
      d = d4;
    } else {
      s = parseIpv4(src);
      d = parseIpv4(dst);
      if (s === null || d === null) {
        this.settle();
        this.ids[record] = this.countText(p, src, dst, hi * 4294967296 + lo);
        return;
      }
    }
    const k = this.queued++;
    this.qSrc[k] = s;
    this.qDst[k] = d;
    this.qLo[k] = lo;
    this.qHi[k] = hi;
    this.qFrame[k] = p.frame;
    this.qRecord[k] = record;
    if (this.queued === BATCH) this.settle();
  }

  /**
   * Counts the IPv4 packets waiting and writes their ids. First every waiting key is hashed and its index entry
   * read with nothing depending on the reads, so the processor has many cache misses in flight at once; then the
   * packets are counted one by one, in order, against entries that are near. (Reading the slots the entries name
   * in a loop of their own as well gained nothing with a million tuples revisited in random order and cost ~10%
   * of the lookups when they come back in the order first seen.)
   */
  settle(): void {
    const q = this.queued;
    if (q === 0) return;
    this.queued = 0;
    const index = this.index;
    const mask = index.length - 1;
    const hashes = this.qHash;
    for (let k = 0; k < q; k++) hashes[k] = TupleTable.hash(this.qSrc[k]!, this.qDst[k]!, this.qLo[k]!, this.qHi[k]!);
    // Loops this small let the processor run far ahead: many misses in flight, none waiting for another (hashing
    // in the same loop leaves room for fewer reads in flight: slower).
    const entries = this.qEntry;
    for (let k = 0; k < q; k++) entries[k] = index[hashes[k]! & mask]!;
    for (let k = 0; k < q; k++) {
      const s = this.qSrc[k]!;
      const d = this.qDst[k]!;
      const lo = this.qLo[k]!;
      const hi = this.qHi[k]!;
      let at = this.lastAt;
      if (!this.lastValid || s !== this.lastSrc || d !== this.lastDst || lo !== this.lastLo || hi !== this.lastHi) {
        const h = hashes[k]!;
        // The entry read above names the tuple's slot in most cases: its key settles it without reading the index
        // again (a slot never moves, so even an entry read before this batch grew the index names the right one).
        const e = entries[k]!;
        at = ((e & 0xffffff) - 1) << 3;
        const r = this.rec;
        if (e === 0 || e >>> 24 !== h >>> 24 || r[at] !== s || r[at + 1] !== d || r[at + 2] !== lo || r[at + 3] !== hi) {
          at = this.findV4(h, s, d, lo, hi);
          if (at < 0) at = this.addV4(h, s, d, lo, hi);
        }
        this.lastSrc = s;
        this.lastDst = d;
        this.lastLo = lo;
        this.lastHi = hi;
        this.lastAt = at;
        this.lastValid = true;
      }
      this.ids[this.qRecord[k]!] = this.countAt(at, this.qFrame[k]!);
    }
    this.tupleIds.settled(this);
  }

  /** Counts a packet under the slot whose record starts at word `at`; returns the slot's id. */
  private countAt(at: number, frame: number): number {
    const rec = this.rec;
    if (rec[at + 5] === 0) rec[at + 6] = frame;
    rec[at + 5]!++;
    rec[at + 7] = frame;
    return rec[at + 4]!;
  }

  private countText(p: PacketRecord, src: string, dst: string, ports: number): number {
    let at = this.lastTextAt;
    if (at < 0 || ports !== this.lastTextPorts || src !== this.lastTextSrc || dst !== this.lastTextDst) {
      at = this.textSlot(src, dst, ports) << 3;
      this.lastTextSrc = src;
      this.lastTextDst = dst;
      this.lastTextPorts = ports;
      this.lastTextAt = at;
    }
    return this.countAt(at, p.frame);
  }

  private textSlot(src: string, dst: string, ports: number): number {
    const known = this.byText.get(src)?.get(dst)?.get(ports);
    if (known !== undefined) return known;
    const slot = this.newSlot(src, dst, ports, null, null);
    let byDst = this.byText.get(src);
    if (byDst === undefined) this.byText.set(src, (byDst = new Map()));
    let byPorts = byDst.get(dst);
    if (byPorts === undefined) byDst.set(dst, (byPorts = new Map()));
    byPorts.set(ports, slot);
    return slot;
  }

  /** A slot for a tuple this table does not hold (after moving what it holds to the spill table, at the limit). */
  private newSlot(src: string | null, dst: string | null, ports: number, s4: number | null, d4: number | null): number {
    if (this.n >= this.limit) {
      this.moveToSpill();
      this.spilled = true;
    }
    let existing: number | undefined;
    if (this.spilled) {
      this.openSpill();
      const [proto, sport, dport] = unpackPorts(ports);
      existing = this.spillFind!.get(src ?? formatIpv4(s4!), dst ?? formatIpv4(d4!), sport, dport, proto) as number | undefined;
    }
    const slot = this.n++;
    if (slot === this.flags.length) this.grow();
    const at = slot << 3;
    const r = this.rec;
    r[at] = s4 ?? 0;
    r[at + 1] = d4 ?? 0;
    r[at + 2] = ports >>> 0;
    r[at + 3] = Math.floor(ports / 4294967296);
    r[at + 4] = existing ?? this.tupleIds.take();
    r[at + 5] = 0;
    r[at + 6] = 0;
    r[at + 7] = 0;
    this.flags[slot] = (s4 === null ? TEXT : 0) | (existing === undefined ? 0 : STORED);
    if (s4 === null) this.texts.set(slot, [src!, dst!]);
    return slot;
  }

  private grow(): void {
    const flags = new Uint8Array(this.flags.length * 2);
    flags.set(this.flags);
    this.flags = flags;
    const rec = new Uint32Array(this.rec.length * 2);
    rec.set(this.rec);
    this.rec = rec;
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

  /** The word offset of an IPv4 tuple's record in `rec`, or -1. */
  private findV4(h: number, src: number, dst: number, lo: number, hi: number): number {
    const index = this.index;
    const rec = this.rec;
    const mask = index.length - 1;
    const tag = h >>> 24;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = index[i]!;
      if (e === 0) return -1;
      if (e >>> 24 !== tag) continue;
      const at = ((e & 0xffffff) - 1) << 3;
      if (rec[at] === src && rec[at + 1] === dst && rec[at + 2] === lo && rec[at + 3] === hi) return at;
    }
  }

  /** Adds an IPv4 tuple with no packets counted; returns the word offset of its record. */
  private addV4(h: number, src: number, dst: number, lo: number, hi: number): number {
    const slot = this.newSlot(null, null, hi * 4294967296 + lo, src, dst);
    if (2 * (this.indexSize + 1) > this.index.length) this.growIndex();
    this.indexSize++;
    this.place(h, slot);
    return slot << 3;
  }

  private place(h: number, slot: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let i = h & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = (((h >>> 24) << 24) | (slot + 1)) >>> 0;
  }

  private growIndex(): void {
    this.index = new Uint32Array(this.index.length * 2);
    const rec = this.rec;
    for (let slot = 0; slot < this.n; slot++) {
      if (this.flags[slot]! & TEXT) continue;
      const at = slot << 3;
      this.place(TupleTable.hash(rec[at]!, rec[at + 1]!, rec[at + 2]!, rec[at + 3]!), slot);
    }
  }

  /** Writes the capture's tuple blocks (again, when an earlier flush wrote them: the counts have grown since). */
  save(): void {
    if (this.queued > 0) throw new Error('tuple table: save() with packets not settled');
    if (this.written) this.db.prepare('DELETE FROM packet_tuple_blocks WHERE capture_id = ? AND first_id >= ?').run(this.captureId, this.firstId);
    this.written = true;
    const write = tupleBlockInserter(this.db, this.captureId);
    if (!this.spilled) {
      const encoder = new TupleBlockEncoder();
      for (let slot = 0; slot < this.n; slot++) {
        if (!encoder.accepts(this.rec[(slot << 3) + 4]!)) write(encoder.encode());
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
    const r = this.rec;
    const at = slot << 3;
    const lo = r[at + 2]!;
    const hi = r[at + 3]!;
    const text = this.flags[slot]! & TEXT ? this.texts.get(slot)! : null;
    encoder.add(
      r[at + 4]!, hi & NO_PROTO ? null : hi & 255, hi & NO_SPORT ? null : lo >>> 16, hi & NO_DPORT ? null : lo & 0xffff, text?.[0] ?? '', text?.[1] ?? '',
      text ? null : r[at]!, text ? null : r[at + 1]!, r[at + 5]!, r[at + 6]!, r[at + 7]!,
    );
  }

  /** The slot's addresses as text. */
  private addresses(slot: number): [string, string] {
    return this.texts.get(slot) ?? [formatIpv4(this.rec[slot << 3]!), formatIpv4(this.rec[(slot << 3) + 1]!)];
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
    const r = this.rec;
    for (let slot = 0; slot < this.n; slot++) {
      const at = slot << 3;
      const packets = r[at + 5]!;
      if (this.flags[slot]! & STORED) {
        if (packets > 0) update.run(packets, r[at + 6]!, r[at + 7]!, r[at + 4]!);
        continue;
      }
      const [proto, sport, dport] = unpackPorts(r[at + 3]! * 4294967296 + r[at + 2]!);
      const [src, dst] = this.addresses(slot);
      insert.run(r[at + 4]!, proto, src, dst, sport, dport, packets, r[at + 6]!, r[at + 7]!);
    }
    this.n = 0;
    this.texts = new Map();
    this.byText = new Map();
    this.index.fill(0);
    this.indexSize = 0;
    this.lastValid = false;
    this.lastTextAt = -1;
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

// The protocol and ports of a tuple as two words: both ports in the low word, the protocol and which of the three
// are absent in the high one. Integer operations only (this is done for every packet); `ports` is the two as one
// exact number, hi × 2^32 + lo, where one key is wanted (maps of non-IPv4 tuples, slots).
const NO_PROTO = 256;
const NO_SPORT = 512;
const NO_DPORT = 1024;

function portsLo(sport: number | null, dport: number | null): number {
  return (((sport ?? 0) << 16) | (dport ?? 0)) >>> 0;
}

function portsHi(proto: number | null, sport: number | null, dport: number | null): number {
  return (proto ?? NO_PROTO) | (sport === null ? NO_SPORT : 0) | (dport === null ? NO_DPORT : 0);
}

function unpackPorts(ports: number): [number | null, number | null, number | null] {
  const lo = ports % 4294967296;
  const hi = (ports - lo) / 4294967296;
  return [hi & NO_PROTO ? null : hi & 255, hi & NO_SPORT ? null : lo >>> 16, hi & NO_DPORT ? null : lo & 0xffff];
}
