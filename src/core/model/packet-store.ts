/**
 * The packet side of the store: writes a capture's packets as blocks (packet-block.ts) with one INSERT
 * per few thousand packets, and reads them back by frame, by 5-tuple, or in time order.
 */
import type Database from 'better-sqlite3';
import type { IcmpErrorHeader, PacketRecord } from '../records/records';
import { BLOCK_PACKETS, PacketBlock, PacketBlockEncoder, blockHasTuple } from './packet-block';
import { parseIpv4 } from '../common/ip';

export interface PacketWriter {
  add(packet: PacketRecord): void;
  /** Writes what is still buffered; returns the number of packets written. */
  flush(): number;
}

export interface PacketTuple {
  ipProto: number | null;
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
}

/** A stored packet with its 5-tuple: the fields of the record it was read from that the store keeps. */
export interface PacketRow
  extends Pick<
    PacketRecord,
    | 'frame' | 'tsSec' | 'tsNsec' | 'iface' | 'direction' | 'linkType' | 'src' | 'dst' | 'ipProto' | 'sport' | 'dport'
    | 'tcpFlags' | 'seq' | 'ack' | 'payloadLen' | 'icmpType' | 'icmpCode' | 'truncated' | 'line' | 'offset'
  > {
  captureId: number;
  /** The original frame length, when known. */
  len: number | null;
  icmpId: number | null;
}

/** An ICMP error packet of a capture (by frame) and the packet it answers. */
export interface StoredIcmpError {
  frame: number;
  answered: IcmpErrorHeader;
}

/** A stored tuple row (packet_tuples). */
export interface StoredTuple extends PacketTuple {
  id: number;
  captureId: number;
  packets: number;
  firstFrame: number | null;
  lastFrame: number | null;
}

/** Packets in time order, a run at a time: record `slots[k]` of `blocks[k]`. */
export interface PacketRun {
  blocks: PacketBlock[];
  slots: number[];
}

export interface BlockMeta {
  id: number;
  firstFrame: number;
  lastFrame: number;
  frames: number;
  minSec: number;
  minNsec: number;
}

/**
 * 5-tuples a packet writer holds before it writes them out; a capture with more distinct tuples writes the
 * ones held so far and finds later packets of those in SQL (bounded memory, slower past the limit).
 */
export const TUPLE_CACHE_LIMIT = 1 << 21;

/** New tuples in one save from which the 5-tuple index may be rebuilt rather than added to (see TupleTable.save). */
const INDEX_REBUILD_MIN = 50_000;

export class PacketStore {
  constructor(private readonly db: Database.Database) {}

  /**
   * Statements of the per-block reads, prepared once: a flow listing reads blocks thousands of times, and a
   * statement prepared per call holds native memory the collector does not see until it happens to run.
   */
  private readonly statements = new Map<string, Database.Statement>();

