/**
 * The flows use case: stored flows read into the views every face shows (core/views/flows.ts), each
 * packet's interface named and its time aligned. Reads only what stitching stored.
 */
import { FlowStore, type CaptureTwinRow, type FlowOrder, type FlowPacketRow, type StoredFlowRow } from '../model/flow-store';
import { packetCaptureDetail } from '../model/packet-capture-detail';
import type { Store } from '../model/store';
import type { InterfaceRecord } from '../records/records';
import { CaptureInterfaces, captureOrigin } from '../flows/capture-interface';
import { protoName } from '../flows/flow-simulator';
import { isoFromSeconds, isoTime, packetSource, tcpFlagText } from '../flows/flow-text';
import type { FlowTimeline, TupleView } from '../views/flow-timeline';
import type { ClockRow, FlowLink, FlowView, ObservationHook, ObservationTunnel, ObservationView, TcpEvents } from '../views/flows';
import type { TunnelFrames } from '../model/packet-tunnels';
import { eventBelongsToFlow, flowAddressPairs, observationHook } from '../flows/kernel-trace-match';
import { rulesetPlace } from '../diagnose/evidence';
import { ruleAt, traceChainOf } from '../diagnose/kernel-trace-line';
import type { NodeSnapshot } from '../simulate';
import { loadWorld } from './node-world';

export type { FlowView, ObservationView };



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

  private readonly tunnelsOf = new Map<number, TunnelFrames | null>();

  /** The tunnel a packet came in; captures without tunnels are asked once. */
  private tunnel(p: FlowPacketRow): ObservationTunnel | null {
    let t = this.tunnelsOf.get(p.captureId);
    if (t === undefined) {
      const frames = this.store.packets.tunnelFrames(p.captureId);
      this.tunnelsOf.set(p.captureId, (t = frames.empty ? null : frames));
    }
    return t === null ? null : t.of(p.frame);
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

  /** Null until asked; false for a project without kernel traces (then no flow looks for any). */
  private traced: boolean | null = null;
  private readonly traceSources = new Map<number, { node: string; file: string; netns: string | null }>();

  /** The kernel's trace lines of the flow's packets, in capture and line order. */
  kernelTrace(flow: StoredFlowRow): ObservationView[] {
    this.traced ??= this.store.hasKernelTrace();
    if (!this.traced) return [];
    const out: ObservationView[] = [];
    for (const pair of flowAddressPairs(flow)) {
      for (const e of this.store.kernelTraceBetween(pair.src, pair.dst)) {
        if (!eventBelongsToFlow(flow, e)) continue;
        const where = this.traceSource(e.captureId);
        const packet = { src: e.packet.src ?? '', sport: e.packet.sport, dst: e.packet.dst ?? '', dport: e.packet.dport };
        const { offset, aligned } = this.offset(where.node);
        const { direction, stage } = classify(flow, packet);
        const ms = e.time.iso === null ? null : Date.parse(e.time.iso);
        out.push({
          node: where.node, interface: e.in ?? e.out, source: `${where.file}:${e.line}`, time: e.time.iso, packet, proto: e.packet.proto ?? protoName(flow.proto),
          kind: 'kernel-trace', interfaceFrom: null, timeInferred: false, timeBasis: null, twins: [], netns: where.netns,
          alignedTime: ms === null ? null : isoFromSeconds(ms / 1000 + offset), clockOffset: offset, clockAligned: aligned, direction, stage,
          tcpFlags: e.packet.tcpFlags === null ? null : e.packet.tcpFlags.join(','), seq: null, ack: null, length: e.packet.length,
          captureId: e.captureId, frame: null, tunnel: null, hook: this.withRuleset(where.node, e.packet.family, observationHook(e)), traceTime: { uptime: e.time.uptime, stamp: e.time.stamp },
        });
      }
    }
    return out.sort((a, b) => a.captureId - b.captureId || lineOf(a.source) - lineOf(b.source));
  }

  private world: Map<string, NodeSnapshot> | null = null;

  /** The hook with the node's captured rule (or policy) it names, where the trace line prints none. */
  private withRuleset(nodeName: string, family: 'ipv4' | 'ipv6' | null, hook: ObservationHook): ObservationHook {
    if ((hook.type !== 'rule' && hook.type !== 'policy') || hook.table === null || hook.chain === null) return hook;
    this.world ??= new Map(loadWorld(this.store).map((n) => [n.name, n]));
    const node = this.world.get(nodeName);
    const found = node === undefined ? null : traceChainOf(node, family, hook.table, hook.chain);
    if (node === undefined || found === null) return hook;
    if (hook.type === 'policy') return { ...hook, ruleSource: rulesetPlace(node, found.chain.line, `${hook.table}/${hook.chain}`) };
    const rule = ruleAt(found.chain.rules, hook.rule, hook.ruleText);
    if (rule === null) return hook;
    const ruleSource = rulesetPlace(node, rule.line, hook.table);
    return hook.ruleText === null ? { ...hook, ruleText: rule.text, ruleFrom: 'ruleset', ruleSource } : { ...hook, ruleSource };
  }

  private traceSource(captureId: number): { node: string; file: string; netns: string | null } {
    let s = this.traceSources.get(captureId);
    if (!s) {
      const c = this.store.capture(captureId);
      const node = c === null ? '?' : this.store.listNodes().find((n) => n.id === c.nodeId)?.name ?? '?';
      s = { node, file: c?.sourceFile ?? '?', netns: c?.netns ?? null };
      this.traceSources.set(captureId, s);
    }
    return s;
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
      length: p.payloadLen, captureId: p.captureId, frame: p.frame, tunnel: this.tunnel(p),
    };
  }
}

