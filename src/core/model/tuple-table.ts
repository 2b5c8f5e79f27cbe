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
import { parseIpv4 } from '../common/ip';
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

/** Writes encoded tuple blocks of one capture. */
export function tupleBlockInserter(db: Database.Database, captureId: number): (b: EncodedTupleBlock | null) => void {
  const insert = db.prepare('INSERT INTO packet_tuple_blocks (first_id, capture_id, tuples, strings, keys, data) VALUES (?, ?, ?, ?, ?, ?)');
  return (b) => {
    if (b) insert.run(b.firstId, captureId, b.tuples, b.strings, b.keys, b.data);
  };
}

export class TupleTable {
  private readonly firstId: number;
  private nextId: number;
  private n = 0;
  private ids = new Uint32Array(1024);
  private packets = new Uint32Array(1024);
  private first = new Uint32Array(1024);
  private last = new Uint32Array(1024);
  private flags = new Uint8Array(1024);
  private srcNums = new Uint32Array(1024);
  private dstNums = new Uint32Array(1024);
  /** Protocol and ports as one number (see `portsKey`). */
  private ports = new Float64Array(1024);
  // The text of each slot's addresses: a packet's numbers are trusted only when its text says the same.
  private srcs: string[] = [];
  private dsts: string[] = [];
  /** IPv4 tuples: open addressing over (src, dst, ports) → slot + 1 (0 empty); grows at half full. */
  private v4Slots = new Int32Array(4096);
  private v4Size = 0;
  /** Any other tuple (IPv6) by src → dst → protocol and ports. */
  private byText = new Map<string, Map<string, Map<number, number>>>();
  /** Tuples were moved to the spill table at least once: it (or the blocks written from it) holds them. */
  private spilled = false;
  private spillOpen = false;
  private spillFind: Database.Statement | null = null;
  /** Blocks of this capture written by an earlier flush: a later one writes them again. */
  private written = false;
  // Packets come in bursts of one conversation: the previous packet's tuple is the likeliest hit.
  private lastSrc = '';
  private lastDst = '';
  private lastPorts = -1;
  private lastSlot = -1;

  constructor(
    private readonly db: Database.Database,
    private readonly captureId: number,
    private readonly limit: number,
  ) {
    this.firstId = nextTupleId(db);
    this.nextId = this.firstId;
  }

  /** Counts packet `p` (which has addresses) under its tuple; returns the tuple's id. */
  count(p: PacketRecord): number {
    const src = p.src!;
    const dst = p.dst!;
    const ports = portsKey(p.ipProto, p.sport, p.dport);
    let slot = this.lastSlot;
    if (slot < 0 || ports !== this.lastPorts || src !== this.lastSrc || dst !== this.lastDst) {
      slot = this.slotOf(p, src, dst, ports);
      this.lastSrc = src;
      this.lastDst = dst;
      this.lastPorts = ports;
      this.lastSlot = slot;
    }
    if (this.packets[slot] === 0) this.first[slot] = p.frame;
    this.packets[slot]!++;
    this.last[slot] = p.frame;
    return this.ids[slot]!;
  }

  private slotOf(p: PacketRecord, src: string, dst: string, ports: number): number {
    const s4 = p.srcV4;
    const d4 = p.dstV4;
    if (typeof s4 === 'number' && typeof d4 === 'number') {
      const slot = this.findV4(s4, d4, ports);
      if (slot >= 0 && this.srcs[slot] === src && this.dsts[slot] === dst) return slot;
    }
    // No numbers, a tuple not seen yet, or numbers that no longer say the text (a record edited after it
    // was decoded): the text decides. IPv4 text is keyed by its numbers, anything else by the text itself.
    const s = parseIpv4(src);
    const d = parseIpv4(dst);
    if (s === null || d === null) return this.slotOfText(p, src, dst, ports);
    const slot = this.findV4(s, d, ports);
    if (slot >= 0) return slot;
    const fresh = this.newSlot(p, src, dst, ports, s, d);
    this.addV4(fresh);
    return fresh;
  }

