/**
 * The simulated replay: one packet through a node's captured netfilter rules and routes, and,
 * with `follow`, onto the next captured node that owns the next hop or the destination.
 */
import type { CompiledNode } from './compiled-node';
import { compiledNodeOf } from './compiled-node';
import type { FlowState } from './flow-state';
import { hexMark, packetView, push, toArray, withEvent } from './flow-state';
import { formatIp, parseIp } from './ip-number';
import type { IpNumber } from './ip-number';
import { serviceOf, summarize } from './kube-service';
import type { NodeSnapshot } from './node-snapshot';
import { traverseFromInterface, traverseFromLocal } from './node-path';
import type { NodeEnd } from './node-path';
import { hasPorts, protoNumber } from './rule-match';
import { ownsAddress } from './routing';
import type { Egress, Hop, Outcome, Step, TraceInput, TraceRequest, TraceResult } from './trace';
import { SimulateError } from './trace';

const DEFAULT_SPORT = 40000;

/** Where a packet enters a node: mapped to the bridge when the interface is a bridge port (br_netfilter sees the bridge). */
function arrival(node: CompiledNode, iface: string): { inIface: string; physIn: string | null } {
  const rec = node.routing.interfaces.get(iface);
  if (rec?.master) return { inIface: rec.master, physIn: iface };
  return { inIface: iface, physIn: null };
}

function enterNode(node: CompiledNode, s: FlowState, iface: string | null): FlowState {
  const view = packetView(s);
  const where = iface === null ? { inIface: '', physIn: null } : arrival(node, iface);
  let next: FlowState = {
    ...s,
    node: node.name,
    mark: 0,
    ctmark: 0,
    untracked: false,
    natDst: false,
    natSrc: false,
    orig: { src: s.src, sport: s.sport, dst: s.dst, dport: s.dport },
    inIface: where.inIface,
    physIn: where.physIn,
    bridged: false,
    outIface: '',
    nextHop: null,
    hopIn: iface,
    hopBefore: view,
    visited: push(s.visited, `${node.name}|${view.proto}|${view.src}|${view.sport}|${view.dst}|${view.dport}`),
  };
  next = withEvent(next, { kind: 'arrive', node: node.name, in: iface, packet: view });
  if (where.physIn !== null) next = withEvent(next, { kind: 'note', node: node.name, text: `${iface} is a port of bridge ${where.inIface}: iptables sees the packet on ${where.inIface} (physdev-in ${iface})` });
  return next;
}

function leaveNode(e: NodeEnd): FlowState {
  const s = e.state;
  const view = packetView(s);
  const hop: Hop = { node: s.node, in: s.hopIn, out: e.verdict === 'forward' ? e.out : null, before: s.hopBefore, after: view };
  let next: FlowState = { ...s, hops: push(s.hops, hop), marks: push(s.marks, [s.node, s.mark] as [string, number]) };
  if (e.verdict === 'forward') next = withEvent(next, { kind: 'leave', node: s.node, out: e.out, nextHop: e.nextHop ? formatIp(e.nextHop) : null, packet: view });
  return next;
}

interface Finished {
  state: FlowState;
  verdict: NodeEnd['verdict'];
  reason: string | null;
  egress: Egress | null;
}

/** The captured node (other than `from`) that owns the next hop, or else the destination, and the interface holding it. */
function nextNode(world: CompiledNode[], from: string, nextHop: IpNumber | null, dst: IpNumber): { node: CompiledNode; iface: string } | null {
  for (const target of nextHop !== null ? [nextHop, dst] : [dst]) {
    for (const n of world) {
      if (n.name === from) continue;
      const owned = ownsAddress(n.routing, target);
      if (owned !== null) return { node: n, iface: owned.dev };
    }
  }
  return null;
}

