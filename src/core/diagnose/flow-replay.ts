/**
 * Replays a captured flow's first packet at the first node that captured it: the replay that says
 * what the kernel should have done with it (deliver, forward, drop, reject), so a finding can put the
 * rule that decided next to the packets that show the symptom, and a view can draw the predicted path
 * beside the captured one.
 *
 * The ingress is, in this order: the interface the packet was captured on; `local` when its source is
 * an address of the node (a process there sent it); the interface the node routes the source back
 * through (where a packet from there arrives, unless the paths are asymmetric).
 */
import { tupleText } from '../flows/flow-timeline';
import type { TupleView } from '../views/flow-timeline';
import type { FlowView, ObservationView } from '../views/flows';
import { tracePacket, SimulateError, type NodeSnapshot, type TraceRequest, type TraceResult } from '../simulate';
import { formatIp, parseIp } from '../common/ip';
import { compileRouting, lookupRoute } from '../simulate/routing';
import type { FindingTrace } from './finding';

/** Why the replay starts where it does. */
export type IngressBasis =
  | { kind: 'observed'; interface: string }
  | { kind: 'local'; address: string }
  | { kind: 'route'; interface: string; route: string | null };

/** The packet replayed: where it was seen first, as captured. */
export interface ReplayedSighting {
  node: string;
  /** The interface it was captured on (null: not known, or a conntrack entry). */
  interface: string | null;
  packet: TupleView;
  /** `file:line` (or `file#frame`) of the packet, the conntrack entry or the kernel's trace line. */
  source: string;
  from: 'packet' | 'conntrack' | 'kernel-trace';
}

export type FlowReplay =
  | {
      kind: 'replayed';
      flowId: number;
      sighting: ReplayedSighting;
      basis: IngressBasis;
      /** One sentence: why this node and ingress. */
      why: string;
      request: TraceRequest;
      /** The same request as `natlens trace` takes it (null for a protocol the CLI cannot replay). */
      trace: FindingTrace | null;
      result: TraceResult;
    }
  | { kind: 'not-replayed'; flowId: number; sighting: ReplayedSighting | null; reason: string };

const TRACE_CLI_PROTOS = new Set(['tcp', 'udp', 'icmp']);

