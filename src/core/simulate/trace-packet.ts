/**
 * The simulated replay: one packet through a node's captured netfilter rules and routes, and,
 * with `follow`, onto the next captured node that owns the next hop or the destination.
 */
import { assertNever } from '../common/assert-never';
import { withPremise } from './assumption';
import type { Assumption, Choice, Question } from './assumption';
import type { CompiledNode } from './compiled-node';
import { compiledNodeOf } from './compiled-node';
import type { FlowState } from './flow-state';
import { hexMark, packetView, push, toArray, withCaveat, withEvent, withNote } from './flow-state';
import { formatIp, parseIp } from '../common/ip';
import type { IpNumber } from '../common/ip';
import { serviceOf, summarize } from './kube-service';
import type { NodeSnapshot } from './node-snapshot';
import { kernelSource, traverseFromInterface, traverseFromLocal } from './node-path';
import type { NodeEnd } from './node-path';
import { hasPorts, protoNumber } from './rule-match';
import { bridgeNetfilterSetting, cite } from './kernel-settings';
import { isLocalAddress, ownsAddress } from './routing';
import type { Egress, Hop, Outcome, PacketView, SettingDrop, Step, TraceInput, TraceRequest, TraceResult } from './trace';
import { SimulateError } from './trace';
import { vethPeer } from './veth-link';
import type { LeafView } from './worlds';
import { WORLD_CAP, worldsOf } from './worlds';

const DEFAULT_SPORT = 40000;

/** br_netfilter on one node: as the request says, else as its captured sysctl says, else assumed on (and then said). */
interface BridgeNetfilter {
  on: boolean;
  how: 'requested' | 'captured' | 'assumed';
  /** The captured setting, `key=value (file:line)`, when `how` is captured. */
  cited: string | null;
}

/** The request's `bridgeNetfilter` (null: not asked) for every node of the replay. */
type RequestedBridgeNetfilter = boolean | null;

function bridgeNetfilterOf(node: CompiledNode, family: FlowState['family'], requested: RequestedBridgeNetfilter): BridgeNetfilter {
  if (requested !== null) return { on: requested, how: 'requested', cited: null };
  const captured = bridgeNetfilterSetting(node, family);
  if (captured === null) return { on: true, how: 'assumed', cited: null };
  const value = node.snapshot.sysctls?.get(captured.key)?.value ?? null;
  return { on: captured.value, how: 'captured', cited: cite(captured, value ?? 'absent: br_netfilter not loaded') };
}

/**
 * A packet entering `node` on `iface` (null: generated there). A bridge port hands it to its
 * bridge: iptables sees the bridge as the input, and with br_netfilter the port as physdev-in.
 * `l2NextHop` is the previous node's next hop, the frame's link-layer target: an address of this
 * node means the frame is for its IP stack; any other, that the bridge switches it onward.
 */
