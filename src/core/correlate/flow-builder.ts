/**
 * Builds NAT-aware flows from conntrack entries and packets in two streaming passes, so a million
 * packets never sit in memory at once:
 *   1. `addConntrack` for every entry, then `notePacket` for every packet (learns which tuples exist);
 *   2. `inferLinks` asks the simulator where each packet-only flow's first packet would be rewritten to,
 *      and ties it to the flow seen with that tuple (marked inferred, not observed);
 *   3. `addClockSample` for every packet again, capture by capture: the clock aligner keeps each segment's first
 *      sighting in the order it is fed, so its samples (and the offsets) are those of that order;
 *   4. `planFlows` is told when each tuple's packets begin and end (per node, from pass 1): the flows are
 *      numbered by first time seen, and each flow's last packet time is known;
 *   5. `addPacket` for every packet again, in time order across captures: hops and TCP events accumulate, and
 *      `finishBefore(time)` hands over each flow whose last packet is behind `time`, so memory holds the flows
 *      open at that moment; `finishRest` hands over the rest (and the flows without packets).
 * Small callers skip 4 and call `finish`, which numbers and makes every flow at the end.
 */
import { ClockAligner, type ClockOffset } from './clock-offset';
import { describeStage, stageOf, type SightingDirection, type SightingStage } from './capture-point';
import { FlowStitcher, type ConntrackLink, type ConntrackSighting, type FlowLink, type StitchedFlowCore } from './flow-stitch';
import { reverseTuple, tupleFromConntrack, type FlowTuple, type NatKind } from './flow-key';
import { FirstSightings, IsnSightings, NameIds } from './first-sightings';
import { TcpTimeline, TCP_ACK, TCP_SYN, type TcpEvents, type TcpSegment } from './tcp-timeline';
import type { ObservationTunnel } from '../views/flows';
import { sameTunnel } from '../views/tunnel-text';

/** What pass 2 keeps per tuple: its flow, stage and hops are cached for this many tuples, then forgotten. */
export const CACHED_TUPLES = 32_768;

/** The flows' numbering, known before pass 2 (planFlows) or at its end (finish). */
export interface FlowNumbering {
  clock: ClockOffset[];
  /** Every flow numbered, the builder's and the extra ones (planFlows' `extra`). */
  count: number;
  finalId: (provisional: number) => number;
  /** The id of each of planFlows' `extra` flows, in their order. */
  extraIds: number[];
}

/** A flow the caller makes itself but numbers among the builder's (by first time seen): its node and first time there. */
export interface ExtraFlow {
  node: string;
  /** Seconds on the node's clock; null when unknown (numbered after every flow with a time). */
  first: number | null;
}

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
  /** The capture point for retransmission counting (default node|iface): two captures of one interface are two points. */
  point?: string;
  /** The network namespace the capture was taken in, if not the node's own. */
  netns?: string | null;
  /** The capture site without the tuple (capture and interface): where the other direction's packets are seen too. */
  site?: string;
  /**
   * Where the packet stands in capture-by-capture order (capture's place × 1e12 + its place in the capture):
   * hops first seen at the same time are listed in this order, whatever order the packets were added in.
   */
  order?: number;
  /** The tunnel the packet came in (its tuple being the inner packet's); absent or null when seen as it is. */
  tunnel?: ObservationTunnel | null;
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
  netns: string | null;
  direction: SightingDirection;
  tuple: FlowTuple;
  stage: SightingStage;
  explanation: string;
  /** Raw times on the capturing node's clock. */
  firstTime: number;
  lastTime: number;
  /** firstTime on the reference clock (see Flow.clock). */
  alignedFirstTime: number;
  packets: number;
  /** The least PacketSighting.order of its packets, when they carry one. */
  order?: number;
  /** The tunnel its packets came in: the same packet seen inside a tunnel and as it is are two hops. */
  tunnel: ObservationTunnel | null;
}