  private statement(sql: string, mode: 'raw' | 'pluck'): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      const prepared = this.db.prepare(sql);
      this.statements.set(sql, (s = mode === 'raw' ? prepared.raw(true) : prepared.pluck()));
    }
    return s;
  }

  /**
   * Streams packets into `captureId` a block at a time; nothing beyond one block and the capture's distinct
   * 5-tuples (up to `tupleCacheLimit`, ~100 bytes each) is held. Each distinct 5-tuple becomes one
   * packet_tuples row, written once with its packet count and frame range when the writer flushes.
   * One writer per database at a time: tuple ids are handed out from the table's highest id.
   */
  writer(captureId: number, tupleCacheLimit = TUPLE_CACHE_LIMIT): PacketWriter {
    const db = this.db;
    const insertBlock = db.prepare(
      `INSERT INTO packet_blocks (capture_id, first_frame, last_frame, frames, min_sec, min_nsec, max_sec, max_nsec, strings, tuples, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertIcmpError = db.prepare('INSERT OR IGNORE INTO packet_icmp_errors (capture_id, frame, ip_proto, src, dst, sport, dport) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const tuples = new TupleTable(db, captureId, tupleCacheLimit);
    const encoder = new PacketBlockEncoder();
    let written = 0;
    const writeBlock = (): void => {
      const b = encoder.encode();
      if (b) insertBlock.run(captureId, b.firstFrame, b.lastFrame, b.frames, b.minSec, b.minNsec, b.maxSec, b.maxNsec, b.strings, b.tuples, b.data);
    };
    return {
      add(p: PacketRecord): void {
        encoder.add(p, p.src === null || p.dst === null ? null : tuples.count(p));
        const e = p.icmpError;
        if (e) insertIcmpError.run(captureId, p.frame, e.proto, e.src, e.dst, e.sport, e.dport);
        if (encoder.full) writeBlock();
        written++;
      },
      flush(): number {
        writeBlock();
        tuples.save();
        return written;
      },
    };
  }

  /** The ICMP destination unreachables of a capture with the header of the packet each answers, in frame order. */
  icmpErrors(captureId: number): StoredIcmpError[] {
    const rows = this.db
      .prepare('SELECT frame, ip_proto AS proto, src, dst, sport, dport FROM packet_icmp_errors WHERE capture_id = ? ORDER BY frame')
      .all(captureId) as Array<{ frame: number; proto: number | null; src: string; dst: string; sport: number | null; dport: number | null }>;
    return rows.map(({ frame, ...answered }) => ({ frame, answered }));
  }

  /** The capture's blocks in frame order (metadata only). */
  blocks(captureId: number, fromFrame = -Infinity, toFrame = Infinity): BlockMeta[] {
    const rows = this.statement(
      `SELECT id, first_frame, last_frame, frames, min_sec, min_nsec FROM packet_blocks
       WHERE capture_id = ? AND last_frame >= ? AND first_frame <= ? ORDER BY first_frame`,
      'raw',
    ).all(captureId, fromFrame, toFrame) as Array<[number, number, number, number, number, number]>;
    return rows.map(([id, firstFrame, lastFrame, frames, minSec, minNsec]) => ({ id, firstFrame, lastFrame, frames, minSec, minNsec }));
  }

  block(id: number): PacketBlock {
    const row = this.statement('SELECT strings, data FROM packet_blocks WHERE id = ?', 'raw').get(id) as [string, Buffer];
    return PacketBlock.of(row[1], row[0]);
  }

  /** The block if it holds `tupleId`, else null (reads the block's short tuple list first). */
  blockWithTuple(id: number, tupleId: number): PacketBlock | null {
    const tuples = this.statement('SELECT tuples FROM packet_blocks WHERE id = ?', 'pluck').get(id) as Buffer;
    return blockHasTuple(tuples, tupleId) ? this.block(id) : null;
  }

  /** The block if it holds any of `tupleIds`, else null. */
  blockWithAnyTuple(id: number, tupleIds: ReadonlySet<number>): PacketBlock | null {
    const tuples = this.statement('SELECT tuples FROM packet_blocks WHERE id = ?', 'pluck').get(id) as Buffer;
    for (const t of tupleIds) if (blockHasTuple(tuples, t)) return this.block(id);
    return null;
  }

  count(captureId?: number): number {
    const row = (captureId === undefined
      ? this.db.prepare('SELECT ifnull(sum(frames), 0) FROM packet_blocks').pluck().get()
      : this.db.prepare('SELECT ifnull(sum(frames), 0) FROM packet_blocks WHERE capture_id = ?').pluck().get(captureId)) as number;
    return row;
  }

  tuple(id: number): StoredTuple | null {
    const r = this.db.prepare(`${TUPLE_SELECT} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    return r ? tupleRow(r) : null;
  }

  /** The capture's tuples by id. */
  tuplesOf(captureId: number): Map<number, StoredTuple> {
    const rows = this.db.prepare(`${TUPLE_SELECT} WHERE capture_id = ?`).all(captureId) as Array<Record<string, unknown>>;
    return new Map(rows.map((r) => [r.id as number, tupleRow(r)]));
  }

  /** Up to `limit` packets of a capture from frame `fromFrame` on, in frame order. */
  packetsOf(captureId: number, fromFrame = 1, limit = 1000): PacketRow[] {
    const out: PacketRow[] = [];
    const names = new TupleNames(this);
    for (const meta of this.blocks(captureId, fromFrame)) {
      const b = this.block(meta.id);
      for (let i = 0; i < b.count && out.length < limit; i++) if (b.frame(i) >= fromFrame) out.push(packetRow(captureId, b, i, names));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every packet of a tuple of `captureId`, in frame order. */
  packetsOfTuple(t: StoredTuple, visit: (block: PacketBlock, slot: number) => void): void {
    if (t.firstFrame === null || t.lastFrame === null) return;
    for (const meta of this.blocks(t.captureId, t.firstFrame, t.lastFrame)) {
      const b = this.blockWithTuple(meta.id, t.id);
      if (b === null) continue;
      for (let i = 0; i < b.count; i++) if (b.tupleId(i) === t.id) visit(b, i);
    }
  }

  /** Every captured packet, in any capture, with exactly this directional 5-tuple (ports null for none). */
  packetsWithTuple(t: PacketTuple): PacketRow[] {
    const tuples = (this.db
      .prepare(`${TUPLE_SELECT} WHERE src = ? AND dst = ? AND sport IS ? AND dport IS ? AND ip_proto IS ? ORDER BY capture_id, id`)
      .all(t.src, t.dst, t.sport, t.dport, t.ipProto) as Array<Record<string, unknown>>).map(tupleRow);
    const out: PacketRow[] = [];
    const names = new TupleNames(this);
    for (const tuple of tuples) {
      const rows: PacketRow[] = [];
      this.packetsOfTuple(tuple, (b, i) => rows.push(packetRow(tuple.captureId, b, i, names)));
      out.push(...rows);
    }
    return out.sort((a, b) => a.captureId - b.captureId || a.frame - b.frame);
  }

  /**
   * A capture's packets in time order (seconds, nanoseconds, then frame), a run at a time. Blocks are
   * read one by one in frame order; a packet is handed out once no later block can hold an earlier one,
   * so memory holds the out-of-order span only (one block for a capture already in time order).
   * Reads nothing while the caller holds a run: it may write between runs.
   */
  *timeOrdered(captureId: number): Generator<PacketRun> {
    const metas = this.blocks(captureId);
    // Earliest time of any block from k on.
    const floor: Array<[number, number]> = new Array(metas.length + 1);
    floor[metas.length] = [Infinity, 0];
    for (let k = metas.length - 1; k >= 0; k--) {
      const m = metas[k]!;
      const next = floor[k + 1]!;
      floor[k] = m.minSec < next[0] || (m.minSec === next[0] && m.minNsec < next[1]) ? [m.minSec, m.minNsec] : next;
    }
    // Packets read but not yet handed out (a later block may still hold earlier ones), sorted on (time, frame).
    // Usually a short tail of the previous block, merged with the next; a long span (a capture with a
    // packet far out of order) goes through a heap instead, so the work stays n log n.
    let pending: PacketRun = { blocks: [], slots: [] };
    let heap: PacketHeap | null = null;
    for (let k = 0; k < metas.length; k++) {
      const b = this.block(metas[k]!.id);
      const [limSec, limNsec] = floor[k + 1]!;
      const beforeLimit = (blk: PacketBlock, i: number): boolean => {
        const s = blk.tsSec(i);
        return s < limSec || (s === limSec && blk.tsNsec(i) <= limNsec);
      };
      const sorted = b.inTimeOrder();
      if (heap === null && pending.slots.length === 0 && sorted && (b.count === 0 || beforeLimit(b, b.count - 1))) {
        const slots = new Array<number>(b.count);
        for (let i = 0; i < b.count; i++) slots[i] = i;
        yield { blocks: new Array<PacketBlock>(b.count).fill(b), slots };
        continue;
      }
      if (heap === null && pending.slots.length > 4 * BLOCK_PACKETS) {
        heap = new PacketHeap();
        for (let j = 0; j < pending.slots.length; j++) heap.push(pending.blocks[j]!, pending.slots[j]!);
        pending = { blocks: [], slots: [] };
      }
      const order = new Array<number>(b.count);
      for (let i = 0; i < b.count; i++) order[i] = i;
      if (!sorted) order.sort((i, j) => (b.after(i, b, j) ? 1 : b.after(j, b, i) ? -1 : 0));
      const out: PacketRun = { blocks: [], slots: [] };
      if (heap !== null) {
        for (const i of order) heap.push(b, i);
        while (heap.size > 0 && beforeLimit(heap.topBlock, heap.topSlot)) {
          out.blocks.push(heap.topBlock);
          out.slots.push(heap.topSlot);
          heap.pop();
        }
      } else {
        const rest: PacketRun = { blocks: [], slots: [] };
        let p = 0;
        let q = 0;
        const n = pending.slots.length;
        while (p < n || q < order.length) {
          let blk: PacketBlock;
          let slot: number;
          if (q >= order.length || (p < n && !pending.blocks[p]!.after(pending.slots[p]!, b, order[q]!))) {
            blk = pending.blocks[p]!;
            slot = pending.slots[p++]!;
          } else {
            blk = b;
            slot = order[q++]!;
          }
          const into = rest.slots.length === 0 && beforeLimit(blk, slot) ? out : rest;
          into.blocks.push(blk);
          into.slots.push(slot);
        }
        pending = rest;
      }
      if (out.slots.length > 0) yield out;
    }
    if (pending.slots.length > 0) yield pending;
  }

  /** A capture's packets as rows in time order, streaming. */
  *iterate(captureId: number): Generator<PacketRow> {
    const names = new TupleNames(this);
    for (const run of this.timeOrdered(captureId)) {
      for (let k = 0; k < run.slots.length; k++) yield packetRow(captureId, run.blocks[k]!, run.slots[k]!, names);
    }
  }
}

/** A min-heap of (block, slot) on (time, frame). */
class PacketHeap {
  private readonly blocks: PacketBlock[] = [];
  private readonly slots: number[] = [];

  get size(): number {
    return this.slots.length;
  }
  get topBlock(): PacketBlock {
    return this.blocks[0]!;
  }
  get topSlot(): number {
    return this.slots[0]!;
  }

  push(b: PacketBlock, slot: number): void {
    let i = this.slots.length;
    this.blocks.push(b);
    this.slots.push(slot);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.blocks[parent]!.after(this.slots[parent]!, b, slot)) break;
      this.blocks[i] = this.blocks[parent]!;
      this.slots[i] = this.slots[parent]!;
      i = parent;
    }
    this.blocks[i] = b;
    this.slots[i] = slot;
  }

  pop(): void {
    const lastBlock = this.blocks.pop()!;
    const lastSlot = this.slots.pop()!;
    const n = this.slots.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.blocks[child]!.after(this.slots[child]!, this.blocks[child + 1]!, this.slots[child + 1]!)) child++;
      if (!lastBlock.after(lastSlot, this.blocks[child]!, this.slots[child]!)) break;
      this.blocks[i] = this.blocks[child]!;
      this.slots[i] = this.slots[child]!;
      i = child;
    }
    this.blocks[i] = lastBlock;
    this.slots[i] = lastSlot;
  }
}

