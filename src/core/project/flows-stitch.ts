/**
 * Stitches the project's captures into flows and stores them. First the captures of a node that share an
 * interface are read once for twins (flows-twins.ts): copies of a packet another capture holds are left
 * out of everything below, and undated text is placed in time. Then streaming passes over the packet
 * blocks (never all in memory):
 *   1. capture by capture: note each tuple's first sighting, every SYN / SYN-ACK (sequence-number links) and
 *      the time of each tuple's first and last packet;
 *   2. after conntrack and inferred links are in, the clock samples, capture by capture; the flows are then
 *      numbered (first time seen, from pass 1's times and the clock offsets) before any is made;
 *   3. every capture at once, merged in time order: hops and TCP events accumulate, and a flow is written to
 *      the flows table (in the one transaction) as soon as time is past its last packet.
 * Memory holds the flows open at one moment, plus per connection a few numbers: pass 1's pair keys, first
 * sightings and ISNs in typed columns (correlate/first-sightings.ts), the stitcher's union-find over pair ids,
 * each conntrack entry's id and tuple refs (the entry is read again when its flow is written), each (capture,
 * tuple)'s pair-key ref (typed arrays; its times until the flows are numbered). A capture's stored tuples are read
 * in pass 1 only; later passes make a tuple from its ref.
 * The kernel's traced packets that no conntrack entry or packet makes a flow of are flows of their own (trace-flows.ts),
 * numbered among the others by first time seen and written after them.
 * Flows are recomputed only when the set of captures changed (the stitched generation).
 */
import { throwIfCancelled, type CancellationSignal } from '../common/cancellation';
import type { InterfaceRecord, ServiceRecord } from '../records/records';
import type { ClockOffset } from '../correlate/clock-offset';
import { tupleFromConntrack } from '../correlate/flow-key';
import { FlowBuilder, type ConntrackObservation, type Flow, type PacketSighting } from '../correlate/flow-builder';
import { FlowStore, type CaptureTuple, type ConntrackRow, type PacketCaptureRow } from '../model/flow-store';
import type { CaptureTupleTable } from '../model/capture-tuple-table';
import type { PacketBlock } from '../model/packet-block';
import type { TunnelFrames, TunnelView } from '../model/packet-tunnels';
import { mergePacketStreams, type PacketStream } from './packet-merge';
import { RefTuples, TupleNumbers, TupleTimes } from './tuple-flows';
import { loadWorld } from './node-world';
import { isDatabaseError, type Store } from '../model/store';
import type { NodeSnapshot } from '../simulate';
import { CaptureInterfaces, captureOrigin } from '../flows/capture-interface';
import { packetSource } from '../flows/flow-text';
import { icmpFlowKey, refusalsByFlow, type IcmpErrorSighting } from '../flows/icmp-refusal';
import type { RefusalView } from '../views/flow-timeline';
import { findTwins, TwinFrames } from './flows-twins';
import { FlowSimulator } from '../flows/flow-simulator';
import { buildTimeline } from '../flows/flow-timeline';
import { ServiceIndex } from '../flows/service-index';
import { dnatTargetsOf, TraceFlowCollector, traceFlowNotes, traceHops, type DnatTargetLookup, type TraceFlow } from './trace-flows';

/** Bump when stitching changes meaning: stored flows of an older algorithm are recomputed. */
const ALGORITHM = 'stitch-9';

export interface StitchSummary {
  flows: number;
  packets: number;
  conntrack: number;
  /** Replays run for inference and attribution. */
  replays: number;
  clock: ClockOffset[];
  seconds: number;
  /** False when the stored flows were current and nothing was recomputed. */
  recomputed: boolean;
  /** What stitching could not do, with its cause (inferred NAT links left out); empty when nothing was left out. */
  warnings: string[];
  /** Of `flows`, those the kernel's trace alone shows (no conntrack entry or packet); absent when nothing was recomputed. */
  tracedFlows?: number;
}

