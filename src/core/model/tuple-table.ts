/**
 * The distinct 5-tuples of one capture being written, with their packet counts and frame ranges, stored as
 * tuple blocks (tuple-block.ts) when the writer flushes. Held in chunks of typed arrays (eight words a tuple, never
 * moved once the first chunk is full), found through an open-addressing table of IPv4 numbers (the decoder's, checked against the text, or read from
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
// A slot is a tuple's eight words (tuple-block.ts TUPLE_WORDS) in a chunk: the key (source, destination: IPv4
// numbers, 0 for a TEXT slot; the ports and protocol as portsLo and portsHi words, the flags above portsHi's bits),
// then id, packets, first and last frame.
import {
  NO_DPORT, NO_PROTO, NO_SPORT, TW_DST as DST, TW_FIRST as FIRST, TW_HI as HI, TW_ID as ID, TW_LAST as LAST, TW_LO as LO,
  TW_PACKETS as PACKETS, TW_SRC as SRC, TupleBlock, TupleBlockEncoder, checkTupleFields, portsHi, portsLo, tupleFieldsFit,
  type EncodedTupleBlock,
} from './tuple-block';

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

/** The bits of the HI word that are the key (the rest are flags). */
const HI_KEY = 0xffff;
/** Flags of a slot (in its HI word): its addresses are text (`texts`), not IPv4 numbers. */
const TEXT = 1 << 16;
/** The tuple is in the spill table already: its counts are added to that row, not inserted. */
const STORED = 1 << 17;

/**
 * Slots per chunk. Slots are never moved: the first chunk grows (×4) up to this, later ones are made full, so
 * growing copies at most one chunk's worth once, and a capture of few tuples holds a small first chunk.
 */
const CHUNK_SHIFT = 15;
const CHUNK_SLOTS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SLOTS - 1;
const FIRST_CHUNK_SLOTS = 1024;
/** Index buckets at first (a power of two); when half full it grows 4× up to QUAD_BUCKETS, then 2×. */
const FIRST_BUCKETS = 4096;
/**
 * Up to this many buckets (4 MB) the index grows 4×: a capture of many connections moves a third fewer entries on
 * its way to a million, and the index of any capture is at most 2 MB larger than doubling would make it.
 */
const QUAD_BUCKETS = 1 << 20;