const TUPLE_SELECT = 'SELECT id, capture_id, ip_proto, src, dst, sport, dport, packets, first_frame, last_frame FROM packet_tuples';

function tupleRow(r: Record<string, unknown>): StoredTuple {
  return {
    id: r.id as number,
    captureId: r.capture_id as number,
    ipProto: r.ip_proto as number | null,
    src: r.src as string,
    dst: r.dst as string,
    sport: r.sport as number | null,
    dport: r.dport as number | null,
    packets: r.packets as number,
    firstFrame: r.first_frame as number | null,
    lastFrame: r.last_frame as number | null,
  };
}

/** Tuple rows by id, looked up once each. */
export class TupleNames {
  private readonly cache = new Map<number, StoredTuple | null>();
  constructor(private readonly packets: PacketStore) {}

  of(id: number): StoredTuple | null {
    if (id === 0) return null;
    let t = this.cache.get(id);
    if (t === undefined) {
      t = this.packets.tuple(id);
      this.cache.set(id, t);
    }
    return t;
  }
}

export function packetRow(captureId: number, b: PacketBlock, i: number, names: TupleNames): PacketRow {
  const t = names.of(b.tupleId(i));
  return {
    captureId,
    frame: b.frame(i),
    tsSec: b.tsSec(i),
    tsNsec: b.tsNsec(i),
    iface: b.iface(i),
    direction: b.direction(i),
    linkType: b.linkType(i),
    len: b.len(i),
    src: t?.src ?? null,
    dst: t?.dst ?? null,
    ipProto: t?.ipProto ?? null,
    sport: t?.sport ?? null,
    dport: t?.dport ?? null,
    tcpFlags: b.tcpFlags(i),
    seq: b.seq(i),
    ack: b.ack(i),
    payloadLen: b.payloadLen(i),
    icmpType: b.icmpType(i),
    icmpCode: b.icmpCode(i),
    icmpId: b.icmpId(i),
    truncated: b.truncated(i),
    line: b.line(i),
    offset: b.offset(i),
  };
}