export interface StitchOptions {
  /** Recompute even when the captures did not change. */
  force?: boolean;
  /** Progress on stderr-like sinks: pass name and packets done. */
  progress?: (pass: string, done: number) => void;
  /** Checked between captures and every PROGRESS_EVERY packets or flows; a cancel while flows are written rolls them back (CancelledError). */
  signal?: CancellationSignal | null;
}

/** SQLite's page cache while stitching, KiB (the store's own is set back after). */
export const STITCH_PAGE_CACHE_KIB = 8192;
/**
 * Capture points remembered per capture. They are strings, equal by value when made again, so forgetting them
 * changes nothing but the work: pass 2 holds every capture's points at once, and a capture's live tuples are few.
 * Few enough that a point dies young: with 4,096 a capture of short connections promoted every point it made, and
 * the old generation grew ~35 MB higher between collections (160k connections, 960k packets; CPU the same).
 */
const POINTS_LIMIT = 512;

/** Interfaces of each capture's node (in the capture's namespace), for naming packets' interfaces. */
export function interfaceNamer(store: Store): (c: PacketCaptureRow) => CaptureInterfaces {
  const cache = new Map<string, InterfaceRecord[] | null>();
  return (c) => {
    const key = `${c.nodeId}|${c.netns ?? ''}`;
    let interfaces = cache.get(key);
    if (interfaces === undefined) {
      const addr = store.newestCapture(c.nodeId, ['ip-addr'], c.netns);
      interfaces = addr ? store.interfacesOf(addr.id) : null;
      cache.set(key, interfaces);
    }
    return new CaptureInterfaces(captureOrigin(c.sourceFile, c.command, c.detail), interfaces);
  };
}

function kubectlServices(store: Store): ServiceRecord[] {
  const out: ServiceRecord[] = [];
  for (const c of store.kubectlCaptures()) out.push(...store.services(c.id));
  return out;
}

interface CapturePoint {
  /** The interface as the capture names it. */
  raw: string | null;
  direction: 'in' | 'out' | null;
  tunnel: TunnelView | null;
  point: string;
  site: string;
  iface: string | null;
  next: CapturePoint | undefined;
}

/**
 * Turns a capture's stored packets into sightings, reusing one object (the builder copies what it keeps)
 * and one capture-point string per tuple and interface (and tunnel, when `tunnels` says which each frame came in).
 */
function sightings(
  c: PacketCaptureRow, ifaces: CaptureInterfaces, shiftSeconds: number, captureOrder = 0, tunnels: TunnelFrames | null = null,
): (tuple: CaptureTuple, tupleId: number, b: PacketBlock, i: number) => PacketSighting {
  let position = captureOrder * 1e12;
  const tunnelIds = new Map<TunnelView, number>();
  // Per tuple: its capture points, one per interface it was seen on (almost always one).
  const points = new Map<number, CapturePoint>();
  const p: PacketSighting = {
    ref: 0, node: c.node, iface: null, source: '', time: 0, tuple: { proto: 0, src: '', sport: null, dst: '', dport: null },
    tcpFlags: null, seq: null, ack: null, payloadLen: null, point: '', site: '', netns: c.netns, order: position, tunnel: null,
  };
  return (tuple, tupleId, b, i) => {
    const iface = b.iface(i);
    const direction = b.direction(i);
    const tunnel = tunnels === null ? null : tunnels.of(b.frame(i));
    const head = points.get(tupleId);
    let at = head;
    while (at !== undefined && (at.raw !== iface || at.direction !== direction || at.tunnel !== tunnel)) at = at.next;
    if (at === undefined) {
      if (head === undefined && points.size >= POINTS_LIMIT) points.clear();
      // A bridge device sees a packet both as it arrives and as it leaves (translated), `-i any` on every port:
      // per tuple, interface and direction, so one packet seen twice is two sightings, never a retransmission.
      // Likewise a pod packet inside the tunnel on the underlay and as it is on the tunnel device.
      let tunnelId = '';
      if (tunnel !== null) {
        let id = tunnelIds.get(tunnel);
        if (id === undefined) tunnelIds.set(tunnel, (id = tunnelIds.size + 1));
        tunnelId = `|t${id}`;
      }
      at = {
        raw: iface, direction, tunnel, point: `${c.id}|${iface ?? ''}|${direction ?? ''}|${tupleId}${tunnelId}`, site: `${c.id}|${iface ?? ''}`,
        iface: ifaces.of(iface).name, next: head,
      };
      points.set(tupleId, at);
    }
    p.ref = b.frame(i);
    p.iface = at.iface;
    p.time = b.tsSec(i) + shiftSeconds + b.tsNsec(i) / 1e9;
    p.tuple = tuple;
    p.tcpFlags = b.tcpFlags(i);
    p.seq = b.seq(i);
    p.ack = b.ack(i);
    p.payloadLen = b.payloadLen(i);
    p.point = at.point;
    p.site = at.site;
    p.tunnel = at.tunnel;
    p.order = position++;
    return p;
  };
}