function traverse(world: CompiledNode[], node: CompiledNode, s: FlowState, local: boolean, follow: boolean): Finished[] {
  const ends = local ? traverseFromLocal(node, s) : traverseFromInterface(node, s);
  const out: Finished[] = [];
  for (const e of ends) {
    const left = leaveNode(e);
    if (e.verdict !== 'forward' || e.out === null) {
      out.push({ state: left, verdict: e.verdict, reason: e.reason, egress: null });
      continue;
    }
    const egress: Egress = { node: node.name, interface: e.out, nextHop: e.nextHop ? formatIp(e.nextHop) : null };
    const hopTo = follow ? nextNode(world, node.name, e.nextHop, left.dst) : null;
    if (hopTo === null) {
      out.push({ state: left, verdict: 'forward', reason: null, egress });
      continue;
    }
    const view = packetView(left);
    const key = `${hopTo.node.name}|${view.proto}|${view.src}|${view.sport}|${view.dst}|${view.dport}`;
    let seen = false;
    for (let c = left.visited; c !== null; c = c.tail) if (c.head === key) { seen = true; break; }
    if (seen) {
      out.push({
        state: left, verdict: 'drop', egress,
        reason: `forwarding loop: the packet would reach ${hopTo.node.name} again unchanged (on ${hopTo.iface}; its TTL runs out)`,
      });
      continue;
    }
    out.push(...traverse(world, hopTo.node, enterNode(hopTo.node, left, hopTo.iface), false, follow));
  }
  return out;
}

function stepsOf(s: FlowState): Step[] {
  const steps: Step[] = [];
  for (const e of toArray(s.trail)) if (e.kind === 'step') steps.push(e.step);
  return steps;
}

function outcomeOf(f: Finished, first: { dport: number | null }): Outcome {
  const s = f.state;
  const steps = stepsOf(s);
  const hops = toArray(s.hops);
  const marks: Record<string, string> = {};
  for (const [node, mark] of toArray(s.marks)) marks[node] = hexMark(mark);
  const service = serviceOf(steps);
  const base = { verdict: f.verdict, steps, egress: f.egress, reason: f.reason, hops, service, packet: packetView(s) };
  return {
    probability: s.probability,
    verdict: f.verdict,
    packet: packetView(s),
    egress: f.egress,
    marks,
    hops,
    steps,
    reason: f.reason,
    summary: summarize(base, first),
    service,
    trail: toArray(s.trail),
    caveats: toArray(s.caveats),
  };
}

/** Replay one packet as CONTRACT.md's `trace` describes. Throws SimulateError for a request it cannot start. */
export function tracePacket(world: NodeSnapshot[], request: TraceRequest): TraceResult {
  const nodes = world.map(compiledNodeOf);
  const node = nodes.find((n) => n.name === request.node);
  if (node === undefined) throw new SimulateError(`unknown node "${request.node}"`);
  const src = parseIp(request.src);
  const dst = parseIp(request.dst);
  if (src === null) throw new SimulateError(`source "${request.src}" is not an IP address`);
  if (dst === null) throw new SimulateError(`destination "${request.dst}" is not an IP address`);
  if (src.family !== dst.family) throw new SimulateError(`source ${request.src} and destination ${request.dst} are not of the same family`);
  const proto = request.proto.toLowerCase();
  const protoNum = protoNumber(proto);
  if (protoNum === null) throw new SimulateError(`unknown protocol "${request.proto}"`);
  const local = request.local === true;
  const iface = request.in ?? null;
  if (!local && (iface === null || iface === '')) throw new SimulateError('say where the packet comes from: an arriving interface (in) or local');
  if (local && iface !== null && iface !== '') throw new SimulateError('a packet is either local or arriving on an interface, not both');
  const ported = hasPorts(protoNum);
  const sport = ported ? request.sport ?? DEFAULT_SPORT : null;
  const dport = ported ? request.dport ?? null : null;
  const input: TraceInput = { node: node.name, proto, src: formatIp(src), sport, dst: formatIp(dst), dport, in: local ? null : iface, local };
  const view = { proto, src: input.src, sport, dst: input.dst, dport };
  const start: FlowState = {
    node: node.name, family: src.family, proto, protoNum, src, sport, dst, dport,
    mark: 0, ctmark: 0, untracked: false, natDst: false, natSrc: false,
    orig: { src, sport, dst, dport },
    inIface: '', physIn: null, bridged: false, outIface: '', nextHop: null, hook: local ? 'OUTPUT' : 'PREROUTING',
    probability: 1, trail: null, recent: null, caveats: null, hops: null, marks: null,
    hopIn: null, hopBefore: view, visited: null,
  };
  const entered = enterNode(node, start, local ? null : iface);
  const finished = traverse(nodes, node, entered, local, request.follow);
  return { input, outcomes: finished.map((f) => outcomeOf(f, { dport })) };
}