export interface Flow {
  id: number;
  proto: number;
  original: FlowTuple;
  reply: FlowTuple;
  nat: NatKind[];
  service: string | null;
  /** kernel-trace: made by the stitcher from the kernel's trace alone (project/trace-flows.ts), never by the builder. */
  evidence: 'conntrack' | 'inferred' | 'packets' | 'kernel-trace';
  links: FlowLink[];
  conntrack: Array<{
    node: string; source: string; state: string | null; unreplied: boolean; assured: boolean; mark: number | null; ref: number;
    /** When the listing was taken (seconds, the node's clock), if the capture says. */
    time: number | null;
  }>;
  /** Aligned to the reference clock; null for a flow known only from conntrack listings without a time. */
  firstSeen: number | null;
  lastSeen: number | null;
  packets: number;
  hops: FlowHop[];
  tcp: (TcpEvents & { oneSided: boolean }) | null;
}

/**
 * Where the builder reads a conntrack entry again by its ref when a flow is made: the project reads its row
 * (model/flow-store.ts), so a stitch keeps a few numbers per entry, not the entry.
 */
export interface ConntrackLookup {
  observation(ref: number): ConntrackObservation | undefined;
}

/** Keeps every observation (tests and small callers). */
export class MemoryConntrack implements ConntrackLookup {
  private readonly byRef = new Map<number, ConntrackObservation>();

  add(o: ConntrackObservation): void {
    this.byRef.set(o.ref, o);
  }

  observation(ref: number): ConntrackObservation | undefined {
    return this.byRef.get(ref);
  }
}

interface Accumulator {
  core: StitchedFlowCore;
  packets: number;
  /** Per node: raw first and last time, aligned in finish(). */
  seen: Map<string, { first: number; last: number }>;
  /** Few per flow: found by a scan when a tuple first shows on an interface, so no key strings are kept. */
  hops: FlowHop[];
  tcp: TcpTimeline | null;
  /** The latest raw time of any of its packets: the flow is quiet from then on. */
  last: number;
  /** Tuple objects whose byTuple entry points here (dropped with it when the flow is finished). */
  tuples: FlowTuple[];
}

/** What finishing needs once the flows are numbered. */
interface Numbered {
  numbering: FlowNumbering;
  serviceOf: ServiceOf;
  aligned: (node: string, t: number) => number;
  /** Every flow's provisional id by rank (final id - 1); -1 for an extra flow (planFlows' `extra`), which the caller makes. */
  ranked: Int32Array;
  /** By provisional id: the aligned first and last time of its packets (NaN: none), the raw time of its last packet. */
  packetFirst: Float64Array;
  packetLast: Float64Array;
  rawLast: Float64Array;
  /** By provisional id: 1 once the flow was handed over. */
  done: Uint8Array;
  /** Live flows' provisional ids, a min-heap on rawLast. */
  ending: number[];
}

export class FlowBuilder {
  /**
   * `conntrack`: where entries are read again when flows are made; without one, the builder keeps every
   * observation it is given.
   */
  constructor(conntrack?: ConntrackLookup, private readonly cachedTuples = CACHED_TUPLES) {
    this.conntrackLookup = conntrack ?? (this.ownConntrack = new MemoryConntrack());
  }

  private readonly stitcher = new FlowStitcher();
  private readonly names = new NameIds();
  private firstSightings = new FirstSightings(this.stitcher.keys, this.names);
  private isnSightings = new IsnSightings(this.stitcher.keys, this.names);
  private readonly conntrackLookup: ConntrackLookup;
  private readonly ownConntrack: MemoryConntrack | null = null;
  /** The last few observations read back (a flow's entries are asked for twice in a row). */
  private readonly recentConntrack = new Map<number, ConntrackObservation>();
  private numbered: Numbered | null = null;
  private readonly accumulators = new Map<number, Accumulator>();
  private readonly clock = new ClockAligner();
  private readonly nodes = new Set<string>();
  private sequenceLinks = 0;
  /** Per tuple object (pass 2 only, after every link is in): its flow, stage and hop per interface (bounded: cachedTuples). */
  private readonly byTuple = new Map<FlowTuple, TupleSlot>();
  /** Reused for every segment: TcpTimeline.add copies what it keeps. */
  private readonly segment: TcpSegment = { time: 0, flags: 0, seq: null, payloadLen: null, point: '', direction: 'unknown', key: '', siteKey: '', otherSiteKey: '' };