function enterNode(node: CompiledNode, s: FlowState, iface: string | null, l2NextHop: IpNumber | null, requested: RequestedBridgeNetfilter): FlowState {
  const brnf = bridgeNetfilterOf(node, s.family, requested);
  const view = packetView(s);
  const bridge = iface === null ? null : node.routing.interfaces.get(iface)?.master ?? null;
  const l2 = bridge === null || l2NextHop === null ? null : isLocalAddress(node.routing, l2NextHop) === true ? 'host' : 'bridged';
  let next: FlowState = {
    ...s,
    node: node.name,
    mark: 0,
    ctmark: 0,
    untracked: false,
    natDst: false,
    natSrc: false,
    orig: { src: s.src, sport: s.sport, dst: s.dst, dport: s.dport },
    inIface: bridge ?? iface ?? '',
    physIn: bridge !== null && brnf.on ? iface : null,
    bridged: false,
    l2,
    outIface: '',
    nextHop: l2 === 'bridged' ? l2NextHop : null,
    hopIn: iface,
    hopBefore: view,
    visited: push(s.visited, `${node.name}|${view.proto}|${view.src}|${view.sport}|${view.dst}|${view.dport}`),
  };
  next = withEvent(next, { kind: 'arrive', node: node.name, in: iface, packet: view });
  if (bridge !== null) {
    const sysctl = `bridge-nf-call-${s.family === 'ipv4' ? 'iptables' : 'ip6tables'}`;
    next = withEvent(next, {
      kind: 'note', node: node.name,
      text: brnf.on
        ? `${iface} is a port of bridge ${bridge}: iptables sees the packet on ${bridge} (physdev-in ${iface})${settingSaid(brnf, sysctl, 1)}`
        : `${iface} is a port of bridge ${bridge}: the IP stack sees the packet on ${bridge}${settingSaid(brnf, sysctl, 0)}, so iptables does not see switched frames and physdev never matches`,
    });
    if (brnf.how === 'assumed') {
      next = withCaveat(next, `${node.name}: ${sysctl} is not in the captures; assumed 1 (br_netfilter loaded, as kube-proxy requires): packets entering bridge ${bridge} from its ports cross iptables even when only switched, and physdev matches see the port`);
    }
  }
  return next;
}

function settingSaid(brnf: BridgeNetfilter, sysctl: string, value: 0 | 1): string {
  switch (brnf.how) {
    case 'assumed': return '';
    case 'requested': return `; ${sysctl}=${value} as requested`;
    case 'captured': return `; ${brnf.cited ?? sysctl} as captured`;
    default: return assertNever(brnf.how);
  }
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
  setting?: SettingDrop;
}

interface NextNode {
  node: CompiledNode;
  iface: string;
  caveat: string | null;
}

/**
 * Where a packet leaving `from` by `out` arrives: the other end of the wire when `out` is a veth
 * into another captured namespace, else the captured node (other than `from`) that owns the next
 * hop, or else the destination, on the interface holding it.
 */
function nextNode(world: CompiledNode[], from: CompiledNode, out: string, nextHop: IpNumber | null, dst: IpNumber): NextNode | null {
  const peer = vethPeer(world, from, out);
  if (peer.kind === 'peer') return { node: peer.node, iface: peer.iface, caveat: null };
  const caveat = peer.kind === 'ambiguous'
    ? `${from.name}: the other end of veth ${out} could be ${peer.candidates.join(' or ')}; the replay follows the owner of the next hop instead`
    : null;
  for (const target of nextHop !== null ? [nextHop, dst] : [dst]) {
    for (const n of world) {
      if (n === from) continue;
      const owned = ownsAddress(n.routing, target);
      if (owned === null) continue;
      if (nextHop !== null && target !== nextHop && nextHop.value !== dst.value) {
        const gateway = `${from.name}: the next hop ${formatIp(nextHop)} is not a captured node; the replay assumes it carries the packet unchanged to ${n.name}, which holds ${formatIp(dst)}`;
        return { node: n, iface: owned.dev, caveat: caveat === null ? gateway : `${caveat}; ${gateway}` };
      }
      return { node: n, iface: owned.dev, caveat };
    }
  }
  return null;
}

function traverse(world: CompiledNode[], node: CompiledNode, s: FlowState, local: boolean, follow: boolean, brnf: RequestedBridgeNetfilter): Finished[] {
  const ends = local ? traverseFromLocal(node, s) : traverseFromInterface(node, s, bridgeNetfilterOf(node, s.family, brnf).on);
  const out: Finished[] = [];
  for (const e of ends) {
    let left = leaveNode(e);
    if (e.verdict !== 'forward' || e.out === null) {
      out.push({ state: left, verdict: e.verdict, reason: e.reason, egress: null, ...(e.setting === undefined ? {} : { setting: e.setting }) });
      continue;
    }
    const egress: Egress = { node: node.name, interface: e.out, nextHop: e.nextHop ? formatIp(e.nextHop) : null };
    const hopTo = follow ? nextNode(world, node, e.out, e.nextHop, left.dst) : null;
    if (hopTo === null) {
      out.push({ state: left, verdict: 'forward', reason: null, egress });
      continue;
    }
    if (hopTo.caveat !== null) left = withCaveat(left, hopTo.caveat);
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
    out.push(...traverse(world, hopTo.node, enterNode(hopTo.node, left, hopTo.iface, e.nextHop, brnf), false, follow, brnf));
  }
  return out;
}

