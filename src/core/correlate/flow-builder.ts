/**
 * Builds NAT-aware flows from conntrack entries and packets in two streaming passes, so a million
 * packets never sit in memory at once:
 *   1. `addConntrack` for every entry, then `notePacket` for every packet (learns which tuples exist);
 *   2. `inferLinks` asks the simulator where each packet-only flow's first packet would be rewritten to,
 *      and ties it to the flow seen with that tuple (marked inferred, not observed);
 *   3. `addClockSample` for every packet again, capture by capture: the clock aligner keeps each segment's first
 *      sighting in the order it is fed, so its samples (and the offsets) are those of that order;
 *   4. `addPacket` for every packet again, in time order across captures: hops and TCP events accumulate;
 *      `parkQuiet` sets aside the flows quiet for longer than the window (FlowParking);
 *   5. `finishFlows` parks the rest and hands the flows back one at a time, numbered by first time seen.
 */
import { ClockAligner, type ClockOffset } from './clock-offset';
import { describeStage, stageOf, type SightingDirection, type SightingStage } from './capture-point';
import { FlowStitcher, type ConntrackSighting, type FlowLink, type StitchedFlowCore } from './flow-stitch';
import { reverseTuple, type FlowTuple, type NatKind } from './flow-key';
import { FirstSightings, IsnSightings, NameIds } from './first-sightings';
import { GrowableFloat64, NumberMap } from '../common/number-map';
import { MemoryFlowParking, type FlowParking } from './flow-parking';
import { TcpTimeline, TCP_ACK, TCP_SYN, type TcpEvents, type TcpSegment, type TcpTimelineState } from './tcp-timeline';

/**
 * How long a flow may stay quiet (seconds of capture time) before its working state is parked, after
 * conntrack's own timeouts: an open connection or a datagram flow 120 s (SYN_SENT, UDP stream), a TCP
 * connection that saw a FIN or RST 10 s (CLOSE); and at most `maxLiveFlows` in memory (past that the
 * longest quiet are parked, down to three quarters of it), for a node opening thousands of connections a
 * second. Only memory depends on these: a flow that speaks again is taken back as it was.
 */
export interface QuietWindow {
  openSeconds: number;
  closedSeconds: number;
  maxLiveFlows: number;
  /**
   * Tuples whose flow, stage and hops are cached (pass 2 sees every capture's tuples at once). Past this the
   * cache is emptied: it only saves lookups and strings that are made again the same.
   */
  cachedTuples: number;
  /** How often (packets) the caller looks for quiet flows. */
  everyPackets: number;
}
export const CONNTRACK_WINDOW: QuietWindow = { openSeconds: 120, closedSeconds: 10, maxLiveFlows: 10_000, cachedTuples: 32_768, everyPackets: 4096 };

/** The flows of a finished stitch: read one at a time from the parking, in final (first-seen) order. */
export interface FinishedFlows {
  clock: ClockOffset[];
  count: number;
  finalId: (provisional: number) => number;
  /** Every flow in id order; may be iterated again (each pass reads the parked state anew). */
  flows(): Iterable<Flow>;
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
  /** Tuple objects whose byTuple entry points here (dropped with it when the flow is parked). */
  tuples: FlowTuple[];
}

/** What a parked flow's body holds (its `seen` is kept apart: see FlowParking). */
interface ParkedBody {
  packets: number;
  last: number;
  hops: FlowHop[];
  tcp: TcpTimelineState | null;
}

type ParkedSeen = Array<[node: string, first: number, last: number]>;

export class FlowBuilder {
  /**
   * `conntrack`: where entries are read again when flows are made; without one, the builder keeps every
   * observation it is given.
   */
  constructor(
    private readonly parking: FlowParking = new MemoryFlowParking(),
    private readonly window: QuietWindow = CONNTRACK_WINDOW,
    conntrack?: ConntrackLookup,
  ) {
    this.conntrackLookup = conntrack ?? (this.ownConntrack = new MemoryConntrack());
  }

