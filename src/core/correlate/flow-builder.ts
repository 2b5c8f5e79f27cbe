/**
 * Builds NAT-aware flows from conntrack entries and packets in two streaming passes, so a million
 * packets never sit in memory at once:
 *   1. `addConntrack` for every entry, then `notePacket` for every packet (learns which tuples exist);
 *   2. `inferLinks` asks the simulator where each packet-only flow's first packet would be rewritten to,
 *      and ties it to the flow seen with that tuple (marked inferred, not observed);
 *   3. `addPacket` for every packet again: hops, TCP events and clock samples accumulate;
 *   4. `finish` returns flows numbered by first time seen.
 */
import { ClockAligner, type ClockOffset } from './clock-offset';
import { describeStage, stageOf, type SightingDirection, type SightingStage } from './capture-point';
import { FlowStitcher, type ConntrackSighting, type FlowLink, type StitchedFlowCore } from './flow-stitch';
import { pairKey, type FlowTuple, type NatKind } from './flow-key';
import { TcpTimeline, type TcpEvents } from './tcp-timeline';

export interface PacketSighting {
  ref: number;
  node: string;
  iface: string | null;
  /** `file:line` or `file#frame`. */
  source: string;
  /** Seconds since the epoch on the capturing node's clock. */
  time: number;
  tuple: FlowTuple;
  tcpFlags: number | null;
  seq: number | null;
  ack: number | null;
  payloadLen: number | null;
}

export interface ConntrackObservation extends ConntrackSighting {
  source: string;
  /** When the listing was taken, if the capture says. */
  time: number | null;
}

/** Where a packet-only flow's first packet would go, per the simulator: the tuples it predicts downstream. */
export type PredictRewrite = (first: { node: string; iface: string | null; tuple: FlowTuple }) => Array<{ tuple: FlowTuple; reason: string }>;

/** Names the Kubernetes service a client tuple was addressed to, if any. */
export type ServiceOf = (original: FlowTuple, node: string) => string | null;

export interface FlowHop {
  node: string;
  iface: string | null;
  direction: SightingDirection;
  tuple: FlowTuple;
  stage: SightingStage;
  explanation: string;
  firstTime: number;
  lastTime: number;
  packets: number;
}

export interface Flow {
  id: number;
  proto: number;
  original: FlowTuple;
  reply: FlowTuple;
  nat: NatKind[];
  service: string | null;
  evidence: 'conntrack' | 'inferred' | 'packets';
  links: FlowLink[];
  conntrack: Array<{ node: string; source: string; state: string | null; unreplied: boolean; assured: boolean; mark: number | null; ref: number }>;
  firstSeen: number | null;
  lastSeen: number | null;
  packets: number;
  hops: FlowHop[];
  tcp: (TcpEvents & { oneSided: boolean }) | null;
}

interface FirstSighting {
  time: number;
  node: string;
  iface: string | null;
  tuple: FlowTuple;
}

interface Accumulator {
  core: StitchedFlowCore;
  packets: number;
  firstSeen: number | null;
  lastSeen: number | null;
  hops: Map<string, FlowHop>;
  tcp: TcpTimeline | null;
}

export class FlowBuilder {
  private readonly stitcher = new FlowStitcher();
  private readonly conntrackTimes = new Map<number, { source: string; time: number | null }>();
  private readonly firstByKey = new Map<string, FirstSighting>();
  private readonly accumulators = new Map<number, Accumulator>();
  private readonly clock = new ClockAligner();
  private readonly nodes = new Set<string>();

  addConntrack(o: ConntrackObservation): void {
    this.stitcher.addConntrack(o);
    this.conntrackTimes.set(o.ref, { source: o.source, time: o.time });
    this.nodes.add(o.node);
  }

  notePacket(p: PacketSighting): void {
    const { key } = pairKey(p.tuple);
    const seen = this.firstByKey.get(key);
    if (!seen || p.time < seen.time) this.firstByKey.set(key, { time: p.time, node: p.node, iface: p.iface, tuple: p.tuple });
    this.nodes.add(p.node);
  }

  inferLinks(predict: PredictRewrite): void {
    for (const [key, first] of this.firstByKey) {
      const flow = this.stitcher.flowOf(first.tuple);
      if (flow.conntrack.length > 0 || pairKey(flow.original).key !== key) continue;
      for (const { tuple, reason } of predict(first)) {
        const target = pairKey(tuple).key;
        if (target !== key && this.firstByKey.has(target)) this.stitcher.linkInferred(first.tuple, tuple, reason);
      }
    }
  }

