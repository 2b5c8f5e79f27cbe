/**
 * The packet side of the store: writes a capture's packets as blocks (packet-block.ts) with one INSERT
 * per few thousand packets, and reads them back by frame, by 5-tuple, or in time order.
 */
import type Database from 'better-sqlite3';
import type { IcmpErrorHeader, PacketRecord } from '../records/records';
import { BLOCK_PACKETS, PacketBlock, PacketBlockEncoder, blockHasTuple } from './packet-block';
import { packetBlockLayout } from './packet-columns';
import { TupleBlock, blockMayHoldKey, tupleKey } from './tuple-block';
import { TupleIds, TupleTable } from './tuple-table';
import { TunnelFrames, TunnelTally, capturedTunnels, type StoredTunnel } from './packet-tunnels';

export interface PacketWriter {
  /** Copies what it keeps of the record: the caller may reuse the object for the next packet. */
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
  /** ICMP/ICMPv6 echo identifier, when the packets told it (tuple-block.ts); absent or null otherwise. */
  echoId?: number | null;
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

/** A stored 5-tuple of a capture (a record of packet_tuple_blocks), with its packet count and frame range. */
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

export class PacketStore {
  private readonly tupleIds: TupleIds;
  constructor(private readonly db: Database.Database) {
    this.tupleIds = new TupleIds(db);
  }

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
   * 5-tuples (up to `tupleCacheLimit`, ~100 bytes each) is held. The distinct 5-tuples are written as tuple
   * blocks (tuple-block.ts) with their packet counts and frame ranges when the writer flushes.
   * Tuple ids are handed out after the highest one stored, and shared among this store's writers open at once.
   */
  writer(captureId: number, tupleCacheLimit = TUPLE_CACHE_LIMIT): PacketWriter {
    const db = this.db;
    const insertBlock = db.prepare(
      `INSERT INTO packet_blocks (capture_id, first_frame, last_frame, frames, min_sec, min_nsec, max_sec, max_nsec, strings, tuples, layout, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertIcmpError = db.prepare('INSERT OR IGNORE INTO packet_icmp_errors (capture_id, frame, ip_proto, src, dst, sport, dport) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // Each block is inserted as soon as it is encoded: the encoder's buffers serve every block.
    const encoder = new PacketBlockEncoder(undefined, { reuseBuffers: true });
    const tuples = new TupleTable(db, captureId, tupleCacheLimit, this.tupleIds, encoder.tupleIds);
    const tunnels = new TunnelTally(db, captureId);
    let written = 0;
    const writeBlock = (): void => {
      tuples.settle();
      const b = encoder.encode();
      if (b) insertBlock.run(captureId, b.firstFrame, b.lastFrame, b.frames, b.minSec, b.minNsec, b.maxSec, b.maxNsec, b.strings, b.tuples, b.layout, b.data);
    };
    return {
      add(p: PacketRecord): void {
        const record = encoder.count;
        encoder.add(p, null);
        if (p.src !== null ? p.dst !== null : typeof p.srcV4 === 'number' && typeof p.dstV4 === 'number') {
          if (p.icmpId == null) tuples.count(p, record);
          else countEcho(tuples, p, record);
        }
        if (p.tunnel) tunnels.add(p.tunnel, p.frame);
        const e = p.icmpError;
        if (e) insertIcmpError.run(captureId, p.frame, e.proto, e.src, e.dst, e.sport, e.dport);
        if (encoder.full) writeBlock();
        written++;
      },
      flush(): number {
        writeBlock();
        tuples.save();
        tunnels.save();
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

  /** The tunnels a capture's packets came in (VXLAN, Geneve, IPIP), in the order first seen. */
  tunnels(captureId: number): StoredTunnel[] {
    return capturedTunnels(this.db, captureId);
  }

  /** Which tunnel each tunnelled frame of a capture came in. */
  tunnelFrames(captureId: number): TunnelFrames {
    return new TunnelFrames(this.db, captureId);
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
    const row = this.statement('SELECT strings, data, layout FROM packet_blocks WHERE id = ?', 'raw').get(id) as [string, Buffer, number];
    return PacketBlock.of(row[1], row[0], packetBlockLayout(row[2]));
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

  /** The tuple block holding tuple `id`, or null. */
  tupleBlockOf(id: number): TupleBlock | null {
    const row = this.statement(
      'SELECT first_id, capture_id, tuples, strings, data FROM packet_tuple_blocks WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1',
      'raw',
    ).get(id) as [number, number, number, string, Buffer] | undefined;
    if (row === undefined || id >= row[0] + row[2]) return null;
    return new TupleBlock(row[1], row[0], row[4], row[3]);
  }

  /** A capture's tuple blocks in id order, one at a time. */
  *tupleBlocks(captureId: number): Generator<TupleBlock> {
    const firsts = this.statement('SELECT first_id FROM packet_tuple_blocks WHERE capture_id = ? ORDER BY first_id', 'pluck').all(captureId) as number[];
    const read = this.statement('SELECT strings, data FROM packet_tuple_blocks WHERE first_id = ?', 'raw');
    for (const firstId of firsts) {
      const [strings, data] = read.get(firstId) as [string, Buffer];
      yield new TupleBlock(captureId, firstId, data, strings);
    }
  }

  tuple(id: number): StoredTuple | null {
    const b = this.tupleBlockOf(id);
    return b === null ? null : storedTuple(b, b.indexOf(id));
  }

  /** The capture's tuples by id. */
  tuplesOf(captureId: number): Map<number, StoredTuple> {
    const out = new Map<number, StoredTuple>();
    const names = new Map<number, string>();
    for (const b of this.tupleBlocks(captureId)) for (let i = 0; i < b.count; i++) out.set(b.id(i), storedTuple(b, i, names));
    return out;
  }

  /** Every stored tuple equal to `t`, in any capture, by capture then id: blocks whose keys say they may hold it are decoded. */
  tuplesEqualTo(t: PacketTuple): StoredTuple[] {
    const key = tupleKey(t);
    const out: StoredTuple[] = [];
    const candidates = this.statement('SELECT first_id, keys FROM packet_tuple_blocks ORDER BY capture_id, first_id', 'raw').all() as Array<[number, Buffer]>;
    for (const [firstId, keys] of candidates) {
      if (!blockMayHoldKey(keys, key)) continue;
      const b = this.tupleBlockOf(firstId)!;
      const i = b.find(t);
      if (i >= 0) out.push(storedTuple(b, i));
    }
    return out;
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
    const tuples = this.tuplesEqualTo(t);
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

/** Counts an ICMP echo under its id, held in the source port slot (tuple-block.ts); the packet block keeps no port. */
function countEcho(tuples: TupleTable, p: PacketRecord, record: number): void {
  if (p.sport !== null || p.dport !== null || (p.ipProto !== 1 && p.ipProto !== 58)) {
    tuples.count(p, record);
    return;
  }
  p.sport = p.icmpId!;
  try {
    tuples.count(p, record);
  } finally {
    p.sport = null;
  }
}

function storedTuple(b: TupleBlock, i: number, names?: Map<number, string>): StoredTuple {
  const t: StoredTuple = {
    id: b.id(i),
    captureId: b.captureId,
    ipProto: b.ipProto(i),
    src: b.src(i, names),
    dst: b.dst(i, names),
    sport: b.sport(i),
    dport: b.dport(i),
    packets: b.packets(i),
    firstFrame: b.firstFrame(i),
    lastFrame: b.lastFrame(i),
  };
  const echo = b.echoId(i);
  if (echo !== null) t.echoId = echo;
  return t;
}

/** Tuples by id, looked up once each; the block read last is kept (a capture's packets name nearby ids). */
export class TupleNames {
  private readonly cache = new Map<number, StoredTuple | null>();
  private block: TupleBlock | null = null;
  private readonly addresses = new Map<number, string>();
  constructor(private readonly packets: PacketStore) {}

  of(id: number): StoredTuple | null {
    if (id === 0) return null;
    let t = this.cache.get(id);
    if (t === undefined) {
      if (this.block === null || this.block.indexOf(id) < 0) this.block = this.packets.tupleBlockOf(id);
      const b = this.block;
      t = b === null ? null : storedTuple(b, b.indexOf(id), this.addresses);
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
