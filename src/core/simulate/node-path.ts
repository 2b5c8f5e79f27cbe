/**
 * The netfilter path through one node, in the kernel's hook and priority order:
 *   arriving:  raw, mangle, nat PREROUTING → input routing → INPUT (mangle, filter, security, nat)
 *              or FORWARD (mangle, filter, security) → POSTROUTING (mangle, nat)
 *   local:     output routing → OUTPUT raw, mangle, (re-route), nat, (re-route), filter, security
 *              → POSTROUTING (mangle, nat) → out, or back in through lo for a local destination.
 * The nat table is consulted for new connections only (every replayed packet) and never for an
 * untracked one. Written in continuation style so statistic branches simply multiply.
 */
import { isDumpFormat, type TableName } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import { answerOf, FORK_BUDGET, withAnswer, withInferred, withPremise } from './assumption';
import type { Question } from './assumption';
import { inferredFact } from './inferred-facts';
import { policyStep, walkChain } from './chain-walk';
import type { WalkEnv } from './chain-walk';
import type { CompiledNode } from './compiled-node';
import { rulesetFor } from './compiled-node';
import type { FlowState } from './flow-state';
import { withCaveat, withEvent, withNote } from './flow-state';
import { formatIp, isLoopback, isUnspecified, parseIp, sameIp } from '../common/ip';
import type { IpNumber } from '../common/ip';
import type { PolicyKey } from './policy-routing';
import { cite, forwarding, routeLocalnet, rpFilter } from './kernel-settings';
import { familyRouting, inputBroadcast, isLocalAddress, lookupRoute, selectAddress } from './routing';
import type { RouteLookup } from './routing';
import { localAddressFact } from './rule-match';
import type { HookName, RouteResult, SettingDrop, Verdict } from './trace';

export interface NodeEnd {
  state: FlowState;
  verdict: Verdict;
  reason: string | null;
  /** For `forward`: the interface and next hop it leaves by. */
  out: string | null;
  nextHop: IpNumber | null;
  /** The captured kernel setting that decided a drop. */
  setting?: SettingDrop;
}

type Next = (s: FlowState) => NodeEnd[];

function end(state: FlowState, verdict: Verdict, reason: string | null): NodeEnd[] {
  return [{ state, verdict, reason, out: null, nextHop: null }];
}

function envFor(node: CompiledNode, s: FlowState): WalkEnv | null {
  const ruleset = rulesetFor(node, s.family);
  if (ruleset === null) return null;
  return {
    node: node.name, match: { routing: node.routing, node: node.name, inferred: (key) => inferredFact(node, key) }, routing: node.routing, ruleset,
    interfacesKnown: node.routing.interfacesKnown, rulesetSource: node.snapshot.rulesetSource ?? null,
  };
}

/**
 * A table or built-in chain the ruleset does not hold. A complete iptables-save lists every table
 * the kernel has loaded, so one it lacks is empty; a listing or a partial dump simply did not show
 * it, and the replay says it takes it as empty.
 */
function withMissingTable(node: CompiledNode, env: WalkEnv, s: FlowState, table: TableName, hook: HookName): FlowState {
  const origin = env.ruleset.origin;
  if (isDumpFormat(origin.format) && !origin.partial) return s;
  const cmd = origin.format === 'nft'
    ? `nft list table ${env.ruleset.family === 'ipv4' ? 'ip' : 'ip6'} ${table}`
    : `${env.ruleset.family === 'ipv4' ? 'iptables' : 'ip6tables'} -t ${table}`;
  if (!env.ruleset.tables.has(table)) {
    return withPremise(s, `table|${node.name}|${env.ruleset.family}|${table}`, {
      node: node.name, about: `the ${table} table of ${node.name} was not captured (${cmd})`,
      assumed: `assuming ${node.name}'s ${table} table holds no rules: every chain of it lets the packet pass`, rule: null, source: null,
    });
  }
  return withPremise(s, `chain|${node.name}|${env.ruleset.family}|${table}|${hook}`, {
    node: node.name, about: `chain ${hook} of ${node.name}'s ${table} table was not captured`,
    assumed: `assuming ${table} ${hook} on ${node.name} holds no rules and its policy is ACCEPT`, rule: null, source: null,
  });
}

