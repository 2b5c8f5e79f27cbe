/**
 * The SQL side of stitched flows (tables added by schema migration 2): flows, their conntrack
 * entries, the packet → flow assignment (per capture and 5-tuple: a flow's packets are its tuples'
 * packets, read from the packet blocks), per-node clock offsets and the "stitched generation" marker
 * that says which set of captures the flows were computed from.
 */
import type { CaptureKind, ConntrackEntry, ConntrackTuple, TunnelKind } from '../records/records';
import { BatchInsert } from './batch-insert';
import { CaptureTupleTable } from './capture-tuple-table';
import { packetCaptureDetail, type PacketCaptureDetail } from './packet-capture-detail';
import type { PacketBlock } from './packet-block';
import type { TunnelFrames, TunnelView } from './packet-tunnels';
import { TupleNames } from './packet-store';
import { formatIpv4 } from '../common/ip';
import { ipProtocolName } from '../common/ip-protocol';
import type { Store } from './store';
import { projectRevision } from './rows/edits';
import type { ClockRow, TimeBasis } from '../views/flows';

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
  detail: PacketCaptureDetail;
}

/** How the times of a capture without dates were placed (see project/flows-twins.ts). */
export type { TimeBasis };

/** What stitching found about one packet capture: copies of another capture's packets, placed times. */
export interface CaptureTwinRow {
  captureId: number;
  packets: number;
  duplicates: number;
  twinOf: number | null;
  shiftSeconds: number | null;
  timeBasis: TimeBasis | null;
}

/** Consecutive frames of a capture that are copies of another capture's packets. */
export interface TwinRunRow {
  captureId: number;
  firstFrame: number;
  lastFrame: number;
  twinOf: number;
}

/** A capture's distinct IP 5-tuple, by tuple id (packet_tuple_blocks). */
export interface CaptureTuple {
  proto: number;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  /** ICMP/ICMPv6 echo identifier when the packets told it (flow-key.ts FlowTuple.echoId); absent otherwise. */
  echoId?: number | null;
}