export class TupleTable {
  private readonly firstId: number;
  private readonly limit: number;
  private n = 0;
  /**
   * The slots in first-seen order (see SRC..LAST), CHUNK_SLOTS to a chunk. A capture's repeated connections come
   * back in about the order they were first seen, so the slots a batch touches are near one another, and writing
   * the tuples out reads them front to back.
   */
  private chunks: Uint32Array[] = [new Uint32Array(FIRST_CHUNK_SLOTS * 8)];
  /**
   * Each IPv4 slot's hash (readBuckets), chunked as the slots are: growing the index reads them instead of hashing
   * every key again (a word a slot, 4 MB for a million tuples: reading them at random misses far fewer pages than
   * reading the 32 MB of slots would).
   */
  private hashChunks: Uint32Array[] = [new Uint32Array(FIRST_CHUNK_SLOTS)];
  /** Slots the chunks hold. */
  private capacity = FIRST_CHUNK_SLOTS;
  /** The addresses of the slots whose addresses are not both IPv4 (IPv4 ones are their numbers). */
  private texts = new Map<number, [string, string]>();
  /**
   * The IPv4 slots by hash, open addressing with linear probing: 0 when empty, else the hash's top 8 bits above
   * slot + 1 (24 bits). Four bytes a bucket and at most half full, so a million tuples take an 8 MB table (twice
   * that, with the whole hash in the bucket, made every lookup slower than growing saved: more pages to miss).
   */
  private index = new Uint32Array(FIRST_BUCKETS);
  private mask = FIRST_BUCKETS - 1;
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
  // Packets come in bursts of one conversation: the previous packet's tuple is the likeliest hit. Its words are at
  // `lastChunk[lastAt]` until the slots are moved to the spill table or the first chunk is replaced (lastValid false).
  private lastSrc = 0;
  private lastDst = 0;
  private lastLo = 0;
  private lastHi = 0;
  private lastChunk: Uint32Array = this.chunks[0]!;
  private lastAt = 0;
  private lastValid = false;
  private lastTextSrc = '';
  private lastTextDst = '';
  private lastTextLo = 0;
  private lastTextHi = 0;
  private lastTextSlot = -1;

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
    const proto = p.ipProto;
    const sport = p.sport;
    const dport = p.dport;
    if (!tupleFieldsFit(proto, sport, dport)) checkTupleFields(proto, sport, dport);
    const lo = portsLo(sport, dport);
    const hi = portsHi(proto, sport, dport);
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
        this.ids[record] = this.countText(p.frame, src, dst, lo, hi);
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
   * Counts the IPv4 packets waiting and writes their ids. First every waiting key is hashed and its bucket read
   * with nothing depending on the reads, so the processor has many cache misses in flight at once; then the
   * packets are counted one by one, in order, against buckets that are near. (Reading the slots the buckets name
   * in a loop of their own as well gained nothing with a million tuples revisited in random order and cost ~10%
   * of the lookups when they come back in the order first seen.)
   */
  settle(): void {
    const q = this.queued;
    if (q === 0) return;
    this.queued = 0;
    this.readBuckets(q);
    const hashes = this.qHash;
    const entries = this.qEntry;
    const ids = this.ids;
    // The last tuple's key and where its words are, in locals for the loop. Its chunk stays right: the slots move
    // (to the spill table) or the first chunk is replaced (grow) only in findOrAddV4, after which it is set anew.
    let lastValid = this.lastValid;
    let lastSrc = this.lastSrc;
    let lastDst = this.lastDst;
    let lastLo = this.lastLo;
    let lastHi = this.lastHi;
    let r = this.lastChunk;
    let at = this.lastAt;
    for (let k = 0; k < q; k++) {
      const s = this.qSrc[k]!;
      const d = this.qDst[k]!;
      const lo = this.qLo[k]!;
      const hi = this.qHi[k]!;
      if (!lastValid || s !== lastSrc || d !== lastDst || lo !== lastLo || hi !== lastHi) {
        // The bucket read above names the tuple's slot in most cases: its key settles it without reading the index
        // again (a slot never moves, so even a bucket read before this batch grew the index names the right one;
        // one read before the slots were moved to the spill table may name a slot no longer held).
        const h = hashes[k]!;
        const e = entries[k]!;
        let slot = (e & 0xffffff) - 1;
        let held = false;
        if (e !== 0 && e >>> 24 === h >>> 24 && slot < this.n) {
          r = this.chunks[slot >>> CHUNK_SHIFT]!;
          at = (slot & CHUNK_MASK) << 3;
          held = r[at + SRC] === s && r[at + DST] === d && r[at + LO] === lo && (r[at + HI]! & HI_KEY) === hi;
        }
        if (!held) {
          slot = this.findOrAddV4(k);
          r = this.chunks[slot >>> CHUNK_SHIFT]!;
          at = (slot & CHUNK_MASK) << 3;
        }
        lastSrc = s;
        lastDst = d;
        lastLo = lo;
        lastHi = hi;
        lastValid = true;
      }
      const frame = this.qFrame[k]!;
      if (r[at + PACKETS] === 0) r[at + FIRST] = frame;
      r[at + PACKETS]!++;
      r[at + LAST] = frame;
      ids[this.qRecord[k]!] = r[at + ID]!;
    }
    this.lastValid = lastValid;
    this.lastSrc = lastSrc;
    this.lastDst = lastDst;
    this.lastLo = lastLo;
    this.lastHi = lastHi;
    this.lastChunk = r;
    this.lastAt = at;
    this.tupleIds.settled(this);
  }

