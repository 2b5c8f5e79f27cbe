/**
 * Stored flows as every face shows them: CONTRACT.md's `flows --json` fields (id, proto, original,
 * reply, nat, service, observations ordered by first time seen) and, beside them, the typed
 * transformation timeline, TCP events and clock alignment. Reads only what stitching stored.
 */
import type { FlowLink } from '../correlate/flow-stitch';
import type { TcpEvents } from '../correlate/tcp-timeline';
import { FlowStore, type CaptureTwinRow, type ClockRow, type FlowOrder, type FlowPacketRow, type StoredFlowRow } from '../model/flow-store';
import type { Store } from '../model/store';
import type { InterfaceRecord } from '../records/records';
import { CaptureInterfaces, captureOrigin, type InterfaceBasis } from './capture-interface';
import { packetCaptureDetail } from '../model/packet-capture-detail';
import type { TimeBasis } from '../model/flow-store';
import { packetSource } from './flow-engine';
import { protoName } from './flow-simulator';
import type { FlowTimeline, TupleView } from '../views/flow-timeline';

export interface ObservationView {
  node: string;
  interface: string | null;
  source: string;
  /** ISO-8601 on the capturing node's own clock, as captured (null for a conntrack listing without a time). */
  time: string | null;
  packet: TupleView;
  // ---- beyond the contract ----
  /** The protocol by name (`tcp`, `igmp`, `ipv6-icmp`; a number only when it has none). */
  proto: string;
  kind: 'packet' | 'conntrack';
  /** Where the interface name came from: the packet, the capture command, the capture's file name, or `import --interface`. */
  interfaceFrom: InterfaceBasis | null;
  /** True when the capture printed no date (tcpdump text without -tt/-tttt) and `time` was placed by inference. */
  timeInferred: boolean;
  /** How an inferred time was placed: by a twin capture with dates, the node's other dated captures, or the file's modification time. */
  timeBasis: TimeBasis | null;
  /** Captures that are wholly copies of this packet's capture (its tcpdump text, the file under another name): counted once, here. */
  twins: string[];
  netns: string | null;
  /** `time` moved onto the reference node's clock by `clockOffset` seconds; observations are ordered by it. */
  alignedTime: string | null;
  clockOffset: number;
  /** False when no shared packet tied this node's clock to the reference (offset 0 assumed). */
  clockAligned: boolean;
  direction: 'original' | 'reply' | 'unknown';
  /** For a packet: `pre-NAT`, `post-NAT`, `reply before de-NAT`, `reply after de-NAT`; for conntrack: the reply tuple. */
  stage: string | null;
  tcpFlags: string | null;
  seq: number | null;
  ack: number | null;
  length: number | null;
  captureId: number;
  frame: number | null;
  /**
   * Present when the flow's observations are summarised (FlowView.observationsSummarised): this packet is the first
   * or the last seen at its capture point (node, interface, packet tuple), where `packets` were seen in all.
   */
  point?: { position: 'first' | 'last'; packets: number };
  /** conntrack only: the entry's reply tuple and flags. */
  reply?: TupleView;
  unreplied?: boolean;
}

export interface FlowView {
  id: number;
  proto: string;
  original: TupleView;
  reply: TupleView;
  nat: string[];
  service: string | null;
  observations: ObservationView[];
  // ---- beyond the contract ----
  /** conntrack: an entry ties the tuples; inferred: the simulator or TCP sequence numbers did (not observed); packets: one tuple pair only. */
  evidence: string;
  firstSeen: string | null;
  lastSeen: string | null;
  packets: number;
  /** Observations not listed (the page limit, or the packets between a point's first and last), so the count is never silently short. */
  observationsOmitted: number;
  /** True when `observations` lists each capture point's first and last packet (see ObservationView.point), not every packet. */
  observationsSummarised: boolean;
  tcp: (TcpEvents & { oneSided: boolean; handshakeMs: number | null; durationMs: number | null }) | null;
  timeline: FlowTimeline;
  links: FlowLink[];
}