function lineOf(source: string): number {
  return Number(source.slice(source.lastIndexOf(':') + 1));
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
      tcpFlags: null, seq: null, ack: null, length: null, captureId: 0, frame: null, tunnel: null, reply: c.reply, unreplied: c.unreplied,
    };
  });
}

/** One flow with its observations (packets in aligned-time order, then conntrack listings). */
export function flowDetail(store: Store, id: number, options: { offset?: number; limit?: number } = {}): FlowView | null {
  const fs = new FlowStore(store);
  const flow = fs.flow(id);
  if (!flow) return null;
  const reader = new ObservationReader(store, fs.clock(), fs.captureTwins());
  const rows = options.limit === 0 ? [] : fs.flowPackets(id, options.offset ?? 0, options.limit ?? -1);
  const observations = rows.map((p) => reader.packet(p, flow));
  const timeline = JSON.parse(flow.timeline) as FlowTimeline;
  observations.push(...conntrackObservations(flow, timeline, reader));
  // With the first page of packets only: a later page is more of the packets.
  if ((options.offset ?? 0) === 0) observations.push(...reader.kernelTrace(flow));
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
    observations.push(...reader.kernelTrace(flow));
    return flowView(flow, observations, Math.max(0, flow.packets - rows.length), true);
  }
  // No packets asked for: the flow's packets are not scanned (a scan reads every block its frames span).
  const rows = limit === 0 ? [] : fs.flowPackets(flow.id, 0, limit);
  const observations = rows.map((p) => reader.packet(p, flow));
  observations.push(...conntrackObservations(flow, timeline, reader));
  // Like the packets: none when none were asked for (a page of the flow table).
  if (limit !== 0) observations.push(...reader.kernelTrace(flow));
  return flowView(flow, observations, Math.max(0, flow.packets - rows.length));
}

/**
 * Views of stored flow rows a caller already holds (a scan over many flows): the store's clock and capture
 * twins are read once, not per flow as flowDetail reads them.
 */
export class FlowViewReader {
  private readonly fs: FlowStore;
  private readonly reader: ObservationReader;

  constructor(store: Store) {
    this.fs = new FlowStore(store);
    this.reader = new ObservationReader(store, this.fs.clock(), this.fs.captureTwins());
  }

  /** The flow with its first `packets` packets (as flowDetail with that limit); 0 reads none of them. */
  view(flow: StoredFlowRow, packets: number): FlowView {
    return viewWithObservations(this.fs, this.reader, flow, packets, undefined);
  }
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