/**
 * The distinct 5-tuples of one capture being written, with their packet counts and frame ranges. Held in
 * growable typed arrays (one slot per tuple), found through an open-addressing table of IPv4 numbers (the
 * decoder's, checked against the text, or read from the text) or, for IPv6, nested maps. Rows are written
 * when the writer flushes, in id order (appends, not B-tree inserts in the middle), one INSERT per tuple;
 * past `limit` the tuples held so far are written and later packets of them are found and updated in SQL.
 */
class TupleTable {
  private readonly insert: Database.Statement;
  private readonly find: Database.Statement;
  private readonly update: Database.Statement;
  private readonly firstId: number;
  private nextId: number;
  /** IPv4 tuples by their addresses' numbers: one probe, no map entry or object per tuple. */
  private readonly v4 = new V4TupleIndex();
  /** Any other tuple (IPv6) by src → dst → protocol and ports as one number. */
  private byText = new Map<string, Map<string, Map<number, number>>>();
  private n = 0;
  private ids = new Float64Array(1024);
  private packets = new Uint32Array(1024);
  private first = new Uint32Array(1024);
  private last = new Uint32Array(1024);
  /** Slot → the tuple's row exists already (written before a spill): update it instead of inserting. */
  private stored = new Uint8Array(1024);
  // The tuples themselves, by slot: no object per tuple (-1 for a null protocol or port).
  private srcs: string[] = [];
  private dsts: string[] = [];
  private protos = new Int32Array(1024);
  private sports = new Int32Array(1024);
  private dports = new Int32Array(1024);
  private spilled = false;
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
    this.insert = db.prepare(
      'INSERT INTO packet_tuples (id, capture_id, ip_proto, src, dst, sport, dport, packets, first_frame, last_frame) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.find = db.prepare('SELECT id FROM packet_tuples WHERE src = ? AND dst = ? AND sport IS ? AND dport IS ? AND ip_proto IS ? AND capture_id = ?').pluck();
    this.update = db.prepare(
      `UPDATE packet_tuples SET packets = packets + ?, first_frame = min(ifnull(first_frame, ?), ?),
         last_frame = max(ifnull(last_frame, ?), ?) WHERE id = ?`,
    );
    this.firstId = (db.prepare('SELECT ifnull(max(id), 0) FROM packet_tuples').pluck().get() as number) + 1;
    this.nextId = this.firstId;
  }