/** Recomputes the stored flows when the captures changed (or always with `force`). */
export function stitchFlows(store: Store, options: StitchOptions = {}): StitchSummary {
  const started = performance.now();
  const flowStore = new FlowStore(store);
  const generation = `${ALGORITHM}|${flowStore.captureGeneration()}`;
  if (!options.force && flowStore.stitchedGeneration() === generation) {
    return { flows: flowStore.flowCount(), packets: 0, conntrack: 0, replays: 0, clock: flowStore.clock().map((c) => ({ ...c })), seconds: 0, recomputed: false, warnings: [] };
  }
  const captures = flowStore.packetCaptures();
  if (captures.length === 0 && flowStore.conntrackCount() === 0 && !store.hasKernelTrace()) {
    // Nothing to stitch: no flows, whatever the rules say (imports of rulesets alone do not load every rule here).
    flowStore.replaceFlows(generation, () => undefined);
    return { flows: 0, packets: 0, conntrack: 0, replays: 0, clock: [], seconds: (performance.now() - started) / 1000, recomputed: true, warnings: [], tracedFlows: 0 };
  }
  const namer = interfaceNamer(store);
  const ifaces = new Map(captures.map((c) => [c.id, namer(c)]));
  const twins = findTwins({ store, captures, names: ifaces });
  const copies = new TwinFrames(twins.runs, twins.captures);
  const shiftOf = new Map(twins.placements.map((p) => [p.captureId, p]));
  const shift = (captureId: number): number => shiftOf.get(captureId)?.shiftSeconds ?? 0;
  // Every pass streams the packet blocks once, capture by capture or in time order, and flows are appended: SQLite's
  // page cache saves no reads here, and left at the import's 64 MiB it fills with pages read once (a large project's
  // stitch held ~60 MB more at its peak, no faster).
  return store.withPageCache(STITCH_PAGE_CACHE_KIB, () => stitchInTime(store, options, { flowStore, generation, captures, ifaces, twins, copies, shiftOf, shift, started }));
}

interface StitchSetUp {
  flowStore: FlowStore;
  generation: string;
  captures: PacketCaptureRow[];
  ifaces: Map<number, CaptureInterfaces>;
  twins: ReturnType<typeof findTwins>;
  copies: TwinFrames;
  shiftOf: Map<number, ReturnType<typeof findTwins>['placements'][number]>;
  shift: (captureId: number) => number;
  started: number;
}