/** Whether `ip` is one of the node's addresses: captured, already assumed by this branch, or a question to fork on. */
function localOrQuestion(node: CompiledNode, s: FlowState, ip: IpNumber): boolean | Question | null {
  const known = isLocalAddress(node.routing, ip);
  if (known !== null) return known;
  const fact = localAddressFact(node.name, ip);
  const answered = answerOf(s, fact.key);
  if (answered !== undefined) return answered;
  if (s.forkCounter.forks >= FORK_BUDGET) return null;
  return { ...fact, rule: null, source: null };
}

/** Fork `s` on `q`: the continuation runs once per answer, or once with the answer the captures imply. */
function forkOn(node: CompiledNode, s: FlowState, q: Question, go: (s: FlowState) => NodeEnd[]): NodeEnd[] {
  const inferred = inferredFact(node, q.key);
  if (inferred !== null) return go(withInferred(s, q, inferred));
  s.forkCounter.forks++;
  return [...go(withAnswer(s, q, true)), ...go(withAnswer(s, q, false))];
}

/** Run `hook` through `tables` in order; each table's built-in chain decides, its policy if it falls off the end. */
function runHook(node: CompiledNode, start: FlowState, hook: HookName, tables: TableName[], natAllowed: boolean, next: Next, announce = true): NodeEnd[] {
  const env = envFor(node, start);
  let s: FlowState = announce ? withEvent({ ...start, hook }, { kind: 'hook', node: node.name, hook }) : { ...start, hook };
  if (env === null) {
    const cmd = start.family === 'ipv4' ? 'iptables' : 'ip6tables';
    s = withPremise(s, `ruleset|${node.name}|${start.family}`, {
      node: node.name, about: `no ${cmd} ruleset of ${node.name} was captured (${cmd}-save)`,
      assumed: `assuming netfilter on ${node.name} lets the packet through unchanged`, rule: null, source: null,
    });
    return next(s);
  }
  if (env.ruleset.origin.partial) {
    // An nft listing is also partial beside a native nftables table natlens does not read (the import warned of it).
    const why = env.ruleset.origin.format === 'nft' ? 'a filtered or cut listing, or native nftables tables beside it that are not read' : 'a filtered or cut listing';
    s = withCaveat(s, `${node.name}: the ruleset capture is partial (${why}): rules or tables it does not show may change this path`);
  }
  const step = (state: FlowState, index: number): NodeEnd[] => {
    const table = tables[index];
    if (table === undefined) return next(state);
    if (table === 'nat' && (!natAllowed || state.untracked)) return step(state, index + 1);
    const chain = env.ruleset.tables.get(table)?.chains.get(hook);
    if (chain === undefined) return step(withMissingTable(node, env, state, table, hook), index + 1);
    const out: NodeEnd[] = [];
    for (const w of walkChain(env, state, chain, 0, 0)) {
      switch (w.end.kind) {
        case 'return': {
          const ps = policyStep(node.name, table, chain);
          const after = withEvent(w.state, { kind: 'step', step: ps });
          if (ps.target === 'DROP') out.push(...end(after, 'drop', `dropped on ${node.name} by the DROP policy of ${table} ${hook}`));
          else out.push(...step(after, index + 1));
          break;
        }
        case 'accept':
          out.push(...step(w.state, index + 1));
          break;
        case 'drop':
          out.push(...end(w.state, 'drop', w.end.reason));
          break;
        case 'reject':
          out.push(...end(w.state, 'reject', w.end.reason));
          break;
        case 'unknown':
          out.push(...end(w.state, 'unknown', w.end.reason));
          break;
        default:
          return assertNever(w.end);
      }
    }
    return out;
  };
  return step(s, 0);
}

function routeResult(look: RouteLookup, bridged: boolean): RouteResult {
  switch (look.kind) {
    case 'local': return { kind: 'local', dev: look.dev };
    case 'unicast': return { kind: 'unicast', dev: look.dev, via: look.route.via ? formatIp(look.route.via) : null, bridged };
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
      return { kind: look.kind };
    case 'no-route': return { kind: 'no-route' };
    case 'unknown': return { kind: 'unknown' };
    default: return assertNever(look);
  }
}

function routeText(look: RouteLookup): string | null {
  return look.kind === 'local' || look.kind === 'unicast' || look.kind === 'blackhole' || look.kind === 'unreachable' || look.kind === 'prohibit'
    ? look.route?.text ?? null
    : null;
}