  /** Counts packet `p` (which has addresses) under its tuple; returns the tuple's id. */
  count(p: PacketRecord): number {
    const src = p.src!;
    const dst = p.dst!;
    const ports = ((p.ipProto ?? 256) * 65537 + (p.sport ?? 65536)) * 65537 + (p.dport ?? 65536);
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
      const slot = this.v4.find(s4, d4, ports);
      if (slot >= 0 && this.srcs[slot] === src && this.dsts[slot] === dst) return slot;
    }
    // No numbers, a tuple not seen yet, or numbers that no longer say the text (a record edited after it
    // was decoded): the text decides. IPv4 text is keyed by its numbers, anything else by the text itself.
    const s = parseIpv4(src);
    const d = parseIpv4(dst);
    if (s === null || d === null) return this.slotOfText(p, src, dst, ports);
    const slot = this.v4.find(s, d, ports);
    if (slot >= 0) return slot;
    const fresh = this.newSlot(p, src, dst);
    this.v4.add(s, d, ports, fresh);
    return fresh;
  }

  private slotOfText(p: PacketRecord, src: string, dst: string, ports: number): number {
    const known = this.byText.get(src)?.get(dst)?.get(ports);
    if (known !== undefined) return known;
    const slot = this.newSlot(p, src, dst);
    let byDst = this.byText.get(src);
    if (byDst === undefined) this.byText.set(src, (byDst = new Map()));
    let byPorts = byDst.get(dst);
    if (byPorts === undefined) byDst.set(dst, (byPorts = new Map()));
    byPorts.set(ports, slot);
    return slot;
  }

  /** A slot for a tuple this table does not hold (after writing out what it holds, at the limit). */
  private newSlot(p: PacketRecord, src: string, dst: string): number {
    if (this.n >= this.limit) {
      this.save();
      this.spilled = true;
      this.n = 0;
      this.srcs = [];
      this.dsts = [];
      this.byText = new Map();
      this.v4.clear();
      this.lastSlot = -1;
    }
    const existing = this.spilled ? (this.find.get(src, dst, p.sport, p.dport, p.ipProto, this.captureId) as number | undefined) : undefined;
    const slot = this.n++;
    if (slot === this.ids.length) this.grow();
    this.ids[slot] = existing ?? this.nextId++;
    this.stored[slot] = existing === undefined ? 0 : 1;
    this.packets[slot] = 0;
    this.srcs.push(src);
    this.dsts.push(dst);
    this.protos[slot] = p.ipProto ?? -1;
    this.sports[slot] = p.sport ?? -1;
    this.dports[slot] = p.dport ?? -1;
    return slot;
  }

  private grow(): void {
    const size = this.ids.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.ids = grown(this.ids, (n) => new Float64Array(n));
    this.packets = grown(this.packets, (n) => new Uint32Array(n));
    this.first = grown(this.first, (n) => new Uint32Array(n));
    this.last = grown(this.last, (n) => new Uint32Array(n));
    this.stored = grown(this.stored, (n) => new Uint8Array(n));
    this.protos = grown(this.protos, (n) => new Int32Array(n));
    this.sports = grown(this.sports, (n) => new Int32Array(n));
    this.dports = grown(this.dports, (n) => new Int32Array(n));
  }

  /** Writes every tuple held (new rows in id order, counts added to rows written before a spill) and forgets them. */
  save(): void {
    let fresh = 0;
    for (let slot = 0; slot < this.n; slot++) if (!this.stored[slot]) fresh++;
    // Many rows in random key order cost more in the 5-tuple index than sorting them into a new one does.
    // Rebuilt only when the new rows are at least as many as the table held (its highest id bounds that),
    // so a project of many captures pays at most twice over for its index in all.
    const rebuild = fresh >= INDEX_REBUILD_MIN && fresh >= this.firstId - 1;
    const indexSql = rebuild
      ? (this.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'packet_tuples_tuple'").pluck().get() as string | undefined)
      : undefined;
    if (indexSql !== undefined) this.db.exec('DROP INDEX packet_tuples_tuple');
    try {
      this.write();
    } finally {
      if (indexSql !== undefined) this.db.exec(indexSql);
    }
  }

  private write(): void {
    for (let slot = 0; slot < this.n; slot++) {
      const id = this.ids[slot]!;
      const packets = this.packets[slot]!;
      const first = this.first[slot]!;
      const last = this.last[slot]!;
      if (this.stored[slot]) {
        if (packets > 0) this.update.run(packets, first, first, last, last, id);
        continue;
      }
      const proto = this.protos[slot]!;
      const sport = this.sports[slot]!;
      const dport = this.dports[slot]!;
      this.insert.run(
        id, this.captureId, proto < 0 ? null : proto, this.srcs[slot], this.dsts[slot], sport < 0 ? null : sport, dport < 0 ? null : dport,
        packets, packets > 0 ? first : null, packets > 0 ? last : null,
      );
    }
    // Held again, a tuple just written is a stored one: a later save only adds what came after.
    this.stored.fill(1, 0, this.n);
    this.packets.fill(0, 0, this.n);
  }
}