  addConntrack(o: ConntrackObservation): void {
    this.ownConntrack?.add(o);
    const { entry } = o;
    this.addConntrackTuples(o.ref, o.node, o.time, tupleFromConntrack(entry.protoNumber, entry.original), tupleFromConntrack(entry.protoNumber, entry.reply));
  }

  /**
   * A conntrack entry by what stitching keeps of it (its tuples as tupleFromConntrack makes them); the rest is
   * read again through the ConntrackLookup when its flow is made.
   */
  addConntrackTuples(ref: number, node: string, time: number | null, original: FlowTuple, reply: FlowTuple): void {
    this.stitcher.addConntrackTuples(ref, node, original, reply, time);
    this.nodes.add(node);
  }

  /** The conntrack entry added with this ref. */
  conntrackEntry(ref: number): ConntrackSighting['entry'] | undefined {
    return this.observation(ref)?.entry;
  }

  private observation(ref: number): ConntrackObservation | undefined {
    let o = this.recentConntrack.get(ref);
    if (o === undefined) {
      o = this.conntrackLookup.observation(ref);
      if (o === undefined) return undefined;
      if (this.recentConntrack.size >= 64) this.recentConntrack.clear();
      this.recentConntrack.set(ref, o);
    }
    return o;
  }

  /** Pass 1: a packet (its tuple's first in a capture, or a SYN). Answers the tuple's ref (see tupleOfRef). */
  notePacket(p: PacketSighting): number {
    const ref = this.stitcher.keys.ref(p.tuple);
    this.firstSightings.note(ref, p.time, p.node, p.iface);
    this.nodes.add(p.node);
    if (p.tuple.proto === 6 && p.tcpFlags !== null && (p.tcpFlags & TCP_SYN) !== 0) this.noteSyn(p, ref);
    return ref;
  }

  /** True when a conntrack entry or a packet of pass 1 carries this tuple, either way. */
  knowsTuple(tuple: FlowTuple): boolean {
    return this.stitcher.keys.lookup(tuple) !== 0;
  }

  /** The ref of a tuple whose pair pass 1 saw, or 0. */
  sightedRef(tuple: FlowTuple): number {
    const ref = this.stitcher.keys.lookup(tuple);
    return ref !== 0 && this.firstSightings.has(ref >>> 1) ? ref : 0;
  }

  /** The tuple a ref of notePacket or sightedRef stands for: a new object, equal in every field to the one noted. */
  tupleOfRef(ref: number): FlowTuple {
    return this.stitcher.keys.tuple(ref);
  }

  /** flowOf for a tuple's ref. */
  flowOfRef(ref: number): number {
    return this.stitcher.resolveId(this.stitcher.flowIdOfRef(ref));
  }

  private noteSyn(p: PacketSighting, ref: number): void {
    const isns = this.isnSightings;
    if ((p.tcpFlags! & TCP_ACK) !== 0) {
      if (p.ack !== null) isns.noteSynAck((p.ack - 1) >>> 0, ref, p.time, p.node, p.iface);
      return;
    }
    if (p.seq === null) return;
    isns.noteSyn(p.seq, ref, p.time, p.node, p.iface);
  }