/** A conntrack tuple's addresses and ports (reused between rows by eachConntrackTuples: copy what is kept). */
export interface ConntrackEnds {
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  /** icmp/icmpv6: the id conntrack keys the connection on. */
  icmp: { id: number } | null;
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

/** What a flow filter reads of a stored flow, and what the list sorts by. */
export type FlowKeyRow = Pick<StoredFlowRow, 'id' | 'proto' | 'original' | 'reply' | 'service' | 'packets' | 'firstSeen'> & {
  /** The tunnels its hops were seen in, when asked for (forEachFlowKey's `tunnels`). */
  tunnels?: Array<{ kind: TunnelKind; vni: number | null }>;
};

export type FlowOrderColumn = 'id' | 'proto' | 'service' | 'packets' | 'first-seen';
export interface FlowOrder {
  column: FlowOrderColumn;
  direction: 'asc' | 'desc';
}

/** ORDER BY of a flow order: nulls last either way, ties in first-seen (id) order. */
function orderBy(order: FlowOrder | undefined): string {
  if (order === undefined || order.column === 'id') return `ORDER BY id ${order?.direction === 'desc' ? 'DESC' : 'ASC'}`;
  const column = { proto: 'proto', service: 'service', packets: 'packets', 'first-seen': 'first_seen' }[order.column];
  return `ORDER BY ${column} IS NULL, ${column} ${order.direction === 'desc' ? 'DESC' : 'ASC'}, id`;
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
  /** '[]' since stitch-3: the timeline holds the hops (this column only doubled the largest part of a flow row). */
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
  /** Set when tsSec was placed by inference (a text capture without dates); tsSec already includes it. */
  timeBasis: TimeBasis | null;
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

/** Where a packet of a flow is, with its aligned time: enough to build its row later. */
interface PacketRef {
  atSec: number;
  atNsec: number;
  captureId: number;
  frame: number;
  blockId: number;
  slot: number;
}

export type { ClockRow };

const CONNTRACK_SELECT = `SELECT k.*, c.node_id, n.name AS node, c.source_file, c.taken_at FROM conntrack k
  JOIN captures c ON c.id = k.capture_id JOIN nodes n ON n.id = c.node_id`;

function conntrackTuple(r: Record<string, unknown>, side: 'orig' | 'reply'): ConntrackTuple {
  return {
    src: r[`${side}_src`] as string,
    dst: r[`${side}_dst`] as string,
    sport: r[`${side}_sport`] as number | null,
    dport: r[`${side}_dport`] as number | null,
    icmp: r[`${side}_icmp`] === null ? null : (JSON.parse(r[`${side}_icmp`] as string) as ConntrackTuple['icmp']),
    packets: r[`${side}_packets`] as number | null,
    bytes: r[`${side}_bytes`] as number | null,
  };
}

function conntrackRow(r: Record<string, unknown>): ConntrackRow {
  return {
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
      original: conntrackTuple(r, 'orig'),
      reply: conntrackTuple(r, 'reply'),
      unreplied: r.unreplied === 1,
      assured: r.assured === 1,
      mark: r.mark as number | null,
      zone: r.zone as number | null,
      use: r.use_count as number | null,
      flags: (r.flags as string) === '' ? [] : (r.flags as string).split(','),
      line: r.line as number,
    },
  };
}

const FLOW_COLUMNS = [
  'id', 'proto', 'orig_src', 'orig_sport', 'orig_dst', 'orig_dport', 'reply_src', 'reply_sport', 'reply_dst', 'reply_dport',
  'nat', 'service', 'evidence', 'first_seen', 'last_seen', 'packets', 'tcp', 'hops', 'links', 'timeline', 'conntrack',
] as const;

const FLOW_SELECT = `SELECT id, proto, orig_src, orig_sport, orig_dst, orig_dport, reply_src, reply_sport, reply_dst, reply_dport,
  nat, service, evidence, first_seen, last_seen, packets, tcp, hops, links, timeline, conntrack FROM flows`;

/** The captures and tuples of a flow, with what names their packets (the tuples themselves are read from their blocks). */
const FLOW_TUPLE_SELECT = `SELECT ft.capture_id, ft.tuple_id, n.name AS node, c.netns, c.source_file, c.command, c.kind
  FROM flow_tuples ft
  JOIN captures c ON c.id = ft.capture_id
  JOIN nodes n ON n.id = c.node_id
  WHERE ft.flow_id = ?`;

interface FlowTupleRow {
  capture_id: number;
  tuple_id: number;
  node: string;
  netns: string | null;
  source_file: string;
  command: string | null;
  kind: CaptureKind;
}

interface FlowTuple extends FlowTupleRow {
  ip_proto: number | null;
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
  first_frame: number | null;
  last_frame: number | null;
}

export interface FlowWriter {
  addFlow(row: NewFlowRow): void;
  linkConntrack(flowId: number, conntrackId: number): void;
  /** Every packet of this capture with this tuple belongs to the flow. */
  linkTuple(captureId: number, tupleId: number, flowId: number): void;
  setClock(rows: readonly ClockRow[]): void;
  setTwins(captures: readonly CaptureTwinRow[], runs: readonly TwinRunRow[]): void;
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

  /** Changes whenever a capture is added or removed, or an interface is chosen for one: flows are recomputed only then. */
  captureGeneration(): string {
    const row = this.db
      .prepare('SELECT count(*) AS n, ifnull(max(id), 0) AS top, ifnull(sum(records), 0) AS records FROM captures')
      .get() as { n: number; top: number; records: number };
    const chosen = this.db
      .prepare(
        `SELECT group_concat(id || '=' || iface, ',') AS chosen FROM (
           SELECT id, json_extract(detail, '$.chosenInterface') AS iface FROM captures
           WHERE kind IN ('pcap', 'tcpdump-text') AND json_valid(detail) ORDER BY id
         ) WHERE iface IS NOT NULL`,
      )
      .get() as { chosen: string | null };
    const revision = projectRevision(this.db);
    return `${row.n}:${row.top}:${row.records}${chosen.chosen === null ? '' : `|${chosen.chosen}`}${revision === 0 ? '' : `|r${revision}`}`;
  }