function stitchInTime(store: Store, options: StitchOptions, setUp: StitchSetUp): StitchSummary {
  const { flowStore, generation, captures, ifaces, twins, copies, shiftOf, shift, started } = setUp;
  const { signal } = options;
  const progress = (pass: string, done: number): void => {
    throwIfCancelled(signal, 'stitching the flows');
    options.progress?.(pass, done);
  };
  const readConntrack = flowStore.conntrackReader();
  const observation = (row: ConntrackRow): ConntrackObservation => {
    const time = row.takenAt === null ? null : Date.parse(row.takenAt) / 1000;
    return { ref: row.id, node: row.node, entry: row.entry, source: `${row.sourceFile}:${row.entry.line}`, time: Number.isNaN(time) ? null : time };
  };
  // Entries are read one row at a time and kept as their ids and tuples; a flow's entries are read again when it is made.
  const builder = new FlowBuilder({
    observation: (ref) => {
      const row = readConntrack(ref);
      return row === undefined ? undefined : observation(row);
    },
  });
  let conntrack = 0;
  flowStore.eachConntrackTuples((id, node, takenAt, proto, o, r) => {
    conntrack++;
    const time = takenAt === null ? null : Date.parse(takenAt) / 1000;
    builder.addConntrackTuples(id, node, Number.isNaN(time) ? null : time, tupleFromConntrack(proto, o), tupleFromConntrack(proto, r));
  });

  // A capture's stored tuples are read in pass 1 (and again at planning for a capture whose tuples pass 1 did not
  // all meet); from then on each (capture, tuple) is its pair-key ref, 4 bytes, and made into a tuple from the
  // stitcher's own columns when a packet asks.
  const addresses = new Map<string, string>();
  const v4Names = new Map<number, string>();
  const storedTuples = (captureId: number): CaptureTupleTable => flowStore.captureTupleTable(captureId, addresses, v4Names);
  const refs = new TupleNumbers();
  const refTuples = (captureId: number): RefTuples => new RefTuples(refs, captureId, (ref) => builder.tupleOfRef(ref));

  /** A capture's packets with an address tuple, in time order, as (tuple, its id, block, slot). */
  const forEachPacket = (
    captureId: number, tuples: { get(tupleId: number): CaptureTuple | undefined },
    visit: (tuple: CaptureTuple, tupleId: number, block: PacketBlock, slot: number) => void,
  ): void => {
    if (copies.whollyTwin(captureId)) return;
    for (const run of store.packets.timeOrdered(captureId)) {
      for (let k = 0; k < run.slots.length; k++) {
        const block = run.blocks[k]!;
        const slot = run.slots[k]!;
        if (copies.isTwin(captureId, block.frame(slot))) continue;
        const tupleId = block.tupleId(slot);
        const tuple = tuples.get(tupleId);
        if (tuple !== undefined) visit(tuple, tupleId, block, slot);
      }
    }
  };

  // Pass 1: a tuple's first sighting in a capture is its earliest there; later repeats add nothing but SYNs. Each
  // tuple's first and last packet time is noted: pass 2 hands a flow over once it is past the flow's last packet.
  let packets = 0;
  const times = new TupleTimes();
  /** Captures with a tuple pass 1 did not meet (every packet of it a copy of a twin's). */
  const unmet = new Set<number>();
  for (const c of captures) {
    const sighting = sightings(c, ifaces.get(c.id)!, shift(c.id));
    const shiftSeconds = shift(c.id);
    const tuples = storedTuples(c.id);
    const ids = [...tuples.ids()];
    refs.reserve(c.id, ids);
    times.reserve(c.id, ids);
    let met = 0;
    forEachPacket(c.id, tuples, (tuple, tupleId, b, i) => {
      // A cancel (Ctrl-C during an import's stitching) is heard within a large capture too.
      if (++packets % 100_000 === 0) progress('reading', packets);
      // The same sum, in the same order, as the sighting's time and the merge's.
      times.note(c.id, tupleId, b.tsSec(i) + shiftSeconds + b.tsNsec(i) / 1e9);
      const flags = b.tcpFlags(i);
      const syn = flags !== null && (flags & 0x02) !== 0;
      const noted = refs.has(c.id, tupleId);
      if (!syn && noted) return;
      const ref = builder.notePacket(sighting(tuple, tupleId, b, i));
      if (!noted) {
        refs.set(c.id, tupleId, ref);
        met++;
      }
    });
    if (met < ids.length) unmet.add(c.id);
    progress('reading', packets);
  }

  const warnings: string[] = [];
  let world: NodeSnapshot[] = [];
  try {
    // Stitching asks about every node's services and rules, so they are read now, where a damaged one is caught.
    const loaded = loadWorld(store);
    for (const node of loaded) readEveryRule(node);
    world = loaded;
  } catch (e) {
    // Packets and conntrack still stitch without the nodes' state; only links no conntrack entry proves are lost.
    if (isDatabaseError(e)) throw e;
    warnings.push(`no NAT links were inferred from the nodes' rules: their state could not be loaded (${e instanceof Error ? e.message : String(e)})`);
  }
  const sim = new FlowSimulator(world);
  builder.inferLinks(sim.predict);

  // The clock pass, capture by capture as pass 1: each TCP segment seen on two nodes is a sample of their clocks'
  // difference. The aligner keeps each segment's first sighting in the order it is fed, so this order (not pass 2's)
  // is what the offsets are made of; they are known before any flow is finished.
  let clocked = 0;
  // A segment seen twice on one node is no sample: with packets of one node only, there is nothing to align.
  const clockedCaptures = new Set(captures.filter((c) => !copies.whollyTwin(c.id)).map((c) => c.nodeId)).size > 1 ? captures : [];
  for (const c of clockedCaptures) {
    const p: PacketSighting = {
      ref: 0, node: c.node, iface: null, source: '', time: 0, tuple: { proto: 0, src: '', sport: null, dst: '', dport: null },
      tcpFlags: null, seq: null, ack: null, payloadLen: null, netns: c.netns,
    };
    const shiftSeconds = shift(c.id);
    forEachPacket(c.id, refTuples(c.id), (tuple, _tupleId, b, i) => {
      if (++clocked % 100_000 === 0) progress('aligning clocks', clocked);
      const flags = b.tcpFlags(i);
      if (flags === null) return;
      p.time = b.tsSec(i) + shiftSeconds + b.tsNsec(i) / 1e9;
      p.tuple = tuple;
      p.tcpFlags = flags;
      p.seq = b.seq(i);
      p.ack = b.ack(i);
      p.payloadLen = b.payloadLen(i);
      builder.addClockSample(p);
    });
    builder.endCapture();
  }

  // Every flow is known now, and when its packets begin and end: the flows are numbered before pass 2, and each
  // (capture, tuple) is given its flow. A tuple whose packets here were all copies of a twin's is still the twin's
  // flow: its packets answer "which flow".
  const services = new ServiceIndex(world, kubectlServices(store));
  // Every conntrack entry's and packet's tuple is known now: the kernel's traced packets of none of them are flows of
  // their own, numbered among the others by first time seen.
  const traced = traceOnlyFlows(store, (t) => builder.knowsTuple(t), dnatTargetsOf(world), warnings, () => throwIfCancelled(signal, 'stitching the flows'));
  const { finalId, clock, count, extraIds } = builder.planFlows(
    (original, node) => services.nameOf(original, node, null, (address) => sim.isLocal(node, address)),
    (add) => {
      for (const c of captures) {
        if (unmet.has(c.id)) {
          for (const [tupleId, tuple] of storedTuples(c.id).entries()) {
            if (refs.has(c.id, tupleId)) continue;
            const ref = builder.sightedRef(tuple);
            if (ref !== 0) refs.set(c.id, tupleId, ref);
          }
        }
        refs.forEach(c.id, (tupleId, ref) => {
          const span = times.get(c.id, tupleId);
          if (span !== undefined) add(ref, c.node, span[0], span[1]);
        });
        times.drop(c.id);
      }
    },
    traced.map((t) => ({ node: t.node, first: t.firstSeen })),
  );
  // No flow joins another from here on: a tuple's flow is its ref's.
  const provisionalOf: TupleFlowLookup = {
    get: (captureId, tupleId) => {
      const ref = refs.get(captureId, tupleId);
      return ref === undefined ? undefined : builder.flowOfRef(ref);
    },
  };

  // Refusals and folding look at the flows an ICMP error names (few): those are kept back until every flow is made.
  const errors = icmpErrorSightings(store, captures, ifaces, shift, (id, frame) => copies.isTwin(id, frame));
  const named = flowsNamedByErrors(errors, provisionalOf, finalId);
  const held: Flow[] = [];

  let written = 0;
  flowStore.replaceFlows(generation, (w) => {
    const write = (flow: Flow, refused: RefusalView[] | undefined): void => {
      if (++written % 10_000 === 0) throwIfCancelled(signal, 'stitching the flows');
      const entries = flow.conntrack.map((c) => ({ node: c.node, source: c.source, entry: builder.conntrackEntry(c.ref)! }));
      const timeline = { ...buildTimeline(flow, entries, sim), ...(refused === undefined ? {} : { refusals: refused }) };
      const service = timeline.service ?? flow.service
        ?? services.nameOf(flow.original, flow.hops[0]?.node ?? flow.conntrack[0]?.node ?? '', flow.reply, (a) => sim.isLocal(flow.hops[0]?.node ?? '', a));
      w.addFlow({
        id: flow.id, proto: flow.proto, original: flow.original, reply: flow.reply, nat: flow.nat, service,
        evidence: flow.evidence, firstSeen: flow.firstSeen, lastSeen: flow.lastSeen, packets: flow.packets,
        tcp: flow.tcp ? JSON.stringify(flow.tcp) : null, hops: '[]', links: JSON.stringify(flow.links),
        timeline: JSON.stringify(timeline), conntrack: JSON.stringify(flow.conntrack),
      });
      for (const c of flow.conntrack) w.linkConntrack(flow.id, c.ref);
    };
    const finished = (flow: Flow): void => {
      if (named.is(flow)) held.push(flow);
      else write(flow, undefined);
    };

    // Pass 2, every capture at once in time order: a flow is written as soon as time is past its last packet.
    let done = 0;
    const streams: Array<PacketStream & { sighting: ReturnType<typeof sightings> }> = [];
    captures.forEach((c, order) => {
      if (copies.whollyTwin(c.id)) return;
      const tunnels = store.packets.tunnelFrames(c.id);
      streams.push({
        captureId: c.id, shiftSeconds: shift(c.id), runs: store.packets.timeOrdered(c.id), tuples: refTuples(c.id),
        sighting: sightings(c, ifaces.get(c.id)!, shift(c.id), order, tunnels.empty ? null : tunnels),
      });
    });
    mergePacketStreams(streams, (id, frame) => copies.isTwin(id, frame), (stream, tuple, tupleId, b, i, time) => {
      builder.finishBefore(time, finished);
      builder.addPacket(stream.sighting(tuple, tupleId, b, i));
      if (++done % 100_000 === 0) progress('stitching', done);
    });
    throwIfCancelled(signal, 'stitching the flows');
    builder.finishRest(finished);

    held.sort((x, y) => x.id - y.id);
    const refusals = refusalsByFlow(held, errors);
    // An ICMP error is a sighting of the flow it refuses: a flow made of nothing but such errors is folded into it.
    const refusedBy = new Map<string, number>();
    for (const [flowId, list] of refusals) for (const r of list) refusedBy.set(r.icmpFlowKey, flowId);
    const folded = foldedIcmpFlows(errors, refusedBy, provisionalOf, finalId, held);
    for (const flow of held) if (!folded.has(flow.id)) write(flow, refusals.get(flow.id));

    const offsets = new Map(clock.map((c) => [c.node, c.offsetSeconds]));
    traced.forEach((t, i) => {
      const flow = traceFlow(t, extraIds[i]!, offsets.get(t.node) ?? 0);
      const timeline = buildTimeline(flow, [], sim, { node: t.node, iface: t.arrival });
      timeline.hops = traceHops(t, t.node, offsets.get(t.node) ?? 0);
      timeline.notes.unshift(...traceFlowNotes(t));
      const service = timeline.service ?? services.nameOf(t.original, t.node, t.reply, (a) => sim.isLocal(t.node, a));
      w.addFlow({
        id: flow.id, proto: flow.proto, original: flow.original, reply: flow.reply, nat: flow.nat, service, evidence: flow.evidence,
        firstSeen: flow.firstSeen, lastSeen: flow.lastSeen, packets: 0, tcp: null, hops: '[]', links: '[]', timeline: JSON.stringify(timeline), conntrack: '[]',
      });
    });

    w.setClock(clock);
    w.setTwins(
      twins.captures.map((t) => ({
        ...t, shiftSeconds: shiftOf.get(t.captureId)?.shiftSeconds ?? null, timeBasis: shiftOf.get(t.captureId)?.basis ?? null,
      })),
      twins.runs,
    );
    // Every packet's flow, by tuple (tuple ids are per capture); the packets themselves stay where they are.
    let linked = 0;
    for (const c of captures) {
      refs.forEach(c.id, (tupleId, ref) => {
        if (++linked % 100_000 === 0) progress('linking packets', linked);
        const flow = finalId(builder.flowOfRef(ref));
        w.linkTuple(c.id, tupleId, folded.get(flow) ?? flow);
      });
    }
  });
  return {
    flows: count, packets, conntrack, replays: sim.replays, clock,
    seconds: (performance.now() - started) / 1000, recomputed: true, warnings: [...warnings, ...sim.warnings()], tracedFlows: traced.length,
  };
}