/** A destination that is one of the node's addresses: its local-table route, the packet handled on lo. */
function localLookup(node: CompiledNode, dst: IpNumber): RouteLookup {
  const hit = lookupRoute(node.routing, dst);
  return { kind: 'local', route: hit.kind === 'local' ? hit.route : null, dev: 'lo' };
}

/** A route without `dev` (route -n always has one; `ip route` may not): the device that reaches the gateway. */
function withDevice(node: CompiledNode, look: RouteLookup): RouteLookup {
  if (look.kind !== 'unicast' || look.dev !== null || look.route.via === null) return look;
  const gw = lookupRoute(node.routing, look.route.via);
  return gw.kind === 'unicast' ? { ...look, dev: gw.dev } : look;
}

function routeFailure(node: CompiledNode, s: FlowState, look: RouteLookup): NodeEnd[] | null {
  const dst = formatIp(s.dst);
  switch (look.kind) {
    case 'no-route':
      return end(s, 'drop', `no route to ${dst} on ${node.name}`);
    case 'blackhole':
      return end(s, 'drop', `blackhole route to ${dst} on ${node.name} (${look.route.text})`);
    case 'unreachable':
      return end(s, 'reject', `unreachable route to ${dst} on ${node.name} (${look.route.text}): ICMP host unreachable`);
    case 'prohibit':
      return end(s, 'reject', `prohibit route to ${dst} on ${node.name} (${look.route.text}): ICMP administratively prohibited`);
    default:
      return null;
  }
}

function policyRoutingCaveat(node: CompiledNode, s: FlowState): FlowState {
  const fr = familyRouting(node.routing, s.family);
  const other = fr.otherTables;
  if (other.length === 0 || fr.policy !== null) return s;
  return withCaveat(s, `${node.name}: routes in table${other.length > 1 ? 's' : ''} ${other.join(', ')} were captured, but not its routing policy (ip rule): only the local and main tables are used`);
}

/** What `ip rule` selectors test: the packet as it is routed, `iif` the interface it came in by (`lo` when generated here). */
function policyKey(s: FlowState, iif: string): PolicyKey {
  return { src: s.src, iif, oif: null, mark: s.mark, protoNum: s.protoNum, sport: s.sport, dport: s.dport };
}

/** A frame from a port of `bridge` is switched, not routed, when its destination is on that bridge: the route leaves by the same bridge without a gateway. */
export function bridgedByRoute(look: RouteLookup, bridge: string): boolean {
  return look.kind === 'unicast' && look.dev === bridge && look.route.via === null;
}

/**
 * br_netfilter on a frame the bridge switches from port to port: no routing decision; iptables
 * sees it in FORWARD and POSTROUTING in and out the same bridge (physdev-is-bridged).
 */
function switchFrame(node: CompiledNode, s: FlowState, natAllowed: boolean): NodeEnd[] {
  const hop = s.nextHop ?? s.dst;
  const via = sameIp(hop, s.dst) ? null : formatIp(hop);
  const switched = withEvent({ ...s, outIface: s.inIface, nextHop: hop, bridged: true }, {
    kind: 'route', node: node.name, stage: 'input', dst: formatIp(s.dst), route: null,
    result: { kind: 'unicast', dev: s.inIface, via, bridged: true },
    note: `the frame is addressed to ${formatIp(hop)}, another host on bridge ${s.inIface}: ${node.name} switches it without a routing decision`,
  });
  return runHook(node, switched, 'FORWARD', ['mangle', 'filter', 'security'], natAllowed, (f) => postrouting(node, f, natAllowed));
}