  private slotOfText(p: PacketRecord, src: string, dst: string, ports: number): number {
    const known = this.byText.get(src)?.get(dst)?.get(ports);
    if (known !== undefined) return known;
    const slot = this.newSlot(p, src, dst, ports, null, null);
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
    if (slot === this.ids.length) this.grow();
    this.ids[slot] = existing ?? this.nextId++;
    this.flags[slot] = (s4 === null ? TEXT : 0) | (existing === undefined ? 0 : STORED);
    this.packets[slot] = 0;
    this.srcNums[slot] = s4 ?? 0;
    this.dstNums[slot] = d4 ?? 0;
    this.ports[slot] = ports;
    this.srcs.push(src);
    this.dsts.push(dst);
    return slot;
  }

  private grow(): void {
    const size = this.ids.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.ids = grown(this.ids, (n) => new Uint32Array(n));
    this.packets = grown(this.packets, (n) => new Uint32Array(n));
    this.first = grown(this.first, (n) => new Uint32Array(n));
    this.last = grown(this.last, (n) => new Uint32Array(n));
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
    this.srcNums = grown(this.srcNums, (n) => new Uint32Array(n));
    this.dstNums = grown(this.dstNums, (n) => new Uint32Array(n));
    this.ports = grown(this.ports, (n) => new Float64Array(n));
  }

  private static hash(src: number, dst: number, ports: number): number {
    let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ (ports | 0) ^ ((ports / 4294967296) | 0), 0x27d4eb2f);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /** The slot of an IPv4 tuple, or -1. */
  private findV4(src: number, dst: number, ports: number): number {
    const mask = this.v4Slots.length - 1;
    for (let i = TupleTable.hash(src, dst, ports) & mask; ; i = (i + 1) & mask) {
      const slot = this.v4Slots[i]! - 1;
      if (slot < 0) return -1;
      if (this.srcNums[slot] === src && this.dstNums[slot] === dst && this.ports[slot] === ports) return slot;
    }
  }

  private addV4(slot: number): void {
    if (2 * (this.v4Size + 1) > this.v4Slots.length) {
      const old = this.v4Slots;
      this.v4Slots = new Int32Array(old.length * 2);
      this.v4Size = 0;
      for (let i = 0; i < old.length; i++) if (old[i]! > 0) this.addV4(old[i]! - 1);
    }
    const mask = this.v4Slots.length - 1;
    let i = TupleTable.hash(this.srcNums[slot]!, this.dstNums[slot]!, this.ports[slot]!) & mask;
    while (this.v4Slots[i]! > 0) i = (i + 1) & mask;
    this.v4Slots[i] = slot + 1;
    this.v4Size++;
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
    const [proto, sport, dport] = unpackPorts(this.ports[slot]!);
    const v4 = (this.flags[slot]! & TEXT) === 0;
    const packets = this.packets[slot]!;
    encoder.add(
      this.ids[slot]!, proto, sport, dport, this.srcs[slot]!, this.dsts[slot]!,
      v4 ? this.srcNums[slot]! : null, v4 ? this.dstNums[slot]! : null, packets, this.first[slot]!, this.last[slot]!,
    );
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
      const packets = this.packets[slot]!;
      if (this.flags[slot]! & STORED) {
        if (packets > 0) update.run(packets, this.first[slot]!, this.last[slot]!, this.ids[slot]!);
        continue;
      }
      const [proto, sport, dport] = unpackPorts(this.ports[slot]!);
      insert.run(this.ids[slot]!, proto, this.srcs[slot]!, this.dsts[slot]!, sport, dport, packets, this.first[slot]!, this.last[slot]!);
    }
    this.n = 0;
    this.srcs = [];
    this.dsts = [];
    this.byText = new Map();
    this.v4Slots.fill(0);
    this.v4Size = 0;
    this.lastSlot = -1;
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