  /**
   * TCP sequence numbers survive NAT: a SYN seen with one tuple on eth0 and another on cbr0, or a SYN-ACK
   * whose ack is the SYN's ISN + 1 but whose addresses are translated differently (a bridge with
   * br_netfilter shows one direction translated and the other not), are one connection. They must also
   * share a port, so a chance ISN collision between unrelated connections is not enough.
   */
  linkBySequence(): number {
    const isns = this.isnSightings;
    // Once linked, pass 1's ISNs are let go.
    this.isnSightings = new IsnSightings(this.stitcher.keys, this.names);
    for (const [isn, syn, others] of isns.pairs()) {
      for (const o of others) {
        const shares = o.kind === 'syn'
          ? o.tuple.sport === syn.tuple.sport || o.tuple.dport === syn.tuple.dport
          : o.tuple.sport === syn.tuple.dport || o.tuple.dport === syn.tuple.sport;
        if (!shares) continue;
        // A tuple and its reverse share a pair.
        if (o.ref >>> 1 === syn.ref >>> 1) continue;
        const downstream = o.kind === 'syn' ? o.tuple : reverseTuple(o.tuple);
        const what = o.kind === 'syn'
          ? `the same SYN (seq ${isn}) was seen as ${tupleText(syn.tuple)} on ${where(syn)} and as ${tupleText(o.tuple)} on ${where(o)}`
          : `the SYN-ACK ${tupleText(o.tuple)} on ${where(o)} acknowledges seq ${isn} of the SYN ${tupleText(syn.tuple)} on ${where(syn)}`;
        // Same point, same server end, another client end: the SYN was seen after SNAT and the SYN-ACK
        // after its reversal (br_netfilter on a bridge). The SYN-ACK names the real client.
        const halfTranslated = o.kind === 'syn-ack' && o.node === syn.node && o.iface === syn.iface
          && o.tuple.src === syn.tuple.dst && o.tuple.sport === syn.tuple.dport;
        const ends = halfTranslated
          ? { original: { ...syn.tuple, src: o.tuple.dst, sport: o.tuple.dport }, reply: reverseTuple(syn.tuple) }
          : undefined;
        this.stitcher.linkInferred(syn.tuple, downstream, `${what}: TCP sequence numbers survive NAT`, ends);
        this.sequenceLinks++;
      }
    }
    return this.sequenceLinks;
  }

  inferLinks(predict: PredictRewrite): void {
    this.linkBySequence();
    for (const [pair, first] of this.firstSightings.inOrder()) {
      const flow = this.stitcher.flowIdOfRef(first.ref, first.time);
      if (this.stitcher.hasConntrack(flow) || this.stitcher.originalRefOf(flow) >>> 1 !== pair) continue;
      for (const { tuple, reason } of predict({ node: first.node, iface: first.iface, tuple: first.tuple })) {
        const target = this.stitcher.keys.lookup(tuple) >>> 1;
        if (target !== 0 && target !== pair && this.firstSightings.has(target)) this.stitcher.linkInferred(first.tuple, tuple, reason);
      }
    }
  }

  /** The provisional id of the flow a tuple belongs to, without accounting (a third pass that only assigns). */
  flowOf(tuple: FlowTuple): number {
    return this.stitcher.resolveId(this.stitcher.flowIdOf(tuple));
  }

  /** Per tuple object of the capture being read: its flow and direction, for clock samples (see endCapture). */
  private readonly clockTuples = new Map<FlowTuple, { provisional: number; direction: SightingDirection } | null>();

  /** The clock pass (after inferLinks): a TCP segment seen on two nodes is a sample of their clocks' difference. */
  addClockSample(p: PacketSighting): void {
    if (p.tcpFlags === null) return;
    let at = this.clockTuples.get(p.tuple);
    if (at === undefined) {
      const core = this.stitcher.resolve(this.stitcher.flowOf(p.tuple));
      const { direction } = stageOf(core.original, core.reply, p.tuple);
      at = core.proto !== 6 || direction === 'unknown' ? null : { provisional: core.provisional, direction };
      // Bounded: a caller that makes tuple objects again (equal by value) only loses the lookup it saved.
      if (this.clockTuples.size >= this.cachedTuples) this.clockTuples.clear();
      this.clockTuples.set(p.tuple, at);
    }
    if (at !== null && at.direction !== 'unknown') this.clock.add(segmentSignature(at.provisional, p), at.direction, p.node, p.time);
  }

  /** The capture's tuple objects will not come to addClockSample again. */
  endCapture(): void {
    this.clockTuples.clear();
  }

