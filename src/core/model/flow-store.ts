/**
 * The SQL side of stitched flows (tables added by schema migration 2): flows, their conntrack
 * entries, the packet → flow assignment ordered by aligned time, per-node clock offsets and the
 * "stitched generation" marker that says which set of captures the flows were computed from.
 */
import type { CaptureKind, ConntrackEntry, ConntrackTuple } from '../capture/records';
import { BatchInsert } from './batch-insert';
import type { Store } from './store';

/** A packet capture to stitch, with what names its node and interface. */
export interface PacketCaptureRow {
  id: number;
  nodeId: number;
  node: string;
  kind: CaptureKind;
  sourceFile: string;
  firstLine: number | null;
  command: string | null;
  netns: string | null;
}

/** One packet as the stitcher reads it: a flat array, in this column order (see PACKET_SCAN). */
export type ScannedPacket = [
  rowid: number, frame: number, tsSec: number, tsNsec: number, tupleId: number, iface: string | null,
  tcpFlags: number | null, seq: number | null, ack: number | null, payloadLen: number | null,
];

/** A capture's distinct IP 5-tuple, by packet_tuples id. */
export interface CaptureTuple {
  proto: number;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
}

export interface ConntrackRow {
  id: number;
  node: string;
  nodeId: number;
  captureId: number;
  sourceFile: string;
  takenAt: string | null;
  entry: ConntrackEntry;
}

export interface StoredFlowRow {
  id: number;
  proto: number;
  original: { src: string; sport: number | null; dst: string; dport: number | null };
  reply: { src: string; sport: number | null; dst: string; dport: number | null };
  nat: string[];
  service: string | null;
  evidence: string;
  firstSeen: number | null;
  lastSeen: number | null;
  packets: number;
  tcp: string | null;
  hops: string;
  links: string;
  timeline: string;
  conntrack: string;
}

export interface NewFlowRow extends Omit<StoredFlowRow, 'nat'> {
  nat: readonly string[];
}

/** A packet of a flow, joined with its capture and node, in aligned-time order. */
export interface FlowPacketRow {
  flowId: number;
  atSec: number;
  atNsec: number;
  captureId: number;
  frame: number;
  tsSec: number;
  tsNsec: number;
  node: string;
  iface: string | null;
  netns: string | null;
  sourceFile: string;
  command: string | null;
  kind: CaptureKind;
  line: number | null;
  offset: number | null;
  ipProto: number | null;
  src: string | null;
  dst: string | null;
  sport: number | null;
  dport: number | null;
  tcpFlags: number | null;
  seq: number | null;
  ack: number | null;
  payloadLen: number | null;
}

export interface ClockRow {
  node: string;
  offsetSeconds: number;
  reference: string;
  samples: number;
}

// The 5-tuples are read once per capture (captureTuples), so packet rows stay narrow and share their strings.
const PACKET_SCAN = `SELECT rowid, frame, ts_sec, ts_nsec, tuple_id, iface, tcp_flags, seq, ack, payload_len
  FROM packets
  WHERE capture_id = ? AND tuple_id IS NOT NULL AND (ts_sec, ts_nsec, rowid) > (?, ?, ?)
  ORDER BY ts_sec, ts_nsec, rowid LIMIT ?`;

const FLOW_COLUMNS = [
  'id', 'proto', 'orig_src', 'orig_sport', 'orig_dst', 'orig_dport', 'reply_src', 'reply_sport', 'reply_dst', 'reply_dport',
  'nat', 'service', 'evidence', 'first_seen', 'last_seen', 'packets', 'tcp', 'hops', 'links', 'timeline', 'conntrack',
] as const;

const FLOW_PACKET_COLUMNS = ['flow_id', 'at_sec', 'at_nsec', 'capture_id', 'frame', 'ts_sec', 'ts_nsec'] as const;

const FLOW_SELECT = `SELECT id, proto, orig_src, orig_sport, orig_dst, orig_dport, reply_src, reply_sport, reply_dst, reply_dport,
  nat, service, evidence, first_seen, last_seen, packets, tcp, hops, links, timeline, conntrack FROM flows`;