  private readonly stitcher = new FlowStitcher();
  private readonly names = new NameIds();
  private readonly firstSightings = new FirstSightings(this.stitcher.keys, this.names);
  private isnSightings = new IsnSightings(this.stitcher.keys, this.names);
  private readonly conntrackLookup: ConntrackLookup;
  private readonly ownConntrack: MemoryConntrack | null = null;
  /** Per conntrack ref: its index in conntrackTime. */
  private readonly conntrackIndex = new NumberMap();
  /** When each entry's listing was taken (NaN: unknown). */
  private readonly conntrackTime = new GrowableFloat64(NaN);
  /** The last few observations read back (a flow's entries are asked for twice in a row). */
  private readonly recentConntrack = new Map<number, ConntrackObservation>();
  /** Provisional ids of the flows in the parking, one bit each. */
  private parkedIds = new Uint8Array(1024);
  private readonly accumulators = new Map<number, Accumulator>();
  private readonly clock = new ClockAligner();
  private readonly nodes = new Set<string>();
  private sequenceLinks = 0;
  /** Per tuple object (pass 2 only, after every link is in): its flow, stage and hop per interface (bounded: QuietWindow.cachedTuples). */
  private readonly byTuple = new Map<FlowTuple, TupleSlot>();
  /** Reused for every segment: TcpTimeline.add copies what it keeps. */
  private readonly segment: TcpSegment = { time: 0, flags: 0, seq: null, payloadLen: null, point: '', direction: 'unknown', key: '', siteKey: '', otherSiteKey: '' };

  addConntrack(o: ConntrackObservation): void {
    this.stitcher.addConntrack(o);
    this.ownConntrack?.add(o);
    let at = this.conntrackIndex.get(o.ref);
    if (at < 0) this.conntrackIndex.set(o.ref, (at = this.conntrackIndex.size));
    this.conntrackTime.set(at, o.time ?? NaN);
    this.nodes.add(o.node);
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

  /** When the entry's listing was taken, if known. */
  private conntrackTimeOf(ref: number): number | null {
    const at = this.conntrackIndex.get(ref);
    const t = at < 0 ? NaN : this.conntrackTime.get(at);
    return Number.isNaN(t) ? null : t;
  }

  notePacket(p: PacketSighting): void {
    const ref = this.stitcher.keys.ref(p.tuple);
    this.firstSightings.note(ref, p.time, p.node, p.iface);
    this.nodes.add(p.node);
    if (p.tuple.proto === 6 && p.tcpFlags !== null && (p.tcpFlags & TCP_SYN) !== 0) this.noteSyn(p, ref);
  }

  /** Whether pass 1 already holds this tuple's earliest sighting at or before `time` (callers may skip repeats). */
  knows(tuple: FlowTuple, time: number): boolean {
    const ref = this.stitcher.keys.lookup(tuple);
    return ref !== 0 && this.firstSightings.timeOf(ref >>> 1) <= time;
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
      const flow = this.stitcher.flowOfRef(first.ref);
      if (flow.conntrack.length > 0 || flow.originalPair !== pair) continue;
      for (const { tuple, reason } of predict({ node: first.node, iface: first.iface, tuple: first.tuple })) {
        const target = this.stitcher.keys.lookup(tuple) >>> 1;
        if (target !== 0 && target !== pair && this.firstSightings.has(target)) this.stitcher.linkInferred(first.tuple, tuple, reason);
      }
    }
  }