  /** Pass 2: returns the provisional id of the packet's flow (stable once inferLinks has run). */
  addPacket(p: PacketSighting): number {
    // Callers that share one tuple object among a capture's packets (the store engine does) skip the
    // per-packet keys: flow, stage and hop are looked up once per tuple and interface.
    let cached = this.byTuple.get(p.tuple);
    if (cached === undefined || cached.node !== p.node || cached.netns !== (p.netns ?? null)) {
      if (this.byTuple.size >= this.cachedTuples) this.forgetTuples();
      const core = this.stitcher.resolve(this.stitcher.flowOf(p.tuple));
      let acc = this.accumulators.get(core.provisional);
      if (!acc) {
        const numbered = this.numbered;
        if (numbered !== null) {
          // The plan said this flow's last packet was behind us: the caller's spans and packets disagree.
          if (numbered.done[core.provisional] === 1) throw new Error(`a packet at ${p.time} came for a flow already finished (${tupleText(p.tuple)} on ${where(p)})`);
          heapPush(numbered.ending, core.provisional, numbered.rawLast);
        }
        acc = { core, packets: 0, seen: new Map(), hops: [], tcp: core.proto === 6 ? new TcpTimeline() : null, last: -Infinity, tuples: [] };
        this.accumulators.set(core.provisional, acc);
      }
      acc.tuples.push(p.tuple);
      let onNode = acc.seen.get(p.node);
      if (!onNode) acc.seen.set(p.node, (onNode = { first: p.time, last: p.time }));
      cached = { node: p.node, netns: p.netns ?? null, core, acc, onNode, stage: stageOf(core.original, core.reply, p.tuple), hops: undefined };
      this.byTuple.set(p.tuple, cached);
    }
    const { core, stage, acc, onNode } = cached;
    acc.packets++;
    if (p.time > acc.last) acc.last = p.time;
    if (p.time < onNode.first) onNode.first = p.time;
    if (p.time > onNode.last) onNode.last = p.time;
    const point = p.point ?? null;
    const tunnel = p.tunnel ?? null;
    let slot = cached.hops;
    while (slot !== undefined && (slot.iface !== p.iface || slot.point !== point || !sameTunnel(slot.tunnel, tunnel))) slot = slot.next;
    if (slot === undefined) {
      const netns = p.netns ?? null;
      const t = p.tuple;
      let found = acc.hops.find((h) => h.node === p.node && h.netns === netns && h.iface === p.iface && h.tuple.src === t.src
        && h.tuple.sport === t.sport && h.tuple.dst === t.dst && h.tuple.dport === t.dport && sameTunnel(h.tunnel, tunnel));
      if (!found) {
        found = {
          node: p.node, iface: p.iface, netns, direction: stage.direction, tuple: p.tuple, stage,
          explanation: '', firstTime: p.time, lastTime: p.time, alignedFirstTime: p.time, packets: 0,
          ...(p.order === undefined ? {} : { order: p.order }), tunnel,
        };
        acc.hops.push(found);
      }
      const at = point ?? `${p.node}|${p.iface ?? ''}`;
      const site = p.site ?? at;
      const other = stage.direction === 'original' ? 'reply' : stage.direction === 'reply' ? 'original' : 'unknown';
      slot = {
        hop: found, iface: p.iface, point, tunnel, at, key: `${at}|${stage.direction}`, siteKey: `${site}|${stage.direction}`,
        otherSiteKey: `${site}|${other}`, next: cached.hops,
      };
      cached.hops = slot;
    }
    const { hop } = slot;
    hop.packets++;
    if (p.order !== undefined && (hop.order === undefined || p.order < hop.order)) hop.order = p.order;
    if (p.time < hop.firstTime) hop.firstTime = p.time;
    if (p.time > hop.lastTime) hop.lastTime = p.time;
    if (acc.tcp && p.tcpFlags !== null) {
      const s = this.segment;
      s.time = p.time; s.flags = p.tcpFlags; s.seq = p.seq; s.payloadLen = p.payloadLen;
      s.point = slot.at; s.key = slot.key; s.direction = stage.direction; s.siteKey = slot.siteKey; s.otherSiteKey = slot.otherSiteKey;
      acc.tcp.add(s);
    }
    return core.provisional;
  }

  /** Flows whose working state is in memory now. */
  get liveFlows(): number {
    return this.accumulators.size;
  }

  /** Empties the per-tuple cache: every entry is made again from the flow's state on the tuple's next packet. */
  private forgetTuples(): void {
    this.byTuple.clear();
    for (const acc of this.accumulators.values()) acc.tuples = [];
  }