function stepsOf(s: FlowState): Step[] {
  const steps: Step[] = [];
  for (const e of toArray(s.trail)) if (e.kind === 'step') steps.push(e.step);
  return steps;
}

function leafView(f: Finished): LeafView {
  const answers = new Map<string, { question: Question; value: boolean }>();
  const premises = new Map<string, Assumption>();
  const choices: Choice[] = toArray(f.state.choices);
  for (const c of choices) {
    if (c.kind === 'premise') premises.set(c.key, c.assumption);
    else if (c.inferred !== null) premises.set(c.question.key, c.inferred);
    else answers.set(c.question.key, { question: c.question, value: c.value });
  }
  return { probability: f.state.probability, signature: signatureOf(f.verdict, packetView(f.state), f.egress), answers, premises };
}

/** What two outcomes must share to end alike: verdict, packet and egress. */
function signatureOf(verdict: Outcome['verdict'], packet: PacketView, egress: Egress | null): string {
  return JSON.stringify([verdict, packet, egress]);
}

function outcomeOf(f: Finished, first: { dport: number | null }): Omit<Outcome, 'assumptions' | 'assumptionsOnPath'> {
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
    ...(f.setting === undefined ? {} : { setting: f.setting }),
  };
}

/** The share of a world the cap left unexplored, as one explicit `unknown` outcome. */
function unexploredOutcome(probability: number, input: TraceInput, assumptions: Assumption[]): Outcome {
  const reason = `the captures leave more than ${WORLD_CAP} combinations of unknowns open; the replay stops enumerating them here`;
  return {
    probability, verdict: 'unknown', packet: { proto: input.proto, src: input.src, sport: input.sport, dst: input.dst, dport: input.dport },
    egress: null, marks: {}, hops: [], steps: [], reason, summary: reason, service: null, trail: [], caveats: [], assumptions, assumptionsOnPath: [],
  };
}

/**
 * `--in IFACE`: an interface the node's full address capture does not list is a request the
 * captures contradict; where they list only some interfaces, or none, it is assumed to exist.
 */
function arrivalPremise(node: CompiledNode, iface: string, s: FlowState): FlowState {
  const listed = node.snapshot.interfaces;
  if (listed !== null && node.routing.interfaces.has(iface)) return s;
  if (listed !== null && (node.snapshot.interfacesComplete ?? true)) {
    const names = [...node.routing.interfaces.keys()];
    throw new SimulateError(`${node.name} has no interface ${iface}: its captured interfaces are ${names.join(', ') || 'none'}`, true);
  }
  return withPremise(s, `in|${node.name}|${iface}`, {
    node: node.name,
    about: listed === null
      ? `the interfaces of ${node.name} (ip addr) were not captured`
      : `the interfaces of ${node.name} were captured only in part, and ${iface} is not among them`,
    assumed: `assuming ${iface} is an interface of ${node.name}, not a bridge port, with no address that matters here`,
    rule: null, source: null,
  });
}

/** Replay one packet as CONTRACT.md's `trace` describes. Throws SimulateError for a request it cannot start. */
export function tracePacket(world: NodeSnapshot[], request: TraceRequest): TraceResult {
  return traceCompiled(world.map(compiledNodeOf), request);
}

