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
import { tupleText, type TupleView } from '../flows/flow-timeline';
import { flowDetail, type ObservationView } from '../flows/flow-views';
import { loadWorld } from '../model/node-world';
import type { Store } from '../model/store';
import { tracePacket, SimulateError, type NodeSnapshot, type TraceRequest, type TraceResult } from '../simulate';
import { parseIp } from '../simulate/ip-number';
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
  /** `file:line` (or `file#frame`) of the packet or the conntrack entry. */
  source: string;
  from: 'packet' | 'conntrack';
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

export interface FlowReplayOptions {
  /** The replay's world, when the caller replays many flows (loadWorld once). */
  world?: NodeSnapshot[];
  /** How many of the flow's first packets are looked through for one sent by the client (default 64). */
  scan?: number;
}

const TRACE_CLI_PROTOS = new Set(['tcp', 'udp', 'icmp']);

const endpoint = (ip: string, port: number | null): string => (port === null ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** The first sighting of the client's packet: a captured packet in the node's own namespace, else a conntrack entry. */
export function firstSighting(observations: readonly ObservationView[], nodes: ReadonlySet<string>): ReplayedSighting | null {
  const usable = (o: ObservationView): boolean => nodes.has(o.node) && o.netns === null && o.direction !== 'reply';
  const packet = observations.find((o) => o.kind === 'packet' && usable(o));
  if (packet) return { node: packet.node, interface: packet.interface, packet: packet.packet, source: packet.source, from: 'packet' };
  const entry = observations.find((o) => o.kind === 'conntrack' && nodes.has(o.node));
  return entry ? { node: entry.node, interface: null, packet: entry.packet, source: entry.source, from: 'conntrack' } : null;
}

/** Where the replay of `sighting` starts on its node, and why; a reason when the captures cannot say. */
export function chooseIngress(sighting: ReplayedSighting, node: NodeSnapshot): { basis: IngressBasis; why: string } | { reason: string } {
  const names = new Set((node.interfaces ?? []).map((i) => i.name));
  if (sighting.interface !== null && (names.has(sighting.interface) || node.interfaces === null)) {
    return {
      basis: { kind: 'observed', interface: sighting.interface },
      why: `first captured arriving on ${sighting.node} ${sighting.interface} (${sighting.source})`,
    };
  }
  const src = parseIp(sighting.packet.src);
  if (src === null) return { reason: `the source ${sighting.packet.src} is not an IP address` };
  const owned = (node.interfaces ?? []).some((i) => i.addresses.some((a) => a.cidr.split('/')[0] === sighting.packet.src));
  if (owned) {
    return { basis: { kind: 'local', address: sighting.packet.src }, why: `${sighting.packet.src} is an address of ${sighting.node}: sent by a process there` };
  }
  const look = lookupRoute(compileRouting(node.interfaces, node.routes, node.rules ?? null), src);
  switch (look.kind) {
    case 'unicast':
      if (look.dev !== null) {
        return {
          basis: { kind: 'route', interface: look.dev, route: look.route.text },
          why: `the capture does not name its interface; ${sighting.node} routes ${sighting.packet.src} back through ${look.dev} (${look.route.text}), so it arrives there`,
        };
      }
      return { reason: `${sighting.node}'s route back to ${sighting.packet.src} names no device` };
    case 'local':
      return { basis: { kind: 'local', address: sighting.packet.src }, why: `${sighting.packet.src} is local to ${sighting.node}` };
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
    case 'no-route':
      return { reason: `${sighting.node} has no usable route back to ${sighting.packet.src}, so the ingress interface cannot be told` };
    case 'unknown':
      return { reason: `the ingress interface cannot be told: ${look.missing}` };
  }
}

/** The request (and its `natlens trace` form) replaying `sighting` from `basis`. */
export function replayRequest(proto: string, sighting: ReplayedSighting, basis: IngressBasis): { request: TraceRequest; trace: FindingTrace | null } {
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

/** Replays flow `flowId`'s first packet; null when there is no such flow. Flows must have been stitched. */
export function replayFlow(store: Store, flowId: number, options: FlowReplayOptions = {}): FlowReplay | null {
  const detail = flowDetail(store, flowId, { limit: options.scan ?? 64 });
  if (detail === null) return null;
  const world = options.world ?? loadWorld(store);
  const byName = new Map(world.map((n) => [n.name, n]));
  const sighting = firstSighting(detail.observations, new Set(byName.keys()));
  if (sighting === null) return { kind: 'not-replayed', flowId, sighting: null, reason: 'no packet or conntrack entry of the flow was captured on an imported node' };
  const proto = detail.proto;
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