  /**
   * Numbers the flows before pass 2 (after the clock pass): `spans` calls `add` once per tuple (or its ref) with
   * packets on a node, with the raw times of its first and last packet there (`add` answers the tuple's provisional flow).
   * From then on a flow is handed over as soon as pass 2 is past its last packet (finishBefore).
   */
  planFlows(
    serviceOf: ServiceOf, spans: (add: (tuple: FlowTuple | number, node: string, first: number, last: number) => number) => void,
    extra: readonly ExtraFlow[] = [],
  ): FlowNumbering {
    const { aligned, clock } = this.alignment();
    const top = this.topProvisional();
    const packetFirst = new Float64Array(top + 1).fill(NaN);
    const packetLast = new Float64Array(top + 1).fill(NaN);
    const rawLast = new Float64Array(top + 1).fill(-Infinity);
    spans((tuple, node, first, last) => {
      const id = typeof tuple === 'number' ? this.flowOfRef(tuple) : this.flowOf(tuple);
      // Every tuple with packets has its flow since pass 1 (inferLinks made each first sighting's).
      if (id > top) throw new Error(`planFlows: ${tupleText(typeof tuple === 'number' ? this.tupleOfRef(tuple) : tuple)} has no flow from pass 1`);
      const f = aligned(node, first);
      const l = aligned(node, last);
      if (!(f >= packetFirst[id]!)) packetFirst[id] = f;
      if (!(l <= packetLast[id]!)) packetLast[id] = l;
      if (last > rawLast[id]!) rawLast[id] = last;
      return id;
    });
    // Pass 1's first sightings have done their work (links, spans): let them go before pass 2.
    this.firstSightings = new FirstSightings(this.stitcher.keys, this.names);
    return this.number(serviceOf, clock, aligned, packetFirst, packetLast, rawLast, extra).numbering;
  }

  /** Hands over (in the order they end) every flow whose last packet is before `time`; after planFlows only. */
  finishBefore(time: number, sink: (flow: Flow) => void): void {
    const n = this.numbered;
    if (n === null) throw new Error('finishBefore: the flows were not planned');
    while (n.ending.length > 0 && n.rawLast[n.ending[0]!]! < time) this.finishLive(n, heapPop(n.ending, n.rawLast), sink);
  }

  /** Hands over every flow not handed over yet, in id order (those still live, and those without packets). */
  finishRest(sink: (flow: Flow) => void): void {
    const n = this.numbered;
    if (n === null) throw new Error('finishRest: the flows were not planned');
    this.byTuple.clear();
    n.ending.length = 0;
    for (let rank = 0; rank < n.ranked.length; rank++) {
      const provisional = n.ranked[rank]!;
      if (provisional === -1 || n.done[provisional] === 1) continue;
      n.done[provisional] = 1;
      const acc = this.accumulators.get(provisional);
      this.accumulators.delete(provisional);
      sink(this.assemble(n, acc?.core ?? this.stitcher.flow(provisional), rank + 1, acc));
    }
  }

  /**
   * Ends pass 2 without a plan (tests and small callers): the clock offsets are worked out from all samples, and
   * every flow is numbered by first time seen (on the reference clock) and made.
   */
  finish(serviceOf: ServiceOf): { flows: Flow[]; finalId: (provisional: number) => number; clock: ClockOffset[] } {
    if (this.numbered !== null) throw new Error('finish: the flows were planned (finishRest hands over the rest)');
    const { aligned, clock } = this.alignment();
    const top = this.topProvisional();
    const packetFirst = new Float64Array(top + 1).fill(NaN);
    const packetLast = new Float64Array(top + 1).fill(NaN);
    const rawLast = new Float64Array(top + 1).fill(-Infinity);
    for (const [id, acc] of this.accumulators) {
      if (id > top) continue;
      let first: number | null = null;
      let last: number | null = null;
      for (const [node, s] of acc.seen) {
        first = minOf([first, aligned(node, s.first)]);
        last = maxOf([last, aligned(node, s.last)]);
      }
      if (first !== null) packetFirst[id] = first;
      if (last !== null) packetLast[id] = last;
    }
    const n = this.number(serviceOf, clock, aligned, packetFirst, packetLast, rawLast);
    const flows: Flow[] = [];
    this.finishRest((f) => flows.push(f));
    return { flows, finalId: n.numbering.finalId, clock };
  }