  /** Pass 2: returns the provisional id of the packet's flow (stable once inferLinks has run). */
  addPacket(p: PacketSighting): number {
    const core = this.stitcher.resolve(this.stitcher.flowOf(p.tuple));
    let acc = this.accumulators.get(core.provisional);
    if (!acc) {
      acc = { core, packets: 0, firstSeen: null, lastSeen: null, hops: new Map(), tcp: core.proto === 6 ? new TcpTimeline() : null };
      this.accumulators.set(core.provisional, acc);
    }
    acc.packets++;
    if (acc.firstSeen === null || p.time < acc.firstSeen) acc.firstSeen = p.time;
    if (acc.lastSeen === null || p.time > acc.lastSeen) acc.lastSeen = p.time;
    const stage = stageOf(core.original, core.reply, p.tuple);
    const hopKey = `${p.node}|${p.iface ?? ''}|${p.tuple.src}|${p.tuple.sport}|${p.tuple.dst}|${p.tuple.dport}`;
    const hop = acc.hops.get(hopKey);
    if (hop) {
      hop.packets++;
      if (p.time < hop.firstTime) hop.firstTime = p.time;
      if (p.time > hop.lastTime) hop.lastTime = p.time;
    } else {
      acc.hops.set(hopKey, {
        node: p.node, iface: p.iface, direction: stage.direction, tuple: p.tuple, stage,
        explanation: describeStage(stage), firstTime: p.time, lastTime: p.time, packets: 1,
      });
    }
    if (acc.tcp && p.tcpFlags !== null) {
      acc.tcp.add({ time: p.time, flags: p.tcpFlags, seq: p.seq, payloadLen: p.payloadLen, point: `${p.node}|${p.iface ?? ''}`, direction: stage.direction });
      if (stage.direction !== 'unknown')
        this.clock.add(`${core.provisional}|${p.seq}|${p.ack}|${p.tcpFlags}|${p.payloadLen}`, stage.direction, p.node, p.time);
    }
    return core.provisional;
  }

  finish(serviceOf: ServiceOf): { flows: Flow[]; finalId: (provisional: number) => number; clock: ClockOffset[] } {
    const flows: Flow[] = [];
    for (const core of this.stitcher.flows()) {
      const acc = this.accumulators.get(core.provisional);
      const conntrack = core.conntrack.map((c) => ({
        node: c.node, source: this.conntrackTimes.get(c.ref)?.source ?? '', state: c.entry.state,
        unreplied: c.entry.unreplied, assured: c.entry.assured, mark: c.entry.mark, ref: c.ref,
      }));
      const ctTimes = core.conntrack.map((c) => this.conntrackTimes.get(c.ref)?.time ?? null).filter((x): x is number => x !== null);
      const firstSeen = minOf([acc?.firstSeen ?? null, ...ctTimes]);
      const hops = acc ? [...acc.hops.values()].sort((a, b) => a.firstTime - b.firstTime) : [];
      flows.push({
        id: core.provisional,
        proto: core.proto,
        original: core.original,
        reply: core.reply,
        nat: core.nat,
        service: serviceOf(core.original, core.conntrack[0]?.node ?? hops[0]?.node ?? ''),
        evidence: core.conntrack.length > 0 ? 'conntrack' : core.links.some((l) => l.evidence === 'inferred') ? 'inferred' : 'packets',
        links: core.links,
        conntrack,
        firstSeen,
        lastSeen: maxOf([acc?.lastSeen ?? null, ...ctTimes]),
        packets: acc?.packets ?? 0,
        hops,
        tcp: acc?.tcp ? { ...acc.tcp.events, oneSided: acc.tcp.oneSided } : null,
      });
    }
    flows.sort((a, b) => (a.firstSeen ?? Infinity) - (b.firstSeen ?? Infinity) || a.id - b.id);
    const remap = new Map<number, number>();
    flows.forEach((f, i) => {
      remap.set(f.id, i + 1);
      f.id = i + 1;
    });
    const finalId = (provisional: number): number => remap.get(this.stitcher.survivorOf(provisional)) ?? 0;
    return { flows, finalId, clock: this.clock.offsets([...this.nodes]) };
  }
}

function minOf(xs: Array<number | null>): number | null {
  let m: number | null = null;
  for (const x of xs) if (x !== null && (m === null || x < m)) m = x;
  return m;
}

function maxOf(xs: Array<number | null>): number | null {
  let m: number | null = null;
  for (const x of xs) if (x !== null && (m === null || x > m)) m = x;
  return m;
}