/** After PREROUTING: local delivery or forwarding. */
function routeInput(node: CompiledNode, s0: FlowState, natAllowed: boolean): NodeEnd[] {
  let s = policyRoutingCaveat(node, s0);
  const dst = formatIp(s.dst);
  const unchanged = sameIp(s.dst, s.orig.dst);
  if (s.physIn !== null && s.l2 === 'bridged' && unchanged) return switchFrame(node, s, natAllowed);
  const localnet = isLoopback(s.dst) && s.inIface !== 'lo' && s.family === 'ipv4' ? routeLocalnet(node, s.inIface) : null;
  if (isLoopback(s.dst) && s.inIface !== 'lo' && localnet?.value !== true) {
    if (localnet !== null) {
      const setting: SettingDrop = { node: node.name, effect: 'martian-destination', key: localnet.key, value: '0', source: localnet.source, in: s.inIface };
      return [{ ...end(s, 'drop', `${dst} arrives on ${s.inIface} of ${node.name}: a martian destination, dropped at the routing decision (${cite(localnet, '0')})`)[0]!, setting }];
    }
    return end(s, 'unknown', `${dst} arrives on ${s.inIface} of ${node.name}: a martian destination, dropped unless net.ipv4.conf.${s.inIface}.route_localnet=1 (sysctls were not captured)`);
  }
  const broadcast = inputBroadcast(node.routing, s.dst);
  const local = broadcast !== null ? true : localOrQuestion(node, s, s.dst);
  if (local !== null && typeof local !== 'boolean') return forkOn(node, s0, local, (b) => routeInput(node, b, natAllowed));
  const look: RouteLookup = broadcast !== null
    ? { kind: 'local', route: broadcast.route, dev: 'lo' }
    : local === true ? localLookup(node, s.dst) : withDevice(node, lookupRoute(node.routing, s.dst, policyKey(s, s.inIface)));
  if (local === null && look.kind === 'unicast') {
    s = withCaveat(s, `${node.name}: its addresses (ip addr) were not captured: ${dst} is taken as not local`);
  }
  if (broadcast !== null) s = withNote(s, `${dst} is a broadcast address on ${node.name}: delivered locally, not forwarded`);
  // A frame addressed to this node is routed, unless DNAT sent it back onto the same bridge (br_netfilter's bridged DNAT).
  const bridged = s.physIn !== null && bridgedByRoute(look, s.inIface) && !(s.l2 === 'host' && unchanged);
  s = withEvent(s, { kind: 'route', node: node.name, stage: 'input', dst, result: routeResult(look, bridged), route: routeText(look), note: look.kind === 'unknown' ? look.missing : null });
  const refused = refusedBySettings(node, s, look, bridged);
  if (refused !== null) {
    if ('ends' in refused) return refused.ends;
    s = refused.state;
  }
  const failed = routeFailure(node, s, look);
  if (failed !== null) return failed;
  switch (look.kind) {
    case 'local':
      return runHook(node, { ...s, outIface: '' }, 'INPUT', ['mangle', 'filter', 'security', 'nat'], natAllowed, (d) => end(d, 'deliver', null));
    case 'unicast': {
      const fwd: FlowState = { ...s, outIface: look.dev, nextHop: look.nextHop, bridged };
      return runHook(node, fwd, 'FORWARD', ['mangle', 'filter', 'security'], natAllowed, (f) => postrouting(node, f, natAllowed));
    }
    case 'unknown': {
      const fwd = withNote({ ...s, outIface: null, nextHop: null }, `the route for ${dst} on ${node.name} is unknown (${look.missing}); following the forward path as far as the rules allow`);
      return runHook(node, fwd, 'FORWARD', ['mangle', 'filter', 'security'], natAllowed, (f) => postrouting(node, f, natAllowed));
    }
    default:
      return end(s, 'unknown', `unexpected route result on ${node.name}`);
  }
}

/**
 * What the node's kernel settings do at the input routing decision (ip_route_input_slow): a packet to be forwarded by a
 * node whose in-device does not forward is dropped there, before FORWARD, and ip_error sends no ICMP error when
 * forwarding is off; then rp_filter's reverse lookup of the source (fib_validate_source) for a packet delivered or
 * forwarded. A bridged DNAT back onto its bridge is switched whatever ip_forward says (br_netfilter's bridged_dnat).
 * Null when the settings change nothing; a state when they only add a caveat.
 */