export interface FlowListOptions {
  offset?: number;
  limit?: number;
  /** Default: first seen first. */
  order?: FlowOrder;
  /** At most this many observations per flow (default: all). */
  observations?: number;
  /** A flow of more packets than this lists each capture point's first and last packet instead (default: never). */
  summariseAbove?: number;
}

/** Nanosecond ISO-8601 (`2026-11-23T22:43:45.667859000Z`) from seconds and nanoseconds. */
export function isoTime(sec: number, nsec: number): string {
  const base = new Date(sec * 1000).toISOString().slice(0, 19);
  return `${base}.${String(nsec).padStart(9, '0')}Z`;
}

export function isoFromSeconds(t: number | null): string | null {
  if (t === null) return null;
  const sec = Math.floor(t);
  return isoTime(sec, Math.min(999_999_999, Math.round((t - sec) * 1e9)));
}

const FLAG_LETTERS: Array<[number, string]> = [[0x02, 'S'], [0x01, 'F'], [0x04, 'R'], [0x08, 'P'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W']];

/** tcpdump's way: `S`, `S.`, `P.`, `.` */
export function tcpFlagText(flags: number | null): string | null {
  if (flags === null) return null;
  let text = '';
  for (const [bit, letter] of FLAG_LETTERS) if (flags & bit) text += letter;
  if (flags & 0x10) text += '.';
  return text || 'none';
}

class ObservationReader {
  private readonly namers = new Map<number, CaptureInterfaces>();
  private readonly clock: Map<string, ClockRow>;
  /** Capture id → the sources of captures whose packets were copies of its own. */
  private readonly twinsOf = new Map<number, string[]>();

  constructor(private readonly store: Store, clock: readonly ClockRow[], twins: readonly CaptureTwinRow[]) {
    this.clock = new Map(clock.map((c) => [c.node, c]));
    for (const t of twins) {
      // A capture wholly made of copies is this one's twin; one sharing a few packets (`-i any` beside `-i cbr0`) is not.
      if (t.twinOf === null || t.packets === 0 || t.duplicates !== t.packets) continue;
      const copy = store.capture(t.captureId);
      if (!copy) continue;
      const list = this.twinsOf.get(t.twinOf) ?? [];
      list.push(copy.kind === 'pcap' || copy.firstLine === null ? copy.sourceFile : `${copy.sourceFile}:${copy.firstLine}`);
      this.twinsOf.set(t.twinOf, list);
    }
  }

  private namer(p: FlowPacketRow): CaptureInterfaces {
    let n = this.namers.get(p.captureId);
    if (!n) {
      const capture = this.store.capture(p.captureId);
      let interfaces: InterfaceRecord[] | null = null;
      if (capture) {
        const addr = this.store.newestCapture(capture.nodeId, ['ip-addr'], capture.netns);
        interfaces = addr ? this.store.interfacesOf(addr.id) : null;
      }
      n = new CaptureInterfaces(captureOrigin(p.sourceFile, p.command, packetCaptureDetail(capture?.detail ?? null)), interfaces);
      this.namers.set(p.captureId, n);
    }
    return n;
  }

  offset(node: string): { offset: number; aligned: boolean } {
    const c = this.clock.get(node);
    return c ? { offset: c.offsetSeconds, aligned: true } : { offset: 0, aligned: false };
  }

  pointPacket(p: FlowPacketRow & { pointPackets: number; position: 'first' | 'last' }, flow: StoredFlowRow): ObservationView {
    return { ...this.packet(p, flow), point: { position: p.position, packets: p.pointPackets } };
  }

  packet(p: FlowPacketRow, flow: StoredFlowRow): ObservationView {
    const naming = this.namer(p).of(p.iface);
    const { offset, aligned } = this.offset(p.node);
    const packet = { src: p.src ?? '', sport: p.sport, dst: p.dst ?? '', dport: p.dport };
    const { direction, stage } = classify(flow, packet);
    return {
      node: p.node, interface: naming.name, source: packetSource(p, p.frame, p.line), time: isoTime(p.tsSec, p.tsNsec), packet,
      proto: protoName(p.ipProto ?? flow.proto), kind: 'packet', interfaceFrom: naming.from, timeInferred: p.timeBasis !== null, timeBasis: p.timeBasis,
      twins: this.twinsOf.get(p.captureId) ?? [], netns: p.netns, alignedTime: isoTime(p.atSec, p.atNsec), clockOffset: offset,
      clockAligned: aligned, direction, stage, tcpFlags: p.ipProto === 6 ? tcpFlagText(p.tcpFlags) : null, seq: p.seq, ack: p.ack,
      length: p.payloadLen, captureId: p.captureId, frame: p.frame,
    };
  }
}

function classify(flow: StoredFlowRow, t: TupleView): { direction: ObservationView['direction']; stage: string | null } {
  const o = flow.original;
  const r = flow.reply;
  const is = (a: string, ap: number | null, b: string, bp: number | null): boolean => a === b && ap === bp;
  const clientAsSeen = { addr: r.dst, port: r.dport };
  if (is(t.src, t.sport, o.src, o.sport) || is(t.src, t.sport, clientAsSeen.addr, clientAsSeen.port)) {
    const pre = is(t.src, t.sport, o.src, o.sport) && is(t.dst, t.dport, o.dst, o.dport);
    return { direction: 'original', stage: pre ? 'pre-NAT' : 'post-NAT' };
  }
  if (is(t.dst, t.dport, o.src, o.sport) || is(t.dst, t.dport, clientAsSeen.addr, clientAsSeen.port)) {
    const after = is(t.dst, t.dport, o.src, o.sport) && is(t.src, t.sport, o.dst, o.dport);
    return { direction: 'reply', stage: after ? 'reply after de-NAT' : 'reply before de-NAT' };
  }
  return { direction: 'unknown', stage: null };
}

function flowView(flow: StoredFlowRow, observations: ObservationView[], omitted: number, summarised = false): FlowView {
  const tcp = flow.tcp === null ? null : (JSON.parse(flow.tcp) as TcpEvents & { oneSided: boolean });
  const ms = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round((b - a) * 1e6) / 1e3);
  return {
    id: flow.id,
    proto: protoName(flow.proto),
    original: flow.original,
    reply: flow.reply,
    nat: flow.nat,
    service: flow.service,
    observations,
    evidence: flow.evidence,
    firstSeen: isoFromSeconds(flow.firstSeen),
    lastSeen: isoFromSeconds(flow.lastSeen),
    packets: flow.packets,
    observationsOmitted: omitted,
    observationsSummarised: summarised,
    tcp: tcp && { ...tcp, handshakeMs: ms(tcp.synAt, tcp.establishedAt ?? tcp.synAckAt), durationMs: ms(tcp.synAt, tcp.finAt ?? tcp.rstAt) },
    timeline: JSON.parse(flow.timeline) as FlowTimeline,
    links: JSON.parse(flow.links) as FlowLink[],
  };
}

function conntrackObservations(flow: StoredFlowRow, timeline: FlowTimeline, reader: ObservationReader): ObservationView[] {
  const stored = JSON.parse(flow.conntrack) as Array<{ time?: number | null }>;
  return timeline.conntrack.map((c, i) => {
    const { offset, aligned } = reader.offset(c.node);
    const time = stored[i]?.time ?? null;
    return {
      node: c.node, interface: null, source: c.source, time: isoFromSeconds(time), packet: c.original, proto: protoName(flow.proto), kind: 'conntrack' as const,
      interfaceFrom: null, timeInferred: false, timeBasis: null, twins: [], netns: null, alignedTime: time === null ? null : isoFromSeconds(time + offset),
      clockOffset: offset, clockAligned: aligned, direction: 'original' as const, stage: `conntrack ${c.state ?? ''}`.trim(),
      tcpFlags: null, seq: null, ack: null, length: null, captureId: 0, frame: null, reply: c.reply, unreplied: c.unreplied,
    };
  });
}

/** One flow with its observations (packets in aligned-time order, then conntrack listings). */
export function flowDetail(store: Store, id: number, options: { offset?: number; limit?: number } = {}): FlowView | null {
  const fs = new FlowStore(store);
  const flow = fs.flow(id);
  if (!flow) return null;
  const reader = new ObservationReader(store, fs.clock(), fs.captureTwins());
  const rows = fs.flowPackets(id, options.offset ?? 0, options.limit ?? -1);
  const observations = rows.map((p) => reader.packet(p, flow));
  const timeline = JSON.parse(flow.timeline) as FlowTimeline;
  observations.push(...conntrackObservations(flow, timeline, reader));
  return flowView(flow, observations, Math.max(0, flow.packets - rows.length - (options.offset ?? 0)));
}

/** Flows in first-seen order, each with its observations; streams flow by flow through `each`. */
export function forEachFlowView(store: Store, each: (flow: FlowView) => void, options: FlowListOptions = {}): void {
  for (const flow of flowViews(store, options)) each(flow);
}

/** Flows in first-seen order (or `order`), each with its observations, read a page at a time as they are taken. */
export function* flowViews(store: Store, options: FlowListOptions = {}): Generator<FlowView> {
  const fs = new FlowStore(store);
  const reader = new ObservationReader(store, fs.clock(), fs.captureTwins());
  const page = 500;
  let offset = options.offset ?? 0;
  let left = options.limit ?? Infinity;
  while (left > 0) {
    const flows = fs.flows(offset, Math.min(page, left), options.order);
    if (flows.length === 0) return;
    for (const flow of flows) yield viewWithObservations(fs, reader, flow, options.observations ?? -1, options.summariseAbove);
    offset += flows.length;
    left -= flows.length;
  }
}

/** The flows of `ids` (a page, as a filter chose them) in the order of `ids`, each with at most `observations` packets. */
export function flowViewsByIds(store: Store, ids: readonly number[], observations = 0, summariseAbove?: number): FlowView[] {
  const fs = new FlowStore(store);
  const reader = new ObservationReader(store, fs.clock(), fs.captureTwins());
  return fs.flowsByIds(ids).map((flow) => viewWithObservations(fs, reader, flow, observations, summariseAbove));
}

/** A flow with its first `limit` packets (all: -1), or, above `summariseAbove` packets, each capture point's first and last. */
function viewWithObservations(fs: FlowStore, reader: ObservationReader, flow: StoredFlowRow, limit: number, summariseAbove: number | undefined): FlowView {
  const timeline = JSON.parse(flow.timeline) as FlowTimeline;
  if (summariseAbove !== undefined && flow.packets > summariseAbove) {
    const rows = fs.flowPacketSummary(flow.id);
    const observations = rows.map((p) => reader.pointPacket(p, flow));
    observations.push(...conntrackObservations(flow, timeline, reader));
    return flowView(flow, observations, Math.max(0, flow.packets - rows.length), true);
  }
  const rows = fs.flowPackets(flow.id, 0, limit);
  const observations = rows.map((p) => reader.packet(p, flow));
  observations.push(...conntrackObservations(flow, timeline, reader));
  return flowView(flow, observations, Math.max(0, flow.packets - rows.length));
}

export function listFlows(store: Store, options: FlowListOptions = {}): FlowView[] {
  const out: FlowView[] = [];
  forEachFlowView(store, (f) => out.push(f), options);
  return out;
}

export function clockOffsets(store: Store): ClockRow[] {
  return new FlowStore(store).clock();
}

/** What stitching found about each packet capture: copies of another capture's packets, undated times placed. */
export function captureTwins(store: Store): CaptureTwinRow[] {
  return new FlowStore(store).captureTwins();
}