const FLOW_PACKET_SELECT = `SELECT fp.flow_id, fp.at_sec, fp.at_nsec, fp.capture_id, fp.frame, fp.ts_sec, fp.ts_nsec,
    n.name AS node, p.iface, c.netns, c.source_file, c.command, c.kind, p.line, p.offset,
    t.ip_proto, t.src, t.dst, t.sport, t.dport, p.tcp_flags, p.seq, p.ack, p.payload_len
  FROM flow_packets fp
  JOIN captures c ON c.id = fp.capture_id
  JOIN nodes n ON n.id = c.node_id
  JOIN packets p ON p.capture_id = fp.capture_id AND p.ts_sec = fp.ts_sec AND p.ts_nsec = fp.ts_nsec AND p.frame = fp.frame
  LEFT JOIN packet_tuples t ON t.id = p.tuple_id`;

export interface FlowWriter {
  addFlow(row: NewFlowRow): void;
  linkConntrack(flowId: number, conntrackId: number): void;
  /** Every packet of this capture with this tuple belongs to the flow. */
  linkTuple(captureId: number, tupleId: number, flowId: number): void;
  /** One packet → flow assignment; `at` is the packet time on the reference clock. */
  addPacket(flowId: number, atSec: number, atNsec: number, captureId: number, frame: number, tsSec: number, tsNsec: number): void;
  setClock(rows: readonly ClockRow[]): void;
  flush(): void;
}

export class FlowStore {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  /** What the stored flows were computed from (null: never stitched). */
  stitchedGeneration(): string | null {
    const row = this.db.prepare('SELECT generation FROM flow_generation WHERE id = 1').get() as { generation: string } | undefined;
    return row?.generation ?? null;
  }

  /** Changes whenever a capture is added or removed: flows are recomputed only then. */
  captureGeneration(): string {
    const row = this.db
      .prepare('SELECT count(*) AS n, ifnull(max(id), 0) AS top, ifnull(sum(records), 0) AS records FROM captures')
      .get() as { n: number; top: number; records: number };
    return `${row.n}:${row.top}:${row.records}`;
  }