function refusedBySettings(node: CompiledNode, s: FlowState, look: RouteLookup, bridged: boolean): { ends: NodeEnd[] } | { state: FlowState } | null {
  if (bridged || s.inIface === '' || s.inIface === 'lo') return null;
  const dst = formatIp(s.dst);
  if (look.kind !== 'local') {
    const fw = forwarding(node, s.family, s.inIface);
    if (fw !== null && !fw.value) {
      const setting: SettingDrop = { node: node.name, effect: 'forwarding-off', key: fw.key, value: '0', source: fw.source, in: s.inIface };
      return {
        ends: [{ ...end(s, 'drop', `${node.name} does not forward (${cite(fw, '0')}): the packet for ${dst} that came in on ${s.inIface} is dropped at the routing decision, before FORWARD, without an ICMP error`)[0]!, setting }],
      };
    }
  }
  if (s.family !== 'ipv4' || (look.kind !== 'local' && look.kind !== 'unicast') || isUnspecified(s.src)) return null;
  const back = withDevice(node, lookupRoute(node.routing, s.src, { src: s.dst, iif: 'lo', oif: null, mark: 0, protoNum: 0, sport: null, dport: null }));
  const src = formatIp(s.src);
  const fails: string | null = back.kind === 'unicast'
    ? back.dev !== null && back.dev !== s.inIface ? `the route back to ${src} leaves by ${back.dev}, not ${s.inIface}` : null
    : back.kind === 'local' ? `${src} is one of ${node.name}'s own addresses (a martian source)`
      : back.kind === 'unknown' ? null : `${node.name} has no route back to ${src}`;
  if (fails === null) return null;
  const rp = rpFilter(node, s.inIface);
  if (rp === null && back.kind === 'local') return null;
  if (rp === null) {
    return { state: withCaveat(s, `${node.name}: rp_filter is not in the captures (sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.${s.inIface}.rp_filter): ${fails}, so with strict rp_filter (1) the kernel drops this packet at the routing decision`) };
  }
  const loose = rp.value === 2 && back.kind === 'unicast';
  if (rp.value === 0 || loose) return null;
  const setting: SettingDrop = { node: node.name, effect: 'rp-filter', key: rp.key, value: String(rp.value), source: rp.source, in: s.inIface };
  const reason = `dropped on ${node.name} by the reverse-path filter (${cite(rp, String(rp.value))}): ${fails}, so the source that came in on ${s.inIface} is refused at the routing decision after PREROUTING`;
  return { ends: [{ ...end(s, 'drop', reason)[0]!, setting }] };
}

function postrouting(node: CompiledNode, s: FlowState, natAllowed: boolean): NodeEnd[] {
  return runHook(node, s, 'POSTROUTING', ['mangle', 'nat'], natAllowed, (p) => {
    if (p.outIface === null) return end(p, 'unknown', unknownExitReason(node, p));
    return [{ state: p, verdict: 'forward', reason: null, out: p.outIface, nextHop: p.nextHop }];
  });
}

/**
 * Why the way out of `node` is unknown: the route lookup's own reason where it gave one (a gateway the capture only
 * named, a table not captured), else the routes the captures lack.
 */
function unknownExitReason(node: CompiledNode, p: FlowState): string {
  for (let c = p.trail; c !== null; c = c.tail) {
    const e = c.head;
    if (e.kind !== 'route' || e.node !== node.name) continue;
    if (node.routing.routesKnown && e.result.kind === 'unknown' && e.note !== null) return `where ${formatIp(p.dst)} leaves ${node.name} is unknown: ${e.note}`;
    break;
  }
  return `the captures of ${node.name} lack ${node.routing.routesKnown ? 'the route' : 'its routes (ip route)'}, so where ${formatIp(p.dst)} leaves is unknown`;
}

/**
 * Without br_netfilter (bridge-nf-call-iptables=0), a frame the bridge switches from port to port
 * never meets iptables or conntrack: the node is only a switch. Null when the frame is not one.
 */
function switchedOnly(node: CompiledNode, s: FlowState): NodeEnd[] | null {
  const bridge = s.hopIn === null ? null : node.routing.interfaces.get(s.hopIn)?.master ?? null;
  if (bridge === null) return null;
  const switched = s.l2 === 'bridged' || (s.l2 === null && isLocalAddress(node.routing, s.dst) !== true && bridgedByRoute(lookupRoute(node.routing, s.dst), bridge));
  if (!switched) return null;
  const hop = s.nextHop ?? s.dst;
  const state = withEvent({ ...s, outIface: bridge, nextHop: hop, bridged: true }, {
    kind: 'route', node: node.name, stage: 'input', dst: formatIp(s.dst), route: null,
    result: { kind: 'unicast', dev: bridge, via: sameIp(hop, s.dst) ? null : formatIp(hop), bridged: true },
    note: `${node.name} switches the frame to ${formatIp(hop)} on bridge ${bridge}; without br_netfilter iptables does not see it`,
  });
  return [{ state, verdict: 'forward', reason: null, out: bridge, nextHop: hop }];
}

