/**
 * The simulator as the flow stitcher uses it: where would this packet be rewritten to (to infer
 * links no conntrack entry proves), and which rules did the rewriting (to attribute a flow's NAT).
 * Replays are memoised without the source port, which kube-proxy rules do not match on, so a
 * million connections to one service cost one replay; a port equal to the one replayed with is
 * carried over to the new source port.
 */
import type { FlowTuple } from '../correlate/flow-key';
import type { PredictRewrite } from '../correlate/flow-builder';
import { ipProtocolName } from '../common/ip-protocol';
import { SimulateError, tracePacket, type NodeSnapshot, type Outcome, type PacketView, type TraceResult } from '../simulate';

/** The protocols the replay knows, by the names `trace --proto` takes. */
const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp', 58: 'icmpv6' };

/** Replays beyond this many distinct (node, entry, destination) keys are not attempted. */
const MAX_REPLAYS = 20_000;

export interface Replay {
  result: TraceResult;
  /** The source port the memoised replay was made with (a view's port equal to it means "the packet's own"). */
  tracedSport: number | null;
  local: boolean;
  in: string | null;
}

/** The protocol's name as flows show it (`igmp` for 2; see common/ip-protocol.ts). */
export function protoName(proto: number): string {
  return ipProtocolName(proto);
}

export class FlowSimulator {
  private readonly memo = new Map<string, Replay | null>();
  private readonly localAddresses = new Map<string, Set<string>>();
  private readonly names: Set<string>;
  replays = 0;
  skipped = 0;
  /** Replays the simulator refused (the packet's interface is not among the node's captured ones...): count and first reason. */
  refused = 0;
  firstRefusal: string | null = null;

  constructor(private readonly world: NodeSnapshot[]) {
    this.names = new Set(world.map((n) => n.name));
    for (const node of world) {
      const addresses = new Set<string>();
      for (const i of node.interfaces ?? []) for (const a of i.addresses) addresses.add(a.cidr.split('/')[0]!);
      this.localAddresses.set(node.name, addresses);
    }
  }

  /** The node owns this address (per its captured `ip addr`). */
  isLocal(node: string, address: string): boolean {
    return this.localAddresses.get(node)?.has(address) ?? false;
  }

  /**
   * Replays `tuple` on `node`: sent by the node itself when its source is one of the node's addresses,
   * else arriving on `iface`. Null when the node has no rules or the arrival is unknown.
   */
  replay(node: string, iface: string | null, tuple: FlowTuple): Replay | null {
    if (!this.names.has(node)) return null;
    const proto = PROTO_NAMES[tuple.proto];
    if (proto === undefined) return null;
    const local = this.isLocal(node, tuple.src);
    if (!local && iface === null) return null;
    const key = `${node}|${local ? '' : iface}|${tuple.proto}|${tuple.src}|${tuple.dst}|${tuple.dport ?? ''}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    if (this.memo.size >= MAX_REPLAYS) {
      this.skipped++;
      return null;
    }
    let replay: Replay | null = null;
    try {
      const result = tracePacket(this.world, {
        node, proto, src: tuple.src, sport: tuple.sport, dst: tuple.dst, dport: tuple.dport,
        ...(local ? { local: true } : { in: iface }), follow: true,
      });
      this.replays++;
      replay = { result, tracedSport: tuple.sport, local, in: local ? null : iface };
    } catch (e) {
      // A question the captures cannot answer leaves this link unknown; anything else is a fault of natlens.
      if (!(e instanceof SimulateError)) throw e;
      this.refused++;
      this.firstRefusal ??= `${node}: ${e.reason}`;
      replay = null;
    }
    this.memo.set(key, replay);
    return replay;
  }

  /** What the stitcher could not ask the replay, for the user: inferred NAT links that may be missing, and why. */
  warnings(): string[] {
    const out: string[] = [];
    if (this.refused > 0) {
      out.push(`${this.refused} replay(s) for inferring NAT links were refused, so those links stay unknown (first: ${this.firstRefusal})`);
    }
    if (this.skipped > 0) {
      out.push(`${this.skipped} replay(s) beyond the limit of ${MAX_REPLAYS} were not run, so those NAT links stay unknown`);
    }
    return out;
  }

  /** The tuples the replay says the packet carries downstream (after each node's rewrites). */
  predictedTuples(replay: Replay, tuple: FlowTuple): Array<{ tuple: FlowTuple; outcome: Outcome }> {
    const out: Array<{ tuple: FlowTuple; outcome: Outcome }> = [];
    for (const outcome of replay.result.outcomes) {
      for (const hop of outcome.hops) {
        const t = viewTuple(hop.after, tuple.proto, replay.tracedSport, tuple.sport);
        if (!out.some((o) => sameEnds(o.tuple, t))) out.push({ tuple: t, outcome });
      }
    }
    return out;
  }

  /** The FlowBuilder's prediction hook. */
  readonly predict: PredictRewrite = ({ node, iface, tuple }) => {
    const replay = this.replay(node, iface, tuple);
    if (!replay) return [];
    return this.predictedTuples(replay, tuple)
      .filter((p) => !sameEnds(p.tuple, tuple))
      .map(({ tuple: t, outcome }) => ({
        tuple: t,
        reason: `simulated on ${node}${replay.in ? ` (arriving on ${replay.in})` : ' (sent by the node)'}: ${outcome.summary}`,
      }));
  };
}

/** A simulator packet view as a flow tuple, with the memoised source port swapped for the packet's own. */
export function viewTuple(v: PacketView, proto: number, tracedSport: number | null, sport: number | null): FlowTuple {
  const swap = (p: number | null): number | null => (p !== null && p === tracedSport ? sport : p);
  return { proto, src: v.src, sport: swap(v.sport), dst: v.dst, dport: v.dport };
}

function sameEnds(a: FlowTuple, b: FlowTuple): boolean {
  return a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;
}