  /** Stores `detail` as the capture's detail JSON; false when there is no such capture. */
  setCaptureDetail(captureId: number, detail: string): boolean {
    return this.db.prepare('UPDATE captures SET detail = ? WHERE id = ?').run(detail, captureId).changes === 1;
  }

  packetCaptures(): PacketCaptureRow[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.node_id, n.name AS node, c.kind, c.source_file, c.first_line, c.command, c.netns, c.detail
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
      detail: packetCaptureDetail(r.detail as string | null),
    }));
  }

  /**
   * The capture's IP 5-tuples (ARP and other non-IP frames have none). `addresses`, when given, shares
   * one string per address among many tuples (and captures).
   */
  captureTuples(captureId: number, addresses?: Map<string, string>): Map<number, CaptureTuple> {
    const out = new Map<number, CaptureTuple>();
    const shared = (a: string): string => {
      if (!addresses) return a;
      const known = addresses.get(a);
      if (known !== undefined) return known;
      addresses.set(a, a);
      return a;
    };
    // IPv4 numbers → their (shared) text, so each address is formatted once per capture.
    const names = new Map<number, string>();
    const named = (n: number): string => {
      let s = names.get(n);
      if (s === undefined) names.set(n, (s = shared(formatIpv4(n))));
      return s;
    };
    for (const b of this.store.packets.tupleBlocks(captureId)) {
      for (let i = 0; i < b.count; i++) {
        const proto = b.ipProto(i);
        if (proto === null) continue;
        const v4 = b.isV4(i);
        const t: CaptureTuple = {
          proto,
          src: v4 ? named(b.srcV4(i)) : shared(b.src(i)),
          sport: b.sport(i),
          dst: v4 ? named(b.dstV4(i)) : shared(b.dst(i)),
          dport: b.dport(i),
        };
        const echo = b.echoId(i);
        if (echo !== null) t.echoId = echo;
        out.set(b.id(i), t);
      }
    }
    return out;
  }

  /** The capture's IP 5-tuples as their stored blocks, made into objects when asked (see CaptureTupleTable). */
  captureTupleTable(captureId: number, addresses: Map<string, string>, names: Map<number, string>): CaptureTupleTable {
    return new CaptureTupleTable([...this.store.packets.tupleBlocks(captureId)], addresses, names);
  }

  conntrackCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM conntrack').get() as { n: number }).n;
  }

  conntrackRows(): ConntrackRow[] {
    const out: ConntrackRow[] = [];
    this.eachConntrackRow((row) => out.push(row));
    return out;
  }

  /** Every conntrack entry in id order, one row at a time (a stitch keeps what it needs of each, not the rows). */
  eachConntrackRow(visit: (row: ConntrackRow) => void): void {
    const rows = this.db.prepare(`${CONNTRACK_SELECT} ORDER BY k.id`).iterate() as IterableIterator<Record<string, unknown>>;
    for (const r of rows) visit(conntrackRow(r));
  }

  /**
   * Every conntrack entry's id, node, listing time and tuples (addresses and ports), in id order, one row at a
   * time and no object per row: what a stitch keeps of an entry. Each node name is one shared string.
   */
  eachConntrackTuples(
    visit: (id: number, node: string, takenAt: string | null, proto: number, orig: ConntrackEnds, reply: ConntrackEnds) => void,
  ): void {
    const rows = this.db.prepare(
      `SELECT k.id, n.name, c.taken_at, k.proto_number, k.orig_src, k.orig_sport, k.orig_dst, k.orig_dport,
         k.reply_src, k.reply_sport, k.reply_dst, k.reply_dport, json_extract(k.orig_icmp, '$.id'), json_extract(k.reply_icmp, '$.id')
       FROM conntrack k JOIN captures c ON c.id = k.capture_id JOIN nodes n ON n.id = c.node_id ORDER BY k.id`,
    ).raw(true).iterate() as IterableIterator<[
      number, string, string | null, number, string, number | null, string, number | null, string, number | null, string, number | null,
      number | null, number | null,
    ]>;
    const names = new Map<string, string>();
    const orig: ConntrackEnds = { src: '', sport: null, dst: '', dport: null, icmp: null };
    const reply: ConntrackEnds = { src: '', sport: null, dst: '', dport: null, icmp: null };
    for (const r of rows) {
      let node = names.get(r[1]);
      if (node === undefined) names.set(r[1], (node = r[1]));
      orig.src = r[4]; orig.sport = r[5]; orig.dst = r[6]; orig.dport = r[7];
      reply.src = r[8]; reply.sport = r[9]; reply.dst = r[10]; reply.dport = r[11];
      orig.icmp = r[12] === null ? null : { id: r[12] };
      reply.icmp = r[13] === null ? null : { id: r[13] };
      visit(r[0], node, r[2], r[3], orig, reply);
    }
  }

  /**
   * Finds, per node, protocol (its name, as flows show it) and original addresses, the first answered entry whose source the kernel
   * rewrote (SNAT, MASQUERADE): another connection of the same two hosts that did get NATed. The answered,
   * rewritten entries' keys are read in one pass when first asked; an entry itself when found.
   */
  snatAnsweredFinder(): (node: string, proto: string, src: string, dst: string) => ConntrackRow | undefined {
    let byKey: Map<string, number> | null = null;
    const read = this.conntrackReader();
    return (node, proto, src, dst) => {
      if (byKey === null) {
        byKey = new Map();
        const rows = this.db.prepare(
          `SELECT k.id, n.name, k.proto_number, k.orig_src, k.orig_dst FROM conntrack k
             JOIN captures c ON c.id = k.capture_id JOIN nodes n ON n.id = c.node_id
           WHERE k.unreplied = 0 AND (k.reply_dst <> k.orig_src OR k.reply_dport IS NOT k.orig_sport) ORDER BY k.id`,
        ).raw(true).iterate() as IterableIterator<[number, string, number, string, string]>;
        for (const [id, n, proto, s, d] of rows) {
          const key = `${n}|${ipProtocolName(proto)}|${s}|${d}`;
          if (!byKey.has(key)) byKey.set(key, id);
        }
      }
      const id = byKey.get(`${node}|${proto}|${src}|${dst}`);
      return id === undefined ? undefined : read(id);
    };
  }

  /**
   * One conntrack entry by id, read again (a stitch keeps an entry's id and tuples, and reads the rest when its
   * flow is written). The returned reader's statement is prepared once.
   */
  conntrackReader(): (id: number) => ConntrackRow | undefined {
    const one = this.db.prepare(`${CONNTRACK_SELECT} WHERE k.id = ?`);
    return (id) => {
      const r = one.get(id) as Record<string, unknown> | undefined;
      return r === undefined ? undefined : conntrackRow(r);
    };
  }

  /**
   * Replaces every stored flow inside one transaction: `fill` writes through the writer (it may
   * read packets meanwhile); the generation marker is set last.
   */
  replaceFlows(generation: string, fill: (writer: FlowWriter) => void): void {
    // Flow rows are appended, never revisited (the import's large cache is for its indexes).
    this.store.withPageCache(8192, () => this.writeFlows(generation, fill));
  }

  private writeFlows(generation: string, fill: (writer: FlowWriter) => void): void {
    this.store.transaction(() => {
      for (const table of ['flow_tuples', 'flow_conntrack', 'flows', 'flow_clock', 'capture_twins', 'packet_twin_runs']) this.db.exec(`DELETE FROM ${table}`);
      const tuples = new BatchInsert(this.db, 'flow_tuples', ['capture_id', 'tuple_id', 'flow_id'], 256);
      const flows = new BatchInsert(this.db, 'flows', FLOW_COLUMNS, 32);
      const links = new BatchInsert(this.db, 'flow_conntrack', ['flow_id', 'conntrack_id'], 256);
      const db = this.db;
      const clock = this.db.prepare('INSERT INTO flow_clock (node, offset_seconds, reference, samples) VALUES (?, ?, ?, ?)');
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
        setClock(rows) {
          for (const r of rows) clock.run(r.node, r.offsetSeconds, r.reference, r.samples);
        },
        setTwins(captures, runs) {
          const capture = db.prepare(
            'INSERT INTO capture_twins (capture_id, packets, duplicates, twin_of, shift_seconds, time_basis) VALUES (?, ?, ?, ?, ?, ?)',
          );
          for (const c of captures) capture.run(c.captureId, c.packets, c.duplicates, c.twinOf, c.shiftSeconds, c.timeBasis);
          const run = new BatchInsert(db, 'packet_twin_runs', ['capture_id', 'first_frame', 'last_frame', 'twin_of'], 256);
          for (const r of runs) run.add([r.captureId, r.firstFrame, r.lastFrame, r.twinOf]);
          run.flush();
        },
        flush() {
          flows.flush();
          links.flush();
          tuples.flush();
        },
      });
      flows.flush();
      links.flush();
      tuples.flush();
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

  /** Flows by id (= first time seen), or in `order`, a page at a time. */
  flows(offset = 0, limit = -1, order?: FlowOrder): StoredFlowRow[] {
    const rows = this.db.prepare(`${FLOW_SELECT} ${orderBy(order)} LIMIT ? OFFSET ?`).all(limit, offset) as Array<Record<string, unknown>>;
    return rows.map(flowRow);
  }

  /** Up to `limit` flows of id above `afterId`, in id order: a scan over every flow pages by id, not by an OFFSET SQLite walks again each page. */
  flowsAfter(afterId: number, limit: number): StoredFlowRow[] {
    const rows = this.db.prepare(`${FLOW_SELECT} WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit) as Array<Record<string, unknown>>;
    return rows.map(flowRow);
  }

  /**
   * Every flow's protocol, tuples and service in id order, streamed: what a flow filter reads, without the JSON columns.
   * `tunnels`: also the tunnels its timeline's hops were seen in (SQLite reads them out of the timeline of a flow that has any).
   */
  forEachFlowKey(each: (key: FlowKeyRow) => void, options: { tunnels?: boolean } = {}): void {
    const tunnels = options.tunnels === true
      ? `, CASE WHEN instr(timeline, '"tunnel":{') > 0 THEN (
           SELECT json_group_array(json_object('kind', json_extract(h.value, '$.tunnel.kind'), 'vni', json_extract(h.value, '$.tunnel.vni')))
             FROM json_each(timeline, '$.hops') h WHERE json_extract(h.value, '$.tunnel.kind') IS NOT NULL) END`
      : '';
    const rows = this.db.prepare(
      `SELECT id, proto, orig_src, orig_sport, orig_dst, orig_dport, reply_src, reply_sport, reply_dst, reply_dport, service, packets, first_seen${tunnels} FROM flows ORDER BY id`,
    ).raw(true);
    for (const r of rows.iterate() as IterableIterator<unknown[]>) {
      const seen = options.tunnels === true ? { tunnels: r[13] === null ? [] : (JSON.parse(r[13] as string) as NonNullable<FlowKeyRow['tunnels']>) } : {};
      each({
        ...seen,
        id: r[0] as number,
        proto: r[1] as number,
        original: { src: r[2] as string, sport: r[3] as number | null, dst: r[4] as string, dport: r[5] as number | null },
        reply: { src: r[6] as string, sport: r[7] as number | null, dst: r[8] as string, dport: r[9] as number | null },
        service: r[10] as string | null,
        packets: r[11] as number,
        firstSeen: r[12] as number | null,
      });
    }
  }

  /** The flows of `ids` (at most a page), in the order of `ids`. */
  flowsByIds(ids: readonly number[]): StoredFlowRow[] {
    if (ids.length === 0) return [];
    const rows = this.db.prepare(`${FLOW_SELECT} WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as Array<Record<string, unknown>>;
    const byId = new Map(rows.map((r) => [r.id as number, flowRow(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  flow(id: number): StoredFlowRow | null {
    const row = this.db.prepare(`${FLOW_SELECT} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    return row ? flowRow(row) : null;
  }

  /**
   * A flow's packets in aligned-time order (then capture, frame), a page at a time. They are its tuples'
   * packets: the blocks that hold those tuples are read, only numbers are kept for the sort, and only the
   * page's packets are built into rows.
   */
  flowPackets(flowId: number, offset = 0, limit = -1): FlowPacketRow[] {
    // One entry per packet: aligned sec, aligned nsec, capture, frame, block id, slot.
    const found: Array<[number, number, number, number, number, number]> = [];
    const scan = this.scanFlowPackets(flowId, (atSec, atNsec, captureId, frame, blockId, slot) => {
      found.push([atSec, atNsec, captureId, frame, blockId, slot]);
    });
    if (scan === null) return [];
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
    const page = found.slice(offset, limit < 0 ? undefined : offset + limit);
    return page.map(([atSec, atNsec, captureId, , blockId, slot]) => scan.row(atSec, atNsec, captureId, blockId, slot));
  }

  /**
   * A flow's packets summarised per capture point (capture, interface as the packet names it, tunnel, 5-tuple): the
   * first and the last packet seen there (one when only one was), each with the point's packet count, in
   * aligned-time order. Memory per point, not per packet: what a flow of a million packets lists by default.
   */
  flowPacketSummary(flowId: number): Array<FlowPacketRow & { pointPackets: number; position: 'first' | 'last' }> {
    interface Point { count: number; first: PacketRef; last: PacketRef }
    const points = new Map<string, Point>();
    const before = (a: PacketRef, b: PacketRef): boolean => a.atSec < b.atSec || (a.atSec === b.atSec && (a.atNsec < b.atNsec || (a.atNsec === b.atNsec && a.frame < b.frame)));
    // A packet seen inside a tunnel and the same packet as it is (an `-i any` capture) are two points, as they are two hops.
    const tunnels = new Map<number, TunnelFrames | null>();
    const tunnelIds = new Map<TunnelView, number>();
    const tunnelOf = (captureId: number, frame: number): number => {
      let frames = tunnels.get(captureId);
      if (frames === undefined) {
        const read = this.store.packets.tunnelFrames(captureId);
        tunnels.set(captureId, (frames = read.empty ? null : read));
      }
      const t = frames === null ? null : frames.of(frame);
      if (t === null) return 0;
      let id = tunnelIds.get(t);
      if (id === undefined) tunnelIds.set(t, (id = tunnelIds.size + 1));
      return id;
    };
    const scan = this.scanFlowPackets(flowId, (atSec, atNsec, captureId, frame, blockId, slot, b) => {
      const key = `${captureId}|${b.tupleId(slot)}|${b.iface(slot) ?? ''}|${tunnelOf(captureId, frame)}`;
      const ref = { atSec, atNsec, captureId, frame, blockId, slot };
      const point = points.get(key);
      if (point === undefined) {
        points.set(key, { count: 1, first: ref, last: ref });
        return;
      }
      point.count++;
      if (before(ref, point.first)) point.first = ref;
      if (before(point.last, ref)) point.last = ref;
    });
    if (scan === null) return [];
    const refs: Array<{ ref: PacketRef; count: number; position: 'first' | 'last' }> = [];
    for (const p of points.values()) {
      refs.push({ ref: p.first, count: p.count, position: 'first' });
      if (p.last !== p.first) refs.push({ ref: p.last, count: p.count, position: 'last' });
    }
    refs.sort((x, y) => (before(x.ref, y.ref) ? -1 : before(y.ref, x.ref) ? 1 : x.ref.captureId - y.ref.captureId));
    return refs.map(({ ref, count, position }) => ({
      ...scan.row(ref.atSec, ref.atNsec, ref.captureId, ref.blockId, ref.slot), pointPackets: count, position,
    }));
  }

  /**
   * Visits every packet of a flow (copies of a twin's packets left out) with its aligned time, unordered; returns
   * what builds a visited packet's row, or null when the flow has no packets.
   */
  private scanFlowPackets(
    flowId: number,
    visit: (atSec: number, atNsec: number, captureId: number, frame: number, blockId: number, slot: number, block: PacketBlock) => void,
  ): { row: (atSec: number, atNsec: number, captureId: number, blockId: number, slot: number) => FlowPacketRow } | null {
    const names = new TupleNames(this.store.packets);
    const tuples: FlowTuple[] = [];
    for (const row of this.db.prepare(FLOW_TUPLE_SELECT).all(flowId) as FlowTupleRow[]) {
      const t = names.of(row.tuple_id);
      if (t === null) continue;
      tuples.push({
        ...row, ip_proto: t.ipProto, src: t.src, dst: t.dst, sport: t.sport, dport: t.dport, first_frame: t.firstFrame, last_frame: t.lastFrame,
      });
    }
    if (tuples.length === 0) return null;
    const offsets = new Map(this.clock().map((c) => [c.node, splitOffset(c.offsetSeconds)]));
    const byCapture = new Map<number, FlowTuple[]>();
    for (const t of tuples) {
      const list = byCapture.get(t.capture_id);
      if (list) list.push(t);
      else byCapture.set(t.capture_id, [t]);
    }
    const packets = this.store.packets;
    const twins = new Map(this.captureTwins([...byCapture.keys()]).map((c) => [c.captureId, c]));
    for (const [captureId, list] of byCapture) {
      const ids = new Set(list.map((t) => t.tuple_id));
      const twin = twins.get(captureId);
      // A capture wholly made of copies of another's packets adds no sighting.
      if (twin !== undefined && twin.packets > 0 && twin.duplicates === twin.packets) continue;
      const copied = twin !== undefined && twin.duplicates > 0 ? this.twinRuns(captureId) : [];
      const shift = twin?.shiftSeconds ?? 0;
      const [offSec0, offNsec] = offsets.get(list[0]!.node) ?? [0, 0];
      const offSec = offSec0 + shift;
      let from = Infinity;
      let to = -Infinity;
      for (const t of list) {
        if (t.first_frame !== null && t.first_frame < from) from = t.first_frame;
        if (t.last_frame !== null && t.last_frame > to) to = t.last_frame;
      }
      if (from > to) continue;
      for (const meta of packets.blocks(captureId, from, to)) {
        const b = packets.blockWithAnyTuple(meta.id, ids);
        if (b === null) continue;
        for (let i = 0; i < b.count; i++) {
          if (!ids.has(b.tupleId(i))) continue;
          if (copied.length > 0 && inRuns(copied, b.frame(i))) continue;
          let atNsec = b.tsNsec(i) + offNsec;
          let atSec = b.tsSec(i) + offSec;
          if (atNsec >= 1e9) {
            atNsec -= 1e9;
            atSec++;
          }
          visit(atSec, atNsec, captureId, b.frame(i), meta.id, i, b);
        }
      }
    }
    const tupleOf = new Map(tuples.map((t) => [`${t.capture_id}|${t.tuple_id}`, t]));
    const blocks = new Map<number, PacketBlock>();
    return {
      row: (atSec, atNsec, captureId, blockId, slot) => {
        let b = blocks.get(blockId);
        if (b === undefined) blocks.set(blockId, (b = packets.block(blockId)));
        const t = tupleOf.get(`${captureId}|${b.tupleId(slot)}`)!;
        const twin = twins.get(captureId);
        return {
          flowId, atSec, atNsec, captureId, frame: b.frame(slot), tsSec: b.tsSec(slot) + (twin?.shiftSeconds ?? 0), tsNsec: b.tsNsec(slot), node: t.node,
          iface: b.iface(slot), netns: t.netns, sourceFile: t.source_file, command: t.command, kind: t.kind, timeBasis: twin?.timeBasis ?? null, line: b.line(slot), offset: b.offset(slot),
          ipProto: t.ip_proto, src: t.src, dst: t.dst, sport: t.sport, dport: t.dport, tcpFlags: b.tcpFlags(slot), seq: b.seq(slot),
          ack: b.ack(slot), payloadLen: b.payloadLen(slot),
        };
      },
    };
  }

  /** A flow's packets in aligned-time order, a page at a time underneath. */
  *iterateFlowPackets(flowId: number, page = 10_000): Generator<FlowPacketRow> {
    for (let offset = 0; ; offset += page) {
      const rows = this.flowPackets(flowId, offset, page);
      yield* rows;
      if (rows.length < page) return;
    }
  }

  /** The flow a stored packet was assigned to, or null. */
  flowOfPacket(captureId: number, frame: number): number | null {
    const packets = this.store.packets;
    for (const meta of packets.blocks(captureId, frame, frame)) {
      const b = packets.block(meta.id);
      for (let i = 0; i < b.count; i++) {
        if (b.frame(i) !== frame) continue;
        const row = this.db.prepare('SELECT flow_id FROM flow_tuples WHERE capture_id = ? AND tuple_id = ?').pluck().get(captureId, b.tupleId(i)) as
          | number
          | undefined;
        return row ?? null;
      }
    }
    return null;
  }

  conntrackOfFlow(flowId: number): number[] {
    return (this.db.prepare('SELECT conntrack_id FROM flow_conntrack WHERE flow_id = ? ORDER BY conntrack_id').pluck().all(flowId) as number[]);
  }

  /** What stitching found about packet captures (all of them, or those named): copies and placed times. */
  captureTwins(captureIds?: readonly number[]): CaptureTwinRow[] {
    const sql = 'SELECT capture_id, packets, duplicates, twin_of, shift_seconds, time_basis FROM capture_twins';
    const rows = (captureIds === undefined
      ? this.db.prepare(`${sql} ORDER BY capture_id`).all()
      : captureIds.length === 0
        ? []
        : this.db.prepare(`${sql} WHERE capture_id IN (${captureIds.map(() => '?').join(',')}) ORDER BY capture_id`).all(...captureIds)) as Array<
      Record<string, unknown>
    >;
    return rows.map((r) => ({
      captureId: r.capture_id as number,
      packets: r.packets as number,
      duplicates: r.duplicates as number,
      twinOf: r.twin_of as number | null,
      shiftSeconds: r.shift_seconds as number | null,
      timeBasis: r.time_basis as TimeBasis | null,
    }));
  }

  /** What `date` printed in a transcript (kept as text, not a capture): its line and output, in line order. */
  dateOutputs(sourceFile: string): Array<{ line: number; text: string }> {
    const rows = this.db
      .prepare('SELECT first_line, command, text FROM text_blocks WHERE source_file = ? AND command IS NOT NULL ORDER BY first_line')
      .raw(true)
      .all(sourceFile) as Array<[number, string, string]>;
    return rows.filter(([, command]) => /^(sudo\s+)?date(\s|$)/.test(command.trim())).map(([line, , text]) => ({ line, text }));
  }

  /** The runs of copied frames of one capture, in frame order. */
  twinRuns(captureId: number): TwinRunRow[] {
    return (this.db
      .prepare('SELECT first_frame, last_frame, twin_of FROM packet_twin_runs WHERE capture_id = ? ORDER BY first_frame')
      .raw(true)
      .all(captureId) as Array<[number, number, number]>).map(([firstFrame, lastFrame, twinOf]) => ({ captureId, firstFrame, lastFrame, twinOf }));
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

/** Whether `frame` lies in one of `runs` (sorted by first frame, not overlapping). */
export function inRuns(runs: readonly TwinRunRow[], frame: number): boolean {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid]!;
    if (frame < r.firstFrame) hi = mid - 1;
    else if (frame > r.lastFrame) lo = mid + 1;
    else return true;
  }
  return false;
}

/** An offset in seconds as whole seconds (floor) and the remaining nanoseconds (0..1e9). */
export function splitOffset(offset: number): [number, number] {
  const sec = Math.floor(offset);
  let nsec = Math.round((offset - sec) * 1e9);
  if (nsec >= 1e9) return [sec + 1, nsec - 1e9];
  if (nsec < 0) nsec = 0;
  return [sec, nsec];
}