/**
 * A packet arriving on `s.inIface` (already mapped to its bridge for a bridge port, with physIn
 * set when br_netfilter is on).
 */
export function traverseFromInterface(node: CompiledNode, s: FlowState, bridgeNetfilter = true): NodeEnd[] {
  const switched = bridgeNetfilter ? null : switchedOnly(node, s);
  if (switched !== null) return switched;
  return runHook(node, s, 'PREROUTING', ['raw', 'mangle', 'nat'], true, (p) => routeInput(node, p, true));
}

/** Output routing, then `go` with the routed packet; forks first when whether the destination is local is not captured. */
function routedOutput(node: CompiledNode, s: FlowState, stage: 'output' | 'reroute', go: (s: FlowState) => NodeEnd[]): NodeEnd[] {
  const local = localOrQuestion(node, s, s.dst);
  if (local !== null && typeof local !== 'boolean') return forkOn(node, s, local, (b) => routedOutput(node, b, stage, go));
  const routed = routeOutput(node, s, stage, local);
  return 'ends' in routed ? routed.ends : go(routed.state);
}

/**
 * The source address the kernel picks for a local process sending to `dst` without binding one
 * (ip_route_output): the local route's or the route's `src`, else the primary address of the
 * route's interface (inet_select_addr). Says what is missing when the captures cannot tell.
 */
export function kernelSource(node: CompiledNode, dst: IpNumber): { ip: IpNumber; how: string } | { missing: string } {
  const text = formatIp(dst);
  const fromText = (src: string | null): IpNumber | null => {
    const ip = src === null ? null : parseIp(src);
    return ip !== null && ip.family === dst.family ? ip : null;
  };
  if (isLocalAddress(node.routing, dst) === true) {
    const look = localLookup(node, dst);
    const src = fromText(look.kind === 'local' ? look.route?.src ?? null : null);
    if (src !== null && look.kind === 'local' && look.route !== null) return { ip: src, how: `the src of the local route "${look.route.text}"` };
    return { ip: dst, how: `${text} is an address of ${node.name}, which sends to itself from it` };
  }
  const look = withDevice(node, lookupRoute(node.routing, dst));
  switch (look.kind) {
    case 'unicast': {
      const src = fromText(look.route.src);
      if (src !== null) return { ip: src, how: `the src of the route "${look.route.text}"` };
      if (look.dev === null) return { missing: `the route "${look.route.text}" names no interface and has no src` };
      const primary = selectAddress(node.routing, dst.family, look.dev, look.nextHop, look.route.scope);
      const ip = primary === null ? null : fromText(primary.text);
      if (ip !== null) return { ip, how: `the primary address of ${look.dev}, the interface of the route "${look.route.text}"` };
      return {
        missing: `the route "${look.route.text}" has no src and the captures show no address on ${look.dev}` +
          (node.routing.interfacesKnown ? '' : ' (ip addr was not captured)'),
      };
    }
    case 'local':
      return { ip: dst, how: `${text} is an address of ${node.name}, which sends to itself from it` };
    case 'unknown':
      return { missing: `the route to ${text} cannot be looked up: ${look.missing}` };
    case 'no-route':
      return { missing: `${node.name} has no route to ${text}` };
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
      return { missing: `the route to ${text} is ${look.kind} ("${look.route.text}"): nothing is sent` };
    default:
      return assertNever(look);
  }
}