  private alignment(): { clock: ClockOffset[]; aligned: (node: string, t: number) => number } {
    const clock = this.clock.offsets([...this.nodes]);
    const offsets = new Map(clock.map((c) => [c.node, c.offsetSeconds]));
    return { clock, aligned: (node, t) => t + (offsets.get(node) ?? 0) };
  }

  private topProvisional(): number {
    const ids = this.stitcher.flowIds();
    return ids.length === 0 ? 0 : ids[ids.length - 1]!;
  }

  /**
   * Orders every flow by first time seen (its packets' and its conntrack listings'), ties by provisional id, the extra
   * flows among them (after the builder's of the same time, in their order).
   */
  private number(
    serviceOf: ServiceOf, clock: ClockOffset[], aligned: (node: string, t: number) => number,
    packetFirst: Float64Array, packetLast: Float64Array, rawLast: Float64Array, extra: readonly ExtraFlow[] = [],
  ): Numbered {
    const ids = this.stitcher.flowIds();
    const top = packetFirst.length - 1;
    // Slots 0..ids.length-1 are the builder's flows, then the extra ones; a slot's tie order is its provisional id, or past every one.
    const firstSeen = new Float64Array(ids.length + extra.length);
    ids.forEach((p, i) => {
      firstSeen[i] = minOf([orNull(packetFirst[p]), ...this.conntrackTimesOf(this.stitcher.linksOf(p), aligned)]) ?? Infinity;
    });
    extra.forEach((x, k) => {
      firstSeen[ids.length + k] = x.first === null ? Infinity : aligned(x.node, x.first);
    });
    const tie = (slot: number): number => (slot < ids.length ? ids[slot]! : top + 1 + slot);
    const order = Array.from(firstSeen.keys()).sort((a, b) => firstSeen[a]! - firstSeen[b]! || tie(a) - tie(b));
    // By rank: the builder's provisional id, or -1 for an extra flow (the caller makes it).
    const ranked = new Int32Array(order.length);
    const finalOf = new Int32Array(top + 1);
    const extraIds = new Array<number>(extra.length);
    order.forEach((slot, rank) => {
      if (slot >= ids.length) {
        ranked[rank] = -1;
        extraIds[slot - ids.length] = rank + 1;
        return;
      }
      ranked[rank] = ids[slot]!;
      finalOf[ids[slot]!] = rank + 1;
    });
    const finalId = (provisional: number): number => finalOf[this.stitcher.survivorOf(provisional)] || 0;
    this.numbered = {
      numbering: { clock, count: order.length, finalId, extraIds }, serviceOf, aligned, ranked, packetFirst, packetLast, rawLast,
      done: new Uint8Array(top + 1), ending: [],
    };
    return this.numbered;
  }

  private conntrackTimesOf(links: readonly ConntrackLink[], aligned: (node: string, t: number) => number): number[] {
    const out: number[] = [];
    for (const c of links) {
      const t = c.time;
      if (t !== null) out.push(aligned(c.node, t));
    }
    return out;
  }

  private finishLive(n: Numbered, provisional: number, sink: (flow: Flow) => void): void {
    const acc = this.accumulators.get(provisional);
    if (acc === undefined || n.done[provisional] === 1) return;
    for (const t of acc.tuples) if (this.byTuple.get(t)?.acc === acc) this.byTuple.delete(t);
    this.accumulators.delete(provisional);
    n.done[provisional] = 1;
    sink(this.assemble(n, acc.core, n.numbering.finalId(provisional), acc));
  }