  /**
   * Hashes the first `q` packets waiting (murmur3's mixing of the four words: every bit of the key reaches the low
   * bits the index is read by) and reads their buckets. The hash is written out here: called, it was not inlined
   * and each word above 2^30 went to it as a heap number.
   */
  private readBuckets(q: number): void {
    const hashes = this.qHash;
    const qSrc = this.qSrc;
    const qDst = this.qDst;
    const qLo = this.qLo;
    const qHi = this.qHi;
    for (let j = 0; j < q; j++) {
      let h = 0x9747b28c;
      let k = Math.imul(qSrc[j]!, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
      k = Math.imul(qDst[j]!, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
      k = Math.imul(qLo[j]!, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
      k = Math.imul(qHi[j]!, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      hashes[j] = h ^ (h >>> 16);
    }
    // Loops this small let the processor run far ahead: many misses in flight, none waiting for another (hashing
    // in the same loop leaves room for fewer reads in flight: slower).
    const index = this.index;
    const mask = this.mask;
    const entries = this.qEntry;
    for (let k = 0; k < q; k++) entries[k] = index[hashes[k]! & mask]!;
  }

  /** Whether `slot` (one held) is this IPv4 tuple's. */
  private holdsV4(slot: number, s: number, d: number, lo: number, hi: number): boolean {
    const r = this.chunks[slot >>> CHUNK_SHIFT]!;
    const at = (slot & CHUNK_MASK) << 3;
    return r[at + SRC] === s && r[at + DST] === d && r[at + LO] === lo && (r[at + HI]! & HI_KEY) === hi;
  }

  /** Counts a packet under `slot`; returns the slot's id. */
  private countIn(slot: number, frame: number): number {
    const r = this.chunks[slot >>> CHUNK_SHIFT]!;
    const at = (slot & CHUNK_MASK) << 3;
    if (r[at + PACKETS] === 0) r[at + FIRST] = frame;
    r[at + PACKETS]!++;
    r[at + LAST] = frame;
    return r[at + ID]!;
  }

  private countText(frame: number, src: string, dst: string, lo: number, hi: number): number {
    let slot = this.lastTextSlot;
    if (slot < 0 || lo !== this.lastTextLo || hi !== this.lastTextHi || src !== this.lastTextSrc || dst !== this.lastTextDst) {
      slot = this.textSlot(src, dst, lo, hi);
      this.lastTextSrc = src;
      this.lastTextDst = dst;
      this.lastTextLo = lo;
      this.lastTextHi = hi;
      this.lastTextSlot = slot;
    }
    return this.countIn(slot, frame);
  }

  private textSlot(src: string, dst: string, lo: number, hi: number): number {
    const ports = hi * 4294967296 + lo;
    const known = this.byText.get(src)?.get(dst)?.get(ports);
    if (known !== undefined) return known;
    const slot = this.newSlot(src, dst, lo, hi, 0, 0);
    let byDst = this.byText.get(src);
    if (byDst === undefined) this.byText.set(src, (byDst = new Map()));
    let byPorts = byDst.get(dst);
    if (byPorts === undefined) byDst.set(dst, (byPorts = new Map()));
    byPorts.set(ports, slot);
    return slot;
  }

  /**
   * A slot for a tuple this table does not hold: text addresses, or IPv4 numbers when `src`/`dst` are null (after
   * moving what it holds to the spill table at the limit, and taking the spilled tuple's id when it is there).
   */
  private newSlot(src: string | null, dst: string | null, lo: number, hi: number, s4: number, d4: number): number {
    if (this.n >= this.limit) {
      this.moveToSpill();
      this.spilled = true;
    }
    let existing: number | undefined;
    if (this.spilled) {
      this.openSpill();
      existing = this.spillFind!.get(src ?? formatIpv4(s4), dst ?? formatIpv4(d4), ...unpackPorts(lo, hi)) as number | undefined;
    }
    const text = src !== null && dst !== null;
    const slot = this.takeSlot(text ? 0 : s4, text ? 0 : d4, lo, hi | (text ? TEXT : 0) | (existing === undefined ? 0 : STORED), existing ?? this.tupleIds.take());
    if (text) this.texts.set(slot, [src, dst]);
    return slot;
  }

  /** The next slot, holding this key and id and no packets. */
  private takeSlot(s: number, d: number, lo: number, hi: number, id: number): number {
    const slot = this.n;
    if (slot === this.capacity) this.grow();
    this.n = slot + 1;
    const r = this.chunks[slot >>> CHUNK_SHIFT]!;
    const at = (slot & CHUNK_MASK) << 3;
    r[at + SRC] = s;
    r[at + DST] = d;
    r[at + LO] = lo;
    r[at + HI] = hi;
    r[at + ID] = id;
    r[at + PACKETS] = 0;
    r[at + FIRST] = 0;
    r[at + LAST] = 0;
    return slot;
  }

  private grow(): void {
    if (this.chunks.length === 1 && this.capacity < CHUNK_SLOTS) {
      const slots = Math.min(this.capacity * 4, CHUNK_SLOTS);
      const bigger = new Uint32Array(slots * 8);
      bigger.set(this.chunks[0]!);
      this.chunks[0] = bigger;
      // lastChunk may be the array replaced.
      this.lastValid = false;
      const hashes = new Uint32Array(slots);
      hashes.set(this.hashChunks[0]!);
      this.hashChunks[0] = hashes;
      this.capacity = slots;
    } else {
      this.chunks.push(new Uint32Array(CHUNK_SLOTS * 8));
      this.hashChunks.push(new Uint32Array(CHUNK_SLOTS));
      this.capacity += CHUNK_SLOTS;
    }
  }

  /**
   * The slot of waiting packet `k`'s tuple, added (with no packets counted) when the table does not hold it. (Its
   * words are read here, not passed: a call that is not inlined passes a number above 2^30 as a heap number.)
   */
  private findOrAddV4(k: number): number {
    const h = this.qHash[k]!;
    const s = this.qSrc[k]!;
    const d = this.qDst[k]!;
    const lo = this.qLo[k]!;
    const hi = this.qHi[k]!;
    const index = this.index;
    const mask = this.mask;
    const tag = h >>> 24;
    let i = h & mask;
    for (;;) {
      const e = index[i]!;
      if (e === 0) break;
      if (e >>> 24 === tag && this.holdsV4((e & 0xffffff) - 1, s, d, lo, hi)) return (e & 0xffffff) - 1;
      i = (i + 1) & mask;
    }
    // Not held: bucket i is where it goes, unless adding it moves the slots to the spill table or grows the index.
    let slot: number;
    if (this.n >= this.limit || this.spilled || 2 * (this.indexSize + 1) > mask + 1) {
      slot = this.newSlot(null, null, lo, hi, s, d);
      if (2 * (this.indexSize + 1) > this.mask + 1) this.growIndex();
      this.place(h, slot);
    } else {
      slot = this.takeSlot(s, d, lo, hi, this.tupleIds.take());
      index[i] = ((tag << 24) | (slot + 1)) >>> 0;
      this.indexSize++;
    }
    this.hashChunks[slot >>> CHUNK_SHIFT]![slot & CHUNK_MASK] = h;
    return slot;
  }

  private place(h: number, slot: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = (((h >>> 24) << 24) | (slot + 1)) >>> 0;
    this.indexSize++;
  }

  /**
   * Grows the index (see QUAD_BUCKETS). The buckets are read in order and each slot's hash from `hashChunks`
   * (reads that do not wait on one another), so each entry lands near where the one before went, at its bucket
   * plus a multiple of the old size; placing the slots in slot order instead wrote at random, each write waiting
   * for its probe's read.
   */
  private growIndex(): void {
    const old = this.index;
    const index = new Uint32Array(old.length * (old.length < QUAD_BUCKETS ? 4 : 2));
    const mask = index.length - 1;
    const hashChunks = this.hashChunks;
    for (let b = 0; b < old.length; b++) {
      const e = old[b]!;
      if (e === 0) continue;
      const slot = (e & 0xffffff) - 1;
      let i = hashChunks[slot >>> CHUNK_SHIFT]![slot & CHUNK_MASK]! & mask;
      while (index[i] !== 0) i = (i + 1) & mask;
      index[i] = e;
    }
    this.index = index;
    this.mask = mask;
  }

  /** Writes the capture's tuple blocks (again, when an earlier flush wrote them: the counts have grown since). */
  save(): void {
    if (this.queued > 0) throw new Error('tuple table: save() with packets not settled');
    if (this.written) this.db.prepare('DELETE FROM packet_tuple_blocks WHERE capture_id = ? AND first_id >= ?').run(this.captureId, this.firstId);
    this.written = true;
    const write = tupleBlockInserter(this.db, this.captureId);
    if (!this.spilled) {
      // A million tuples for a capture of a million connections: runs of IPv4 slots a block at a time, nothing
      // allocated (each block is inserted before the encoder's buffers are filled again).
      const encoder = new TupleBlockEncoder({ reuseBuffers: true });
      for (let slot = 0; slot < this.n; ) {
        const r = this.chunks[slot >>> CHUNK_SHIFT]!;
        const at = (slot & CHUNK_MASK) << 3;
        const added = encoder.addV4Run(r, at, Math.min(this.n - slot, CHUNK_SLOTS - (slot & CHUNK_MASK)), TEXT);
        if (added > 0) {
          slot += added;
          continue;
        }
        // The run stopped at a tuple the block cannot take (a full block, or an id that does not follow on) or at one
        // whose addresses are text.
        if (!encoder.accepts(r[at + ID]!)) {
          write(encoder.encode());
          continue;
        }
        const text = this.texts.get(slot)!;
        encoder.addWords(r, at, text[0], text[1]);
        slot++;
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

  /** The spill table, made when first needed; after a flush it is made again from the blocks that flush wrote. */
  private openSpill(): void {
    if (this.spillOpen) return;
    this.db.exec(`DROP TABLE IF EXISTS ${SPILL};
      CREATE TABLE ${SPILL} (id INTEGER PRIMARY KEY, ip_proto INTEGER, src TEXT NOT NULL, dst TEXT NOT NULL, sport INTEGER, dport INTEGER,
        packets INTEGER NOT NULL, first_frame INTEGER NOT NULL, last_frame INTEGER NOT NULL);
      CREATE INDEX temp.natlens_tuple_spill_tuple ON natlens_tuple_spill(src, dst, sport, dport, ip_proto);`);
    this.spillOpen = true;
    this.spillFind = this.db.prepare(`SELECT id FROM ${SPILL} WHERE src = ? AND dst = ? AND ip_proto IS ? AND sport IS ? AND dport IS ?`).pluck();
    // Before the first spill the tuples held are all there are; after a spilled flush the blocks hold them.
    if (!this.written || !this.spilled) return;
    const insert = this.spillInsert();
    const blocks = this.db
      .prepare('SELECT first_id, strings, data FROM packet_tuple_blocks WHERE capture_id = ? AND first_id >= ? ORDER BY first_id')
      .raw(true).all(this.captureId, this.firstId) as Array<[number, string, Buffer]>;
    for (const [firstId, strings, data] of blocks) {
      const b = new TupleBlock(this.captureId, firstId, data, strings);
      for (let i = 0; i < b.count; i++) insert.run(b.id(i), b.ipProto(i), b.src(i), b.dst(i), b.sportSlot(i), b.dport(i), b.packets(i), b.firstFrame(i) ?? 0, b.lastFrame(i) ?? 0);
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
      const r = this.chunks[slot >>> CHUNK_SHIFT]!;
      const at = (slot & CHUNK_MASK) << 3;
      const packets = r[at + PACKETS]!;
      const hi = r[at + HI]!;
      if (hi & STORED) {
        if (packets > 0) update.run(packets, r[at + FIRST]!, r[at + LAST]!, r[at + ID]!);
        continue;
      }
      const [src, dst] = hi & TEXT ? this.texts.get(slot)! : [formatIpv4(r[at + SRC]!), formatIpv4(r[at + DST]!)];
      const [proto, sport, dport] = unpackPorts(r[at + LO]!, hi & HI_KEY);
      insert.run(r[at + ID]!, proto, src, dst, sport, dport, packets, r[at + FIRST]!, r[at + LAST]!);
    }
    this.n = 0;
    this.texts = new Map();
    this.byText = new Map();
    this.index.fill(0);
    this.indexSize = 0;
    this.lastValid = false;
    this.lastTextSlot = -1;
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

/** The protocol and ports of port words (portsLo, portsHi): in the order the spill table's lookup names them. */
function unpackPorts(lo: number, hi: number): [number | null, number | null, number | null] {
  return [hi & NO_PROTO ? null : hi & 255, hi & NO_SPORT ? null : lo >>> 16, hi & NO_DPORT ? null : lo & 0xffff];
}