/** Output routing for a locally generated packet, including source selection when the source is unspecified. */
function routeOutput(node: CompiledNode, s: FlowState, stage: 'output' | 'reroute', local: boolean | null): { state: FlowState } | { ends: NodeEnd[] } {
  const dst = formatIp(s.dst);
  const look: RouteLookup = local === true ? localLookup(node, s.dst) : withDevice(node, lookupRoute(node.routing, s.dst, policyKey(s, 'lo')));
  let state = withEvent(policyRoutingCaveat(node, s), { kind: 'route', node: node.name, stage, dst, result: routeResult(look, false), route: routeText(look), note: look.kind === 'unknown' ? look.missing : stage === 'reroute' ? 'routed again after the destination or mark changed in OUTPUT' : null });
  if (local === null && look.kind === 'unicast') state = withCaveat(state, `${node.name}: its addresses (ip addr) were not captured: ${dst} is taken as not local`);
  const failed = routeFailure(node, state, look);
  if (failed !== null) return { ends: failed };
  if (look.kind === 'local') {
    const next: FlowState = { ...state, outIface: 'lo', nextHop: s.dst };
    if (!isUnspecified(next.src)) return { state: next };
    // ip_route_output: a local destination is reached from the local route's preferred source, else from itself.
    const src = look.route?.src !== undefined && look.route.src !== null ? parseIp(look.route.src) : null;
    const ip = src !== null && src.family === s.family ? src : s.dst;
    return { state: withNote({ ...next, src: ip, orig: { ...next.orig, src: ip } }, `source address ${formatIp(ip)} selected for the local destination ${dst}`) };
  }
  if (look.kind === 'unicast') {
    let next: FlowState = { ...state, outIface: look.dev, nextHop: look.nextHop };
    if (isUnspecified(next.src)) {
      const src = look.route.src !== null ? look.route.src : look.dev !== null ? selectAddress(node.routing, s.family, look.dev, look.nextHop, look.route.scope)?.text ?? null : null;
      if (src === null) return { ends: end(next, 'unknown', `no source address for ${dst} on ${node.name}: the captures do not show an address on ${look.dev ?? 'the route device'}`) };
      const ip = parseIp(src);
      if (ip === null || ip.family !== s.family) return { ends: end(next, 'unknown', `the source address ${src} chosen on ${node.name} could not be read`) };
      next = withNote({ ...next, src: ip, orig: { ...next.orig, src: ip } }, `source address ${src} selected for ${dst}`);
    }
    return { state: next };
  }
  return { state: withNote({ ...state, outIface: null, nextHop: null }, `the route for ${dst} on ${node.name} is unknown (${look.kind === 'unknown' ? look.missing : look.kind})`) };
}

/** A packet sent by a process on the node. */
export function traverseFromLocal(node: CompiledNode, s0: FlowState): NodeEnd[] {
  const tables: TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];
  // Run OUTPUT table by table so a DNAT or mark change re-routes before filter sees -o.
  // `routedFor`: the destination and mark of the last routing decision.
  const stage = (state: FlowState, index: number, routedFor: { dst: IpNumber; mark: number }): NodeEnd[] => {
    const table = tables[index];
    if (table === undefined) return postroutingLocal(node, state);
    return runHook(node, state, 'OUTPUT', [table], true, (after) => {
      // ip_route_me_harder: mangle re-routes on a new destination or mark, nat only on a new destination
      // (KUBE-MARK-MASQ in nat OUTPUT changes the mark without a second lookup).
      const moved = !sameIp(after.dst, routedFor.dst);
      if ((table === 'mangle' && (moved || after.mark !== routedFor.mark)) || (table === 'nat' && moved)) {
        return routedOutput(node, after, 'reroute', (again) => stage(again, index + 1, { dst: again.dst, mark: again.mark }));
      }
      return stage(after, index + 1, routedFor);
    }, index === 0);
  };
  return routedOutput(node, s0, 'output', (s) => stage(s, 0, { dst: s.dst, mark: s.mark }));
}

function postroutingLocal(node: CompiledNode, s: FlowState): NodeEnd[] {
  return runHook(node, s, 'POSTROUTING', ['mangle', 'nat'], true, (p) => {
    if (p.outIface === 'lo') {
      // Back in through loopback: PREROUTING raw and mangle; NAT is already set up for this connection.
      const looped: FlowState = withEvent({ ...p, inIface: 'lo', outIface: '', physIn: null }, { kind: 'note', node: node.name, text: 'the packet loops back through lo to a local address' });
      return runHook(node, looped, 'PREROUTING', ['raw', 'mangle', 'nat'], false, (q) => routeInput(node, q, false));
    }
    if (p.outIface === null) return end(p, 'unknown', unknownExitReason(node, p));
    return [{ state: p, verdict: 'forward', reason: null, out: p.outIface, nextHop: p.nextHop }];
  });
}