/** Kernel trace lines read between two checks for a cancel. */
export const TRACE_CANCEL_EVERY = 4096;

/** The kernel's traced connections no conntrack entry or captured packet makes a flow of, capture by capture. */
function traceOnlyFlows(
  store: Store, known: (t: TraceFlow['original']) => boolean, dnatTargets: DnatTargetLookup, warnings: string[], checkCancel: () => void,
): TraceFlow[] {
  const collector = new TraceFlowCollector(known, dnatTargets);
  let lines = 0;
  // A cancel is heard between captures and within a long log.
  const tick = (): void => {
    if (++lines % TRACE_CANCEL_EVERY === 0) checkCancel();
  };
  for (const c of store.kernelTraceCaptures()) {
    checkCancel();
    collector.addCapture(c.node, c.sourceFile, store.eachKernelTraceOf(c.captureId), tick);
  }
  if (collector.unaddressed > 0) {
    warnings.push(`${collector.unaddressed} traced packet(s) of the kernel trace show no IP addresses and protocol, the first at ${collector.firstUnaddressed}: no flow was made of them`);
  }
  return collector.result();
}

/** A trace flow as the timeline reads a flow: no hops, packets or conntrack entries; times on the reference clock. */
function traceFlow(t: TraceFlow, id: number, offset: number): Flow {
  return {
    id, proto: t.proto, original: t.original, reply: t.reply, nat: t.nat, service: null, evidence: 'kernel-trace', links: [], conntrack: [],
    firstSeen: t.firstSeen === null ? null : t.firstSeen + offset, lastSeen: t.lastSeen === null ? null : t.lastSeen + offset,
    packets: 0, hops: [], tcp: null,
  };
}