/** tracePacket over nodes already compiled (compileNode's options chosen by the caller). */
export function traceCompiled(nodes: CompiledNode[], request: TraceRequest): TraceResult {
  const node = nodes.find((n) => n.name === request.node);
  if (node === undefined) throw new SimulateError(`unknown node "${request.node}"`);
  const local = request.local === true;
  const iface = request.in ?? null;
  if (!local && (iface === null || iface === '')) throw new SimulateError('say where the packet comes from: an arriving interface (in) or local');
  if (local && iface !== null && iface !== '') throw new SimulateError('a packet is either local or arriving on an interface, not both');
  const dst = parseIp(request.dst);
  if (dst === null) throw new SimulateError(`destination "${request.dst}" is not an IP address`);
  const srcText = request.src ?? null;
  if (srcText === null && !local) throw new SimulateError('a packet arriving on an interface needs its source address', true);
  let src = srcText === null ? null : parseIp(srcText);
  if (srcText !== null && src === null) throw new SimulateError(`source "${srcText}" is not an IP address`);
  let chosen: string | null = null;
  if (src === null) {
    const picked = kernelSource(node, dst);
    if ('missing' in picked) {
      // Said without flags: the UI's Trace form shows it as well as the command line.
      throw new SimulateError(`a packet sent locally with no source address given: the kernel would send from the route's src or the primary address of its interface, but ${picked.missing}; give the source address`, true);
    }
    src = picked.ip;
    chosen = `source address ${formatIp(picked.ip)} chosen as the kernel would: ${picked.how}`;
  }
  if (src.family !== dst.family) throw new SimulateError(`source ${formatIp(src)} and destination ${request.dst} are not of the same family`);
  const proto = request.proto.toLowerCase();
  const protoNum = protoNumber(proto);
  if (protoNum === null) throw new SimulateError(`unknown protocol "${request.proto}"`);
  const ported = hasPorts(protoNum);
  const sport = ported ? request.sport ?? DEFAULT_SPORT : null;
  const dport = ported ? request.dport ?? null : null;
  const input: TraceInput = { node: node.name, proto, src: formatIp(src), sport, dst: formatIp(dst), dport, in: local ? null : iface, local };
  const view = { proto, src: input.src, sport, dst: input.dst, dport };
  const start: FlowState = {
    node: node.name, family: src.family, proto, protoNum, src, sport, dst, dport,
    mark: 0, ctmark: 0, untracked: false, natDst: false, natSrc: false,
    orig: { src, sport, dst, dport },
    inIface: '', physIn: null, bridged: false, l2: null, outIface: '', nextHop: null, hook: local ? 'OUTPUT' : 'PREROUTING',
    probability: 1, trail: null, recent: null, caveats: null, hops: null, marks: null,
    hopIn: null, hopBefore: view, visited: null, choices: null, forkCounter: { forks: 0 },
  };
  const brnf: RequestedBridgeNetfilter = request.bridgeNetfilter ?? null;
  let entered = enterNode(node, local || iface === null ? start : arrivalPremise(node, iface, start), local ? null : iface, null, brnf);
  if (chosen !== null) entered = withNote(entered, chosen);
  const finished = traverse(nodes, node, entered, local, request.follow, brnf);
  const outcomes: Outcome[] = [];
  const built = new Map<Finished, Omit<Outcome, 'assumptions' | 'assumptionsOnPath'>>();
  const unexplored = unexploredOutcome(0, input, []);
  for (const w of worldsOf(finished, leafView, signatureOf(unexplored.verdict, unexplored.packet, unexplored.egress))) {
    for (const f of w.leaves) {
      let o = built.get(f);
      if (o === undefined) {
        o = outcomeOf(f, { dport });
        built.set(f, o);
      }
      const view = leafView(f);
      const onPath = w.keys.flatMap((key, i) => (view.answers.has(key) || view.premises.has(key) ? [i] : []));
      outcomes.push({ ...o, assumptions: w.assumptions, assumptionsOnPath: onPath });
    }
    if (w.unexplored > 1e-9) outcomes.push(unexploredOutcome(w.unexplored, input, w.assumptions));
  }
  return { input, outcomes };
}