/** Open addressing over (src, dst, protocol-and-ports) numbers → tuple slot; grows at half full. */
class V4TupleIndex {
  private mask = 4095;
  private srcs = new Uint32Array(4096);
  private dsts = new Uint32Array(4096);
  private ports = new Float64Array(4096);
  private slots = new Int32Array(4096).fill(-1);
  private size = 0;

  private static hash(src: number, dst: number, ports: number): number {
    let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ (ports | 0) ^ ((ports / 4294967296) | 0), 0x27d4eb2f);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /** The slot of the tuple, or -1. */
  find(src: number, dst: number, ports: number): number {
    for (let i = V4TupleIndex.hash(src, dst, ports) & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i]!;
      if (slot < 0) return -1;
      if (this.srcs[i] === src && this.dsts[i] === dst && this.ports[i] === ports) return slot;
    }
  }

  add(src: number, dst: number, ports: number, slot: number): void {
    if (2 * (this.size + 1) > this.mask + 1) this.grow();
    let i = V4TupleIndex.hash(src, dst, ports) & this.mask;
    while (this.slots[i]! >= 0) i = (i + 1) & this.mask;
    this.srcs[i] = src;
    this.dsts[i] = dst;
    this.ports[i] = ports;
    this.slots[i] = slot;
    this.size++;
  }

  clear(): void {
    this.slots.fill(-1);
    this.size = 0;
  }

  private grow(): void {
    const { srcs, dsts, ports, slots } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.srcs = new Uint32Array(capacity);
    this.dsts = new Uint32Array(capacity);
    this.ports = new Float64Array(capacity);
    this.slots = new Int32Array(capacity).fill(-1);
    this.size = 0;
    for (let i = 0; i < slots.length; i++) if (slots[i]! >= 0) this.add(srcs[i]!, dsts[i]!, ports[i]!, slots[i]!);
  }
}