  /** The provisional id of the flow a tuple belongs to, without accounting (a third pass that only assigns). */
  flowOf(tuple: FlowTuple): number {
    return this.stitcher.resolve(this.stitcher.flowOf(tuple)).provisional;
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
      if (this.byTuple.size >= this.window.cachedTuples) this.forgetTuples();
      const core = this.stitcher.resolve(this.stitcher.flowOf(p.tuple));
      let acc = this.accumulators.get(core.provisional);
      if (!acc) {
        acc = this.unpark(core) ?? { core, packets: 0, seen: new Map(), hops: [], tcp: core.proto === 6 ? new TcpTimeline() : null, last: -Infinity, tuples: [] };
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
    let slot = cached.hops;
    while (slot !== undefined && (slot.iface !== p.iface || slot.point !== point)) slot = slot.next;
    if (slot === undefined) {
      const netns = p.netns ?? null;
      const t = p.tuple;
      let found = acc.hops.find((h) => h.node === p.node && h.netns === netns && h.iface === p.iface && h.tuple.src === t.src
        && h.tuple.sport === t.sport && h.tuple.dst === t.dst && h.tuple.dport === t.dport);
      if (!found) {
        found = {
          node: p.node, iface: p.iface, netns, direction: stage.direction, tuple: p.tuple, stage,
          explanation: '', firstTime: p.time, lastTime: p.time, alignedFirstTime: p.time, packets: 0,
          ...(p.order === undefined ? {} : { order: p.order }),
        };
        acc.hops.push(found);
      }
      const at = point ?? `${p.node}|${p.iface ?? ''}`;
      const site = p.site ?? at;
      const other = stage.direction === 'original' ? 'reply' : stage.direction === 'reply' ? 'original' : 'unknown';
      slot = {
        hop: found, iface: p.iface, point, at, key: `${at}|${stage.direction}`, siteKey: `${site}|${stage.direction}`,
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

  /**
   * Parks every flow quiet since before `now` for longer than the window allows (call it as time advances
   * over the packets); returns how many were parked.
   */
  parkQuiet(now: number): number {
    let parked = 0;
    for (const [id, acc] of this.accumulators) {
      const closed = acc.tcp !== null && (acc.tcp.events.finAt !== null || acc.tcp.events.rstAt !== null);
      if (now - acc.last <= (closed ? this.window.closedSeconds : this.window.openSeconds)) continue;
      this.park(id, acc);
      parked++;
    }
    const { maxLiveFlows } = this.window;
    if (this.accumulators.size > maxLiveFlows) {
      const quietest = [...this.accumulators].sort((a, b) => a[1].last - b[1].last || a[0] - b[0]);
      const excess = this.accumulators.size - Math.floor((maxLiveFlows * 3) / 4);
      for (let i = 0; i < excess; i++) this.park(quietest[i]![0], quietest[i]![1]);
      parked += excess;
    }
    return parked;
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

  private park(id: number, acc: Accumulator): void {
    for (const t of acc.tuples) if (this.byTuple.get(t)?.acc === acc) this.byTuple.delete(t);
    this.accumulators.delete(id);
    const seen: ParkedSeen = [...acc.seen].map(([node, s]) => [node, s.first, s.last]);
    const body: ParkedBody = { packets: acc.packets, last: acc.last, hops: acc.hops, tcp: acc.tcp?.state() ?? null };
    this.parking.park(id, JSON.stringify(seen), JSON.stringify(body));
    if (id >= this.parkedIds.length * 8) {
      const grown = new Uint8Array(Math.max(this.parkedIds.length * 2, (id >> 3) + 1));
      grown.set(this.parkedIds);
      this.parkedIds = grown;
    }
    this.parkedIds[id >> 3]! |= 1 << (id & 7);
  }

  private unpark(core: StitchedFlowCore): Accumulator | undefined {
    const id = core.provisional;
    if (((this.parkedIds[id >> 3] ?? 0) & (1 << (id & 7))) === 0) return undefined;
    this.parkedIds[id >> 3]! &= ~(1 << (id & 7));
    const parked = this.parking.take(id);
    if (parked === undefined) return undefined;
    const body = JSON.parse(parked.body) as ParkedBody;
    const seen = new Map((JSON.parse(parked.seen) as ParkedSeen).map(([node, first, last]) => [node, { first, last }]));
    return {
      core, packets: body.packets, seen, hops: body.hops, tcp: body.tcp === null ? null : TcpTimeline.fromState(body.tcp), last: body.last, tuples: [],
    };
  }

  /**
   * Ends pass 2: the clock offsets are worked out from all samples, and the flows are numbered by first time
   * seen (on the reference clock). Memory keeps two numbers per flow for that order; the flows are made one at
   * a time, from the parking or from the flows still in memory (no more than the window holds).
   */
  finishFlows(serviceOf: ServiceOf): FinishedFlows {
    this.byTuple.clear();
    const clock = this.clock.offsets([...this.nodes]);
    const offsets = new Map(clock.map((c) => [c.node, c.offsetSeconds]));
    const aligned = (node: string, t: number): number => t + (offsets.get(node) ?? 0);
    const cores = this.stitcher.flows();
    const top = cores.reduce((m, c) => Math.max(m, c.provisional), 0);
    // Each flow's packets' first and last time (aligned), by provisional id; NaN: no packets.
    const packetFirst = new Float64Array(top + 1).fill(NaN);
    const packetLast = new Float64Array(top + 1).fill(NaN);
    this.parking.eachSeen((id, text) => {
      if (id > top) return;
      let first: number | null = null;
      let last: number | null = null;
      for (const [node, f, l] of JSON.parse(text) as ParkedSeen) {
        first = minOf([first, aligned(node, f)]);
        last = maxOf([last, aligned(node, l)]);
      }
      if (first !== null) packetFirst[id] = first;
      if (last !== null) packetLast[id] = last;
    });
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
    const orNull = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);
    const ctTimesOf = (core: StitchedFlowCore): number[] =>
      core.conntrack
        .map((c) => {
          const t = this.conntrackTimeOf(c.ref);
          return t === null ? null : aligned(c.node, t);
        })
        .filter((x): x is number => x !== null);
    const firstSeen = new Float64Array(cores.length);
    cores.forEach((core, i) => {
      firstSeen[i] = minOf([orNull(packetFirst[core.provisional]), ...ctTimesOf(core)]) ?? Infinity;
    });
    const order = Array.from(cores.keys()).sort((a, b) => firstSeen[a]! - firstSeen[b]! || cores[a]!.provisional - cores[b]!.provisional);
    const finalOf = new Int32Array(top + 1);
    order.forEach((i, rank) => {
      finalOf[cores[i]!.provisional] = rank + 1;
    });
    const finalId = (provisional: number): number => finalOf[this.stitcher.survivorOf(provisional)] || 0;
    const bodyOf = (provisional: number): { packets: number; hops: FlowHop[]; tcp: TcpEvents | null } | null => {
      const acc = this.accumulators.get(provisional);
      if (acc !== undefined) return { packets: acc.packets, hops: acc.hops, tcp: acc.tcp?.events ?? null };
      const text = this.parking.body(provisional);
      if (text === undefined) return null;
      const parked = JSON.parse(text) as ParkedBody;
      return { packets: parked.packets, hops: parked.hops, tcp: parked.tcp?.events ?? null };
    };
    const assemble = (core: StitchedFlowCore, id: number): Flow => {
      const body = bodyOf(core.provisional);
      const conntrack = core.conntrack.map((c) => {
        const o = this.observation(c.ref);
        if (o === undefined) throw new Error(`conntrack entry ${c.ref} could not be read again`);
        return {
          node: c.node, source: o.source, state: o.entry.state,
          unreplied: o.entry.unreplied, assured: o.entry.assured, mark: o.entry.mark, ref: c.ref,
          time: this.conntrackTimeOf(c.ref),
        };
      });
      const ctTimes = ctTimesOf(core);
      const hops = body?.hops ?? [];
      for (const h of hops) {
        h.alignedFirstTime = aligned(h.node, h.firstTime);
        // Written here, not per hop while packets stream: thousands of flows' hops would each hold a copy.
        h.explanation = describeStage(h.stage);
      }
      hops.sort((a, b) => a.alignedFirstTime - b.alignedFirstTime || (a.order ?? 0) - (b.order ?? 0));
      const tcp = body?.tcp ?? null;
      return {
        id,
        proto: core.proto,
        original: core.original,
        reply: core.reply,
        nat: core.nat,
        service: serviceOf(core.original, core.conntrack[0]?.node ?? hops[0]?.node ?? ''),
        evidence: core.conntrack.length > 0 ? 'conntrack' : core.links.some((l) => l.evidence === 'inferred') ? 'inferred' : 'packets',
        links: core.links,
        conntrack,
        firstSeen: minOf([orNull(packetFirst[core.provisional]), ...ctTimes]),
        lastSeen: maxOf([orNull(packetLast[core.provisional]), ...ctTimes]),
        packets: body?.packets ?? 0,
        hops,
        tcp: tcp === null ? null : { ...tcp, oneSided: tcp.synCount > 0 && tcp.synAckCount === 0 },
      };
    };
    return {
      clock,
      count: cores.length,
      finalId,
      *flows() {
        for (let rank = 0; rank < order.length; rank++) yield assemble(cores[order[rank]!]!, rank + 1);
      },
    };
  }

  /** Every flow at once (tests and small callers; the project reads finishFlows' flows one at a time). */
  finish(serviceOf: ServiceOf): { flows: Flow[]; finalId: (provisional: number) => number; clock: ClockOffset[] } {
    const finished = this.finishFlows(serviceOf);
    return { flows: [...finished.flows()], finalId: finished.finalId, clock: finished.clock };
  }
}

/** A hop with the capture point strings its TCP segments carry, made once per tuple and interface. */
interface HopSlot {
  hop: FlowHop;
  iface: string | null;
  point: string | null;
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