/** A (capture, tuple)'s provisional flow, if it has one. */
interface TupleFlowLookup {
  get(captureId: number, tupleId: number): number | undefined;
}

/**
 * The flows made only of ICMP errors that each refused a flow, mapped to that flow (their packets join it). A flow
 * with any other packet, or with an error that refused no captured flow, stays as it is.
 */
function foldedIcmpFlows(
  errors: readonly IcmpErrorSighting[], refusedBy: ReadonlyMap<string, number>, provisionalOf: TupleFlowLookup,
  finalId: (provisional: number) => number, flows: readonly Flow[],
): Map<number, number> {
  const errorsOf = new Map<number, { count: number; into: Set<number | undefined> }>();
  for (const e of errors) {
    const provisional = provisionalOf.get(e.captureId, e.tupleId);
    if (provisional === undefined) continue;
    const own = finalId(provisional);
    let entry = errorsOf.get(own);
    if (entry === undefined) errorsOf.set(own, (entry = { count: 0, into: new Set() }));
    entry.count++;
    entry.into.add(refusedBy.get(icmpFlowKey(e)));
  }
  const out = new Map<number, number>();
  for (const f of flows) {
    const entry = errorsOf.get(f.id);
    if (entry === undefined || entry.count !== f.packets || f.conntrack.length > 0 || entry.into.size !== 1) continue;
    const [into] = entry.into;
    if (into !== undefined && into !== f.id) out.set(f.id, into);
  }
  return out;
}