  packetCaptures(): PacketCaptureRow[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.node_id, n.name AS node, c.kind, c.source_file, c.first_line, c.command, c.netns
         FROM captures c JOIN nodes n ON n.id = c.node_id WHERE c.kind IN ('pcap', 'tcpdump-text') ORDER BY c.id`,
      )
      .all() as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as number,
      nodeId: r.node_id as number,
      node: r.node as string,
      kind: r.kind as CaptureKind,
      sourceFile: r.source_file as string,
      firstLine: r.first_line as number | null,
      command: r.command as string | null,
      netns: r.netns as string | null,
    }));
  }

  /** The capture's IP 5-tuples (ARP and other non-IP frames have none). */
  captureTuples(captureId: number): Map<number, CaptureTuple> {
    const rows = this.db
      .prepare('SELECT id, ip_proto, src, dst, sport, dport FROM packet_tuples WHERE capture_id = ? AND ip_proto IS NOT NULL')
      .raw(true)
      .all(captureId) as Array<[number, number, string, string, number | null, number | null]>;
    const out = new Map<number, CaptureTuple>();
    for (const [id, proto, src, dst, sport, dport] of rows) out.set(id, { proto, src, sport, dst, dport });
    return out;
  }

  /**
   * The capture's packets with an address tuple, in time order, read in chunks (keyset on time and rowid) so no
   * statement stays open across chunks and the caller may write between them.
   */
  *scanPackets(captureId: number, chunk = 20_000): Generator<ScannedPacket> {
    const stmt = this.db.prepare(PACKET_SCAN).raw(true);
    let after: [number, number, number] = [-Infinity, 0, 0];
    for (;;) {
      const rows = stmt.all(captureId, after[0], after[1], after[2], chunk) as ScannedPacket[];
      for (const row of rows) yield row;
      if (rows.length < chunk) return;
      const last = rows[rows.length - 1]!;
      after = [last[2], last[3], last[0]];
    }
  }

  conntrackRows(): ConntrackRow[] {
    const rows = this.db
      .prepare(
        `SELECT k.*, c.node_id, n.name AS node, c.source_file, c.taken_at FROM conntrack k
         JOIN captures c ON c.id = k.capture_id JOIN nodes n ON n.id = c.node_id ORDER BY k.id`,
      )
      .all() as Array<Record<string, unknown>>;
    const tuple = (r: Record<string, unknown>, side: 'orig' | 'reply'): ConntrackTuple => ({
      src: r[`${side}_src`] as string,
      dst: r[`${side}_dst`] as string,
      sport: r[`${side}_sport`] as number | null,
      dport: r[`${side}_dport`] as number | null,
      icmp: r[`${side}_icmp`] === null ? null : (JSON.parse(r[`${side}_icmp`] as string) as ConntrackTuple['icmp']),
      packets: r[`${side}_packets`] as number | null,
      bytes: r[`${side}_bytes`] as number | null,
    });
    return rows.map((r) => ({
      id: r.id as number,
      node: r.node as string,
      nodeId: r.node_id as number,
      captureId: r.capture_id as number,
      sourceFile: r.source_file as string,
      takenAt: r.taken_at as string | null,
      entry: {
        family: r.family as 'ipv4' | 'ipv6',
        proto: r.proto as string,
        protoNumber: r.proto_number as number,
        timeout: r.timeout as number | null,
        state: r.state as string | null,
        original: tuple(r, 'orig'),
        reply: tuple(r, 'reply'),
        unreplied: r.unreplied === 1,
        assured: r.assured === 1,
        mark: r.mark as number | null,
        zone: r.zone as number | null,
        use: r.use_count as number | null,
        flags: (r.flags as string) === '' ? [] : (r.flags as string).split(','),
        line: r.line as number,
      },
    }));
  }

  /**
   * Replaces every stored flow inside one transaction: `fill` writes through the writer (it may
   * read packets with scanPackets meanwhile); the generation marker is set last.
   */
  replaceFlows(generation: string, fill: (writer: FlowWriter) => void): void {
    this.store.transaction(() => {
      for (const table of ['flow_packets', 'flow_tuples', 'flow_conntrack', 'flows', 'flow_clock']) this.db.exec(`DELETE FROM ${table}`);
      const tuples = new BatchInsert(this.db, 'flow_tuples', ['capture_id', 'tuple_id', 'flow_id'], 256);
      const flows = new BatchInsert(this.db, 'flows', FLOW_COLUMNS, 32);
      const links = new BatchInsert(this.db, 'flow_conntrack', ['flow_id', 'conntrack_id'], 256);
      const packets = new BatchInsert(this.db, 'flow_packets', FLOW_PACKET_COLUMNS, 256);
      const clock = this.db.prepare('INSERT INTO flow_clock (node, offset_seconds, reference, samples) VALUES (?, ?, ?, ?)');
      const packetRow: unknown[] = new Array(FLOW_PACKET_COLUMNS.length);
      fill({
        addFlow(f) {
          flows.add([
            f.id, f.proto, f.original.src, f.original.sport, f.original.dst, f.original.dport,
            f.reply.src, f.reply.sport, f.reply.dst, f.reply.dport, f.nat.join(','), f.service, f.evidence,
            f.firstSeen, f.lastSeen, f.packets, f.tcp, f.hops, f.links, f.timeline, f.conntrack,
          ]);
        },
        linkConntrack(flowId, conntrackId) {
          links.add([flowId, conntrackId]);
        },
        linkTuple(captureId, tupleId, flowId) {
          tuples.add([captureId, tupleId, flowId]);
        },
        addPacket(flowId, atSec, atNsec, captureId, frame, tsSec, tsNsec) {
          packetRow[0] = flowId; packetRow[1] = atSec; packetRow[2] = atNsec; packetRow[3] = captureId;
          packetRow[4] = frame; packetRow[5] = tsSec; packetRow[6] = tsNsec;
          packets.add(packetRow);
        },
        setClock(rows) {
          for (const r of rows) clock.run(r.node, r.offsetSeconds, r.reference, r.samples);
        },
        flush() {
          flows.flush();
          links.flush();
          tuples.flush();
          packets.flush();
        },
      });
      flows.flush();
      links.flush();
      tuples.flush();
      packets.flush();
      this.db
        .prepare(
          `INSERT INTO flow_generation (id, generation, stitched_at) VALUES (1, ?, ?)
           ON CONFLICT(id) DO UPDATE SET generation = excluded.generation, stitched_at = excluded.stitched_at`,
        )
        .run(generation, new Date().toISOString());
    });
  }

  flowCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM flows').get() as { n: number }).n;
  }

  /** Flows by id (= first time seen), a page at a time. */
  flows(offset = 0, limit = -1): StoredFlowRow[] {
    const rows = this.db.prepare(`${FLOW_SELECT} ORDER BY id LIMIT ? OFFSET ?`).all(limit, offset) as Array<Record<string, unknown>>;
    return rows.map(flowRow);
  }

  flow(id: number): StoredFlowRow | null {
    const row = this.db.prepare(`${FLOW_SELECT} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    return row ? flowRow(row) : null;
  }