  private assemble(n: Numbered, core: StitchedFlowCore, id: number, acc: Accumulator | undefined): Flow {
    const { aligned } = n;
    const conntrack = core.conntrack.map((c) => {
      const o = this.observation(c.ref);
      if (o === undefined) throw new Error(`conntrack entry ${c.ref} could not be read again`);
      return {
        node: c.node, source: o.source, state: o.entry.state,
        unreplied: o.entry.unreplied, assured: o.entry.assured, mark: o.entry.mark, ref: c.ref,
        time: c.time,
      };
    });
    const ctTimes = this.conntrackTimesOf(core.conntrack, aligned);
    const hops = acc?.hops ?? [];
    for (const h of hops) {
      h.alignedFirstTime = aligned(h.node, h.firstTime);
      // Written here, not per hop while packets stream: thousands of flows' hops would each hold a copy.
      h.explanation = describeStage(h.stage);
    }
    hops.sort((a, b) => a.alignedFirstTime - b.alignedFirstTime || (a.order ?? 0) - (b.order ?? 0));
    const tcp = acc?.tcp?.events ?? null;
    return {
      id,
      proto: core.proto,
      original: core.original,
      reply: core.reply,
      nat: core.nat,
      service: n.serviceOf(core.original, core.conntrack[0]?.node ?? hops[0]?.node ?? ''),
      evidence: core.conntrack.length > 0 ? 'conntrack' : core.links.some((l) => l.evidence === 'inferred') ? 'inferred' : 'packets',
      links: core.links,
      conntrack,
      firstSeen: minOf([orNull(n.packetFirst[core.provisional]), ...ctTimes]),
      lastSeen: maxOf([orNull(n.packetLast[core.provisional]), ...ctTimes]),
      packets: acc?.packets ?? 0,
      hops,
      tcp: tcp === null ? null : { ...tcp, oneSided: tcp.synCount > 0 && tcp.synAckCount === 0 },
    };
  }
}

function orNull(x: number | undefined): number | null {
  return x === undefined || Number.isNaN(x) ? null : x;
}

/** A binary min-heap of provisional ids on `key`. */
function heapPush(heap: number[], id: number, key: Float64Array): void {
  let i = heap.length;
  heap.push(id);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!(key[id]! < key[heap[parent]!]!)) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = id;
}

function heapPop(heap: number[], key: Float64Array): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  const n = heap.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && key[heap[r]!]! < key[heap[l]!]! ? r : l;
      if (!(key[heap[child]!]! < key[last]!)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
  return top;
}

/** A hop with the capture point strings its TCP segments carry, made once per tuple and interface. */
interface HopSlot {
  hop: FlowHop;
  iface: string | null;
  point: string | null;
  tunnel: ObservationTunnel | null;
  at: string;
  key: string;
  siteKey: string;
  otherSiteKey: string;
  /** Another interface the same tuple was seen on (rare: a list, not a map). */
  next: HopSlot | undefined;
}

/** What pass 2 needs of a tuple, looked up once per capture: its flow, its stage and its hops. */
interface TupleSlot {
  node: string;
  netns: string | null;
  core: StitchedFlowCore;
  acc: Accumulator;
  onNode: { first: number; last: number };
  stage: SightingStage;
  hops: HopSlot | undefined;
}

/**
 * One TCP segment of one flow as a small integer (a hash of flow, seq, ack, flags and length, 30 bits so
 * V8 keeps it unboxed): the same segment seen on two nodes meets in the clock aligner without a string
 * or a heap number per packet. A rare collision adds one stray sample; the medians shrug it off.
 */
function segmentSignature(flow: number, p: PacketSighting): number {
  let h = Math.imul(flow ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (p.seq ?? 0x5bd1e995), 0xc2b2ae35);
  h = Math.imul(h ^ (p.ack ?? 0x27d4eb2f), 0x85ebca6b);
  h = Math.imul(h ^ ((p.tcpFlags ?? 0) << 24) ^ (p.payloadLen ?? 0x1ffff), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

function tupleText(t: FlowTuple): string {
  return `${t.src}${t.sport === null ? '' : `:${t.sport}`} > ${t.dst}${t.dport === null ? '' : `:${t.dport}`}`;
}

function where(s: { node: string; iface: string | null }): string {
  return s.iface ? `${s.node} ${s.iface}` : s.node;
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