/**
 * Which flows refusalsByFlow and foldedIcmpFlows need: those with an original-direction hop between the addresses
 * of a packet an ICMP error answers, and those the errors' own packets belong to.
 */
function flowsNamedByErrors(
  errors: readonly IcmpErrorSighting[], provisionalOf: TupleFlowLookup, finalId: (provisional: number) => number,
): { is: (flow: Flow) => boolean } {
  if (errors.length === 0) return { is: () => false };
  const answered = new Set(errors.map((e) => `${e.answered.src}|${e.answered.dst}`));
  const own = new Set<number>();
  for (const e of errors) {
    const provisional = provisionalOf.get(e.captureId, e.tupleId);
    if (provisional !== undefined) own.add(finalId(provisional));
  }
  return { is: (f) => own.has(f.id) || f.hops.some((h) => h.direction === 'original' && answered.has(`${h.tuple.src}|${h.tuple.dst}`)) };
}

/** Every ICMP destination unreachable of the packet captures (copies of a twin's packets left out). */
function icmpErrorSightings(
  store: Store, captures: readonly PacketCaptureRow[], ifaces: ReadonlyMap<number, CaptureInterfaces>,
  shift: (captureId: number) => number, isCopy: (captureId: number, frame: number) => boolean,
): IcmpErrorSighting[] {
  const out: IcmpErrorSighting[] = [];
  for (const c of captures) {
    const errors = store.packets.icmpErrors(c.id);
    if (errors.length === 0) continue;
    const tuples = [...store.packets.tuplesOf(c.id)];
    const tupleIdOf = (_captureId: number, row: { src: string | null; dst: string | null; ipProto: number | null; sport: number | null; dport: number | null }): number | null =>
      tuples.find(([, t]) => t.src === row.src && t.dst === row.dst && t.ipProto === row.ipProto && t.sport === row.sport && t.dport === row.dport)?.[0] ?? null;
    for (const e of errors) {
      if (isCopy(c.id, e.frame)) continue;
      const row = store.packets.packetsOf(c.id, e.frame, 1)[0];
      if (row === undefined || row.frame !== e.frame || row.src === null || row.icmpType === null) continue;
      const tupleId = tupleIdOf(c.id, row);
      if (tupleId === null) continue;
      out.push({
        captureId: c.id, frame: e.frame, tupleId,
        node: c.node, interface: ifaces.get(c.id)?.of(row.iface).name ?? null, source: packetSource(c, e.frame, row.line),
        time: row.tsSec + shift(c.id) + row.tsNsec / 1e9, from: row.src, icmpType: row.icmpType, icmpCode: row.icmpCode,
        family: row.ipProto === 58 ? 'ipv6' : 'ipv4', answered: e.answered,
      });
    }
  }
  return out;
}

export type { Flow };

/** Reads each chain's rules of a node (the world reads them lazily, on first use). */
function readEveryRule(node: NodeSnapshot): void {
  for (const ruleset of [node.ruleset, node.ruleset6]) {
    for (const table of ruleset?.tables ?? []) for (const chain of table.chains) void chain.rules.length;
  }
}