  /** A flow's packets in aligned-time order, a page at a time (the primary key serves the order). */
  flowPackets(flowId: number, offset = 0, limit = -1): FlowPacketRow[] {
    const rows = this.db
      .prepare(`${FLOW_PACKET_SELECT} WHERE fp.flow_id = ? ORDER BY fp.at_sec, fp.at_nsec, fp.capture_id, fp.frame LIMIT ? OFFSET ?`)
      .all(flowId, limit, offset) as Array<Record<string, unknown>>;
    return rows.map(flowPacketRow);
  }

  /** Streams a flow's packets in aligned-time order (read-only: write nothing while iterating). */
  *iterateFlowPackets(flowId: number): Generator<FlowPacketRow> {
    const stmt = this.db.prepare(`${FLOW_PACKET_SELECT} WHERE fp.flow_id = ? ORDER BY fp.at_sec, fp.at_nsec, fp.capture_id, fp.frame`);
    for (const row of stmt.iterate(flowId) as Iterable<Record<string, unknown>>) yield flowPacketRow(row);
  }

  /** The flow a stored packet was assigned to, or null. */
  flowOfPacket(captureId: number, frame: number): number | null {
    const row = this.db
      .prepare(
        `SELECT ft.flow_id FROM packets p JOIN flow_tuples ft ON ft.capture_id = p.capture_id AND ft.tuple_id = p.tuple_id
         WHERE p.capture_id = ? AND p.frame = ?`,
      )
      .get(captureId, frame) as
      | { flow_id: number }
      | undefined;
    return row?.flow_id ?? null;
  }

  conntrackOfFlow(flowId: number): number[] {
    return (this.db.prepare('SELECT conntrack_id FROM flow_conntrack WHERE flow_id = ? ORDER BY conntrack_id').pluck().all(flowId) as number[]);
  }

  clock(): ClockRow[] {
    const rows = this.db.prepare('SELECT node, offset_seconds, reference, samples FROM flow_clock ORDER BY node').all() as Array<
      Record<string, unknown>
    >;
    return rows.map((r) => ({
      node: r.node as string,
      offsetSeconds: r.offset_seconds as number,
      reference: r.reference as string,
      samples: r.samples as number,
    }));
  }
}

function flowRow(r: Record<string, unknown>): StoredFlowRow {
  return {
    id: r.id as number,
    proto: r.proto as number,
    original: { src: r.orig_src as string, sport: r.orig_sport as number | null, dst: r.orig_dst as string, dport: r.orig_dport as number | null },
    reply: { src: r.reply_src as string, sport: r.reply_sport as number | null, dst: r.reply_dst as string, dport: r.reply_dport as number | null },
    nat: (r.nat as string) === '' ? [] : (r.nat as string).split(','),
    service: r.service as string | null,
    evidence: r.evidence as string,
    firstSeen: r.first_seen as number | null,
    lastSeen: r.last_seen as number | null,
    packets: r.packets as number,
    tcp: r.tcp as string | null,
    hops: r.hops as string,
    links: r.links as string,
    timeline: r.timeline as string,
    conntrack: r.conntrack as string,
  };
}

function flowPacketRow(r: Record<string, unknown>): FlowPacketRow {
  return {
    flowId: r.flow_id as number,
    atSec: r.at_sec as number,
    atNsec: r.at_nsec as number,
    captureId: r.capture_id as number,
    frame: r.frame as number,
    tsSec: r.ts_sec as number,
    tsNsec: r.ts_nsec as number,
    node: r.node as string,
    iface: r.iface as string | null,
    netns: r.netns as string | null,
    sourceFile: r.source_file as string,
    command: r.command as string | null,
    kind: r.kind as CaptureKind,
    line: r.line as number | null,
    offset: r.offset as number | null,
    ipProto: r.ip_proto as number | null,
    src: r.src as string | null,
    dst: r.dst as string | null,
    sport: r.sport as number | null,
    dport: r.dport as number | null,
    tcpFlags: r.tcp_flags as number | null,
    seq: r.seq as number | null,
    ack: r.ack as number | null,
    payloadLen: r.payload_len as number | null,
  };
}