const endpoint = (ip: string, port: number | null): string => (port === null ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/**
 * The first sighting of the client's packet: a captured packet in a node's own namespace, else a conntrack
 * entry, else the kernel's trace of it. Among nodes that captured it, the first on its way: a node that routes it (as captured there) via
 * an address of another of them sent it on to that one, whatever the captures' clocks say (two nodes'
 * clocks are aligned only as well as the packets allow). Within the first node, the earliest sighting.
 */
export function firstSighting(observations: readonly ObservationView[], world: ReadonlyMap<string, NodeSnapshot>): ReplayedSighting | null {
  const usable = (o: ObservationView): boolean => world.has(o.node) && o.netns === null && o.direction !== 'reply';
  const packets = observations.filter((o) => o.kind === 'packet' && usable(o));
  if (packets.length > 0) {
    const nodes = [...new Set(packets.map((o) => o.node))];
    const sends = new Map(nodes.map((n) => [n, nextNodes(world.get(n)!, packets.filter((o) => o.node === n), world)]));
    const upstream = nodes.filter((n) => !nodes.some((m) => m !== n && sends.get(m)!.has(n) && !sends.get(n)!.has(m)));
    const packet = packets.find((o) => upstream.includes(o.node)) ?? packets[0]!;
    return { node: packet.node, interface: packet.interface, packet: packet.packet, source: packet.source, from: 'packet' };
  }
  const entry = observations.find((o) => o.kind === 'conntrack' && world.has(o.node));
  if (entry) return { node: entry.node, interface: null, packet: entry.packet, source: entry.source, from: 'conntrack' };
  // A flow the kernel's trace alone shows: its first line before any NAT, where the packet entered (IN, else OUT:
  // a packet sent on the node has no IN, and its source is then the node's own address).
  const traced = observations.find((o) => o.kind === 'kernel-trace' && usable(o) && o.stage !== 'post-NAT');
  return traced ? { node: traced.node, interface: traced.interface, packet: traced.packet, source: traced.source, from: 'kernel-trace' } : null;
}

/** The other nodes `node` sends these packets to: the next hop of its route to their destination is an address of one. */
function nextNodes(node: NodeSnapshot, packets: readonly ObservationView[], world: ReadonlyMap<string, NodeSnapshot>): Set<string> {
  const out = new Set<string>();
  const routing = compileRouting(node.interfaces, node.routes, node.rules ?? null);
  for (const dst of new Set(packets.map((o) => o.packet.dst))) {
    const ip = parseIp(dst);
    const look = ip === null ? null : lookupRoute(routing, ip);
    if (look?.kind !== 'unicast') continue;
    const via = formatIp(look.nextHop);
    for (const other of world.values()) {
      if (other.name !== node.name && (other.interfaces ?? []).some((i) => i.addresses.some((a) => a.cidr.split('/')[0] === via))) out.add(other.name);
    }
  }
  return out;
}

/** The device the node routes `address` out of (null: no unicast route, or the captures cannot say). */
function routeDevice(node: NodeSnapshot, address: string): { dev: string; route: string } | { failed: string } {
  const ip = parseIp(address);
  if (ip === null) return { failed: `${address} is not an IP address` };
  const look = lookupRoute(compileRouting(node.interfaces, node.routes, node.rules ?? null), ip);
  switch (look.kind) {
    case 'unicast':
      return look.dev === null ? { failed: `${node.name}'s route to ${address} names no device` } : { dev: look.dev, route: look.route.text };
    case 'local':
      return { failed: `${address} is local to ${node.name}` };
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
    case 'no-route':
      return { failed: `${node.name} has no usable route to ${address}` };
    case 'unknown':
      return { failed: look.missing };
  }
}

/**
 * Where the replay of `sighting` starts on its node, and why; a reason when the captures cannot say.
 * A packet from one of the node's own addresses was sent there. A packet captured on the interface the
 * node routes its destination out of, while its source lies behind another one, was captured leaving:
 * it arrived where the source is routed.
 */
export function chooseIngress(sighting: ReplayedSighting, node: NodeSnapshot): { basis: IngressBasis; why: string } | { reason: string } {
  const { src, dst } = sighting.packet;
  const owned = (node.interfaces ?? []).some((i) => i.addresses.some((a) => a.cidr.split('/')[0] === src));
  if (owned) return { basis: { kind: 'local', address: src }, why: `${src} is an address of ${sighting.node}: sent by a process there` };
  const names = new Set((node.interfaces ?? []).map((i) => i.name));
  const back = routeDevice(node, src);
  if (sighting.interface !== null && (names.has(sighting.interface) || node.interfaces === null)) {
    const seen = sighting.interface;
    const master = (name: string): string => node.interfaces?.find((i) => i.name === name)?.master ?? name;
    const out = routeDevice(node, dst);
    const leaving = 'dev' in back && 'dev' in out && master(out.dev) === master(seen) && master(back.dev) !== master(seen);
    if (!leaving) return { basis: { kind: 'observed', interface: seen }, why: `first captured arriving on ${sighting.node} ${seen} (${sighting.source})` };
    return {
      basis: { kind: 'route', interface: back.dev, route: back.route },
      why: `first captured leaving ${sighting.node} on ${seen} (${sighting.source}), the way to ${dst}; it arrived where ${src} is routed: ${back.dev} (${back.route})`,
    };
  }
  if (!('dev' in back)) return { reason: `the ingress interface cannot be told: ${back.failed}` };
  return {
    basis: { kind: 'route', interface: back.dev, route: back.route },
    why: `the capture does not name its interface; ${sighting.node} routes ${src} back through ${back.dev} (${back.route}), so it arrives there`,
  };
}

/** The request (and its `natlens trace` form) replaying `sighting` from `basis`. */
export function replayRequest(proto: string, sighting: Pick<ReplayedSighting, 'node' | 'packet'>, basis: IngressBasis): { request: TraceRequest; trace: FindingTrace | null } {
  const p = sighting.packet;
  const request: TraceRequest = {
    node: sighting.node, proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport, follow: true,
    ...(basis.kind === 'local' ? { local: true } : { in: basis.interface }),
  };
  if (!TRACE_CLI_PROTOS.has(proto)) return { request, trace: null };
  const cliProto = proto as FindingTrace['proto'];
  const src = endpoint(p.src, p.sport);
  const dst = endpoint(p.dst, p.dport);
  const trace: FindingTrace = basis.kind === 'local'
    ? { node: sighting.node, proto: cliProto, src, dst, local: true }
    : { node: sighting.node, proto: cliProto, src, dst, in: basis.interface };
  return { request, trace };
}

/** Replays the first packet of a flow as read from the store (its first `scan` observations suffice) in `world`. */
export function replayFlowView(flow: Pick<FlowView, 'id' | 'proto' | 'observations'>, world: NodeSnapshot[]): FlowReplay {
  const flowId = flow.id;
  const byName = new Map(world.map((n) => [n.name, n]));
  const sighting = firstSighting(flow.observations, byName);
  if (sighting === null) return { kind: 'not-replayed', flowId, sighting: null, reason: 'no packet, conntrack entry or kernel trace line of the flow was captured on an imported node' };
  const proto = flow.proto;
  if (/^\d+$/.test(proto)) {
    return { kind: 'not-replayed', flowId, sighting, reason: `protocol ${proto} is not replayed` };
  }
  const ingress = chooseIngress(sighting, byName.get(sighting.node)!);
  if ('reason' in ingress) return { kind: 'not-replayed', flowId, sighting, reason: ingress.reason };
  const { request, trace } = replayRequest(proto, sighting, ingress.basis);
  try {
    return { kind: 'replayed', flowId, sighting, basis: ingress.basis, why: ingress.why, request, trace, result: tracePacket(world, request) };
  } catch (e) {
    if (!(e instanceof SimulateError)) throw e;
    return { kind: 'not-replayed', flowId, sighting, reason: `${tupleText(sighting.packet)} on ${sighting.node}: ${e.message}` };
  }
}
