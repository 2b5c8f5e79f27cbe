/**
 * A node's routing as the kernel would consult it: the local table (its own addresses, subnet
 * broadcasts, 127/8 on loopback) first, then the main table by longest prefix and lowest metric.
 * Built from captured addresses and routes; either may be missing, and lookups say when that matters.
 */
import type { InterfaceRecord, RouteRecord, RouteType, RuleRecord } from '../records/records';
import type { AddrType } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import {
  cidrContains, cidrOf, formatIp, isLoopback, isMulticast, isUnspecified, lastAddressOf, parseCidr, parseIp, sameIp,
} from '../common/ip';
import type { CidrNumber, Family, IpNumber } from '../common/ip';
import { namedDestinationPrefix } from '../records/route-names';
import { compilePolicy, policyLookup, type CompiledRule, type PolicyKey, type TableResult } from './policy-routing';

export interface LocalAddress {
  ip: IpNumber;
  text: string;
  dev: string;
  subnet: CidrNumber;
  secondary: boolean;
  /** Usable as a source for traffic leaving the host (scope global). */
  global: boolean;
  /** The kernel's scope number: 0 global (universe), 200 site, 253 link, 254 host. */
  scope: number;
}

/** rtnetlink scope numbers (RT_SCOPE_*), as inet_select_addr compares them. */
export const SCOPE_UNIVERSE = 0;
export const SCOPE_LINK = 253;
export const SCOPE_HOST = 254;
const SCOPE_NUMBERS: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };

function scopeNumber(text: string | null, fallback: number): number {
  if (text === null) return fallback;
  const named = SCOPE_NUMBERS[text.toLowerCase()];
  if (named !== undefined) return named;
  return /^\d+$/.test(text) ? Number(text) : fallback;
}

export interface CompiledRoute {
  cidr: CidrNumber;
  type: RouteType;
  dev: string | null;
  via: IpNumber | null;
  src: string | null;
  metric: number;
  /** The route's scope (RT_SCOPE_*): universe with a gateway, link for a directly connected route unless captured otherwise. */
  scope: number;
  text: string;
  /** The gateway as the capture named it (`_gateway`, `route` without -n), its address unknown: `via` is then null. */
  namedVia?: string;
}

/**
 * A main-table route whose destination the capture named (`link-local`, `dns.google`: `route` without -n): its prefix
 * length and metric are known, its network is not, so it may be the route for any address.
 */
export interface UnplacedRoute {
  prefixLength: number;
  metric: number;
  text: string;
}

export type RouteLookup =
  | { kind: 'local'; route: CompiledRoute | null; dev: string | null }
  | { kind: 'unicast'; route: CompiledRoute; dev: string | null; nextHop: IpNumber }
  | { kind: 'blackhole' | 'unreachable' | 'prohibit'; route: CompiledRoute }
  | { kind: 'no-route' }
  /** The captures cannot say: addresses or routes were not captured. Names what is missing. */
  | { kind: 'unknown'; missing: string };

export interface FamilyRouting {
  family: Family;
  addresses: LocalAddress[];
  local: CompiledRoute[];
  main: CompiledRoute[];
  /** The local table is complete: addresses or `ip route show table local` were captured. */
  localKnown: boolean;
  /** Tables other than main/local seen in the capture. */
  otherTables: string[];
  /** Their routes, longest prefix first: what `ip rule ... lookup TABLE` consults. */
  tables: Map<string, CompiledRoute[]>;
  /** The node's `ip rule` list for this family, priority order; null when it was not captured. */
  policy: CompiledRule[] | null;
  /** The route capture listed every table (`ip route show table all`): a table it lacks is empty. */
  allTablesKnown: boolean;
  /** Main-table routes to a named destination, not placed in `main`: a lookup they could answer is unknown. */
  unplaced: UnplacedRoute[];
}

export interface NodeRouting {
  interfacesKnown: boolean;
  routesKnown: boolean;
  interfaces: Map<string, InterfaceRecord>;
  v4: FamilyRouting;
  v6: FamilyRouting;
}

/** A route as `ip route` prints it (the text trace steps and findings cite). */
export function routeText(r: RouteRecord): string {
  const parts = [r.type === 'unicast' ? '' : r.type, r.dst];
  if (r.via) parts.push('via', r.via);
  if (r.dev) parts.push('dev', r.dev);
  if (r.src) parts.push('src', r.src);
  if (r.metric !== null) parts.push('metric', String(r.metric));
  if (r.table !== 'main') parts.push('table', r.table);
  const hops = r.nexthops ?? [];
  if (hops.length > 1) {
    // fib_select_multipath hashes each flow onto one hop; which one the captures cannot say.
    const list = hops.map((h) => [h.via !== null ? `via ${h.via}` : '', h.dev !== null ? `dev ${h.dev}` : '', `weight ${h.weight}`].filter((w) => w !== '').join(' '));
    parts.push(`(multipath: ${list.join('; ')}; the kernel hashes each flow onto one of them, the replay follows the first)`);
  }
  return parts.filter((p) => p !== '').join(' ');
}

/** 169.254.0.0/16 or fe80::/10: an address the kernel gives link scope. */
function isLinkLocalAddress(ip: IpNumber): boolean {
  return ip.family === 'ipv4' ? ip.value >>> 16 === 0xa9fe : ip.value >> 118n === 0x3fan;
}

function byPrefixThenMetric(a: CompiledRoute, b: CompiledRoute): number {
  return b.cidr.prefixLength - a.cidr.prefixLength || a.metric - b.metric;
}

function compileFamily(family: Family, interfaces: InterfaceRecord[] | null, routes: RouteRecord[] | null, rules: RuleRecord[] | null): FamilyRouting {
  const addresses: LocalAddress[] = [];
  const local: CompiledRoute[] = [];
  const main: CompiledRoute[] = [];
  const otherTables = new Set<string>();
  const tables = new Map<string, CompiledRoute[]>();
  /** `local A dev D` entries of a captured local table (`ip route show table all|local`). */
  const localTableHosts: CompiledRoute[] = [];
  const unplaced: UnplacedRoute[] = [];
  for (const iface of interfaces ?? []) {
    const loopback = iface.linkType === 'loopback' || iface.name === 'lo';
    for (const a of iface.addresses) {
      if (a.family !== family) continue;
      const cidr = parseCidr(a.cidr);
      const ip = parseIp(a.cidr.split('/')[0] ?? '');
      if (cidr === null || ip === null) continue;
      const subnet = a.peer !== null ? parseCidr(a.peer) ?? cidr : cidr;
      const scope = scopeNumber(a.scope, isLoopback(ip) ? SCOPE_HOST : SCOPE_UNIVERSE);
      addresses.push({ ip, text: formatIp(ip), dev: iface.name, subnet, secondary: a.secondary, global: scope === SCOPE_UNIVERSE, scope });
      const hostPrefix = family === 'ipv4' ? 32 : 128;
      const localCidr = loopback ? subnet : cidrOf(ip, hostPrefix);
      local.push({ cidr: localCidr, type: 'local', dev: iface.name, via: null, src: formatIp(ip), metric: 0, scope: SCOPE_HOST, text: `local ${formatIp(ip)} dev ${iface.name} (from ${a.cidr})` });
      if (family === 'ipv4' && !loopback && subnet.prefixLength < 31) {
        const bcast = a.broadcast !== null ? parseIp(a.broadcast) : lastAddressOf(subnet);
        if (bcast !== null) {
          local.push({ cidr: cidrOf(bcast, 32), type: 'broadcast', dev: iface.name, via: null, src: formatIp(ip), metric: 0, scope: SCOPE_LINK, text: `broadcast ${formatIp(bcast)} dev ${iface.name}` });
        }
      }
    }
  }
  for (const r of routes ?? []) {
    if (r.family !== family) continue;
    const cidr = r.dst === 'default' ? cidrOf(family === 'ipv4' ? { family, value: 0 } : { family, value: 0n }, 0) : parseCidr(r.dst);
    if (cidr === null) {
      const prefixLength = namedDestinationPrefix(r.dst);
      if (prefixLength !== null && (r.table === 'main' || r.table === '')) unplaced.push({ prefixLength, metric: r.metric ?? 0, text: routeText(r) });
      continue;
    }
    const via = r.via !== null ? parseIp(r.via) : null;
    const defaultScope = r.type === 'local' ? SCOPE_HOST : r.via !== null ? SCOPE_UNIVERSE : SCOPE_LINK;
    const compiled: CompiledRoute = { cidr, type: r.type, dev: r.dev, via, src: r.src, metric: r.metric ?? 0, scope: scopeNumber(r.scope, defaultScope), text: routeText(r) };
    if (r.via !== null && via === null) compiled.namedVia = r.via;
    // A `local` route of a table the rules name (Cilium's `fwmark 0x200/0xf00 lookup 2004` holding `local default dev lo`)
    // belongs to that table: only the packets the rule selects are delivered by it.
    const named = r.table !== 'local' && r.table !== 'main' && r.table !== '';
    if (r.table === 'local' && r.type === 'local') localTableHosts.push(compiled);
    if (r.table === 'local' || (!named && (r.type === 'local' || (r.type === 'broadcast' && r.table !== 'main')))) local.push(compiled);
    else if (r.table === 'main' || r.table === '') main.push(compiled);
    else {
      otherTables.add(r.table);
      const list = tables.get(r.table) ?? [];
      list.push(compiled);
      tables.set(r.table, list);
    }
  }
  // Without an address capture, the routes' preferred sources are still known to be local.
  if (interfaces === null) {
    for (const r of local.length === 0 ? main : []) {
      const src = r.src !== null ? parseIp(r.src) : null;
      if (src === null || src.family !== family || local.some((l) => l.src === r.src)) continue;
      local.push({ cidr: cidrOf(src, family === 'ipv4' ? 32 : 128), type: 'local', dev: r.dev, via: null, src: r.src, metric: 0, scope: SCOPE_HOST, text: `local ${r.src} dev ${r.dev ?? '?'} (the src of route ${r.text})` });
    }
  }
  // `ip route show table all` without `ip addr`: each host entry `local A dev D` of the local table is an address of D
  // (its subnet the connected route of D that holds it), so the source the kernel picks for D is known.
  if (interfaces === null) {
    const hostPrefix = family === 'ipv4' ? 32 : 128;
    for (const l of localTableHosts) {
      if (l.dev === null || l.dev === 'lo' || l.cidr.prefixLength !== hostPrefix) continue;
      const ip: IpNumber = family === 'ipv4' ? { family: 'ipv4', value: l.cidr.v4 } : { family: 'ipv6', value: l.cidr.v6 };
      if (addresses.some((a) => sameIp(a.ip, ip))) continue;
      const connected = main.find((r) => r.dev === l.dev && r.via === null && r.cidr.prefixLength < hostPrefix && cidrContains(r.cidr, ip));
      const scope = isLoopback(ip) ? SCOPE_HOST : isLinkLocalAddress(ip) ? SCOPE_LINK : SCOPE_UNIVERSE;
      addresses.push({ ip, text: formatIp(ip), dev: l.dev, subnet: connected?.cidr ?? l.cidr, secondary: false, global: scope === SCOPE_UNIVERSE, scope });
    }
  }
  // Connected subnets the route capture did not list (or no route capture at all): the kernel adds them with the address.
  for (const a of addresses) {
    if (a.dev === 'lo' || isLoopback(a.ip)) continue;
    const hostPrefix = family === 'ipv4' ? 32 : 128;
    if (a.subnet.prefixLength === hostPrefix && a.subnet.v4 === (a.ip.family === 'ipv4' ? a.ip.value : 0)) continue;
    const listed = main.some((r) => r.dev === a.dev && r.cidr.prefixLength === a.subnet.prefixLength && cidrContains(r.cidr, a.ip));
    if (listed) continue;
    main.push({
      cidr: a.subnet, type: 'unicast', dev: a.dev, via: null, src: a.text, metric: 0, scope: SCOPE_LINK,
      text: `${family === 'ipv4' ? formatIp({ family, value: a.subnet.v4 }) : formatIp({ family, value: a.subnet.v6 })}/${a.subnet.prefixLength} dev ${a.dev} scope link src ${a.text} (connected, from the address)`,
    });
  }
  local.sort(byPrefixThenMetric);
  main.sort(byPrefixThenMetric);
  for (const list of tables.values()) list.sort(byPrefixThenMetric);
  const localKnown = interfaces !== null || (routes ?? []).some((r) => r.table === 'local');
  // `ip route show table all` always lists the local table (with main); `ip route` alone never does.
  const own = (routes ?? []).filter((r) => r.family === family);
  const allTablesKnown = own.some((r) => r.table === 'local') && own.some((r) => r.table === 'main');
  const policy = rules === null ? null : compilePolicy(rules, family);
  return {
    family, addresses, local, main, localKnown, otherTables: [...otherTables], tables,
    policy: policy !== null && policy.length > 0 ? policy : null, allTablesKnown, unplaced,
  };
}

/**
 * Why a main-table lookup that found `hit` (or nothing) is unknown because of names a capture printed: a route to a
 * named destination whose prefix is longer (or as long, with a lower metric) may be the kernel's answer instead, and
 * a route whose gateway is named has no known next hop. Null when names do not matter.
 */
function hiddenByNames(fr: FamilyRouting, hit: CompiledRoute | null): string | null {
  const rival = fr.unplaced.find((u) => hit === null || u.prefixLength > hit.cidr.prefixLength || (u.prefixLength === hit.cidr.prefixLength && u.metric < hit.metric));
  if (rival !== undefined) return `route ${rival.text} names its destination instead of giving its address (route without -n), and may be the one for this address`;
  if (hit?.namedVia !== undefined) return `route ${hit.text} names its gateway instead of giving its address (route without -n), so the next hop is unknown`;
  return null;
}

export function compileRouting(interfaces: InterfaceRecord[] | null, routes: RouteRecord[] | null, rules: RuleRecord[] | null = null): NodeRouting {
  const byName = new Map<string, InterfaceRecord>();
  for (const i of interfaces ?? []) byName.set(i.name, i);
  return {
    interfacesKnown: interfaces !== null,
    routesKnown: routes !== null,
    interfaces: byName,
    v4: compileFamily('ipv4', interfaces, routes, rules),
    v6: compileFamily('ipv6', interfaces, routes, rules),
  };
}

export function familyRouting(routing: NodeRouting, family: Family): FamilyRouting {
  return family === 'ipv4' ? routing.v4 : routing.v6;
}

function firstContaining(routes: CompiledRoute[], ip: IpNumber): CompiledRoute | null {
  for (const r of routes) if (cidrContains(r.cidr, ip)) return r;
  return null;
}

/** The address is one of the node's own (local table type `local`); null when addresses were not captured. */
export function isLocalAddress(routing: NodeRouting, ip: IpNumber): boolean | null {
  const fr = familyRouting(routing, ip.family);
  const hit = firstContaining(fr.local, ip);
  if (hit !== null && hit.type === 'local') return true;
  if (!fr.localKnown) return isLoopback(ip) ? true : null;
  return false;
}

/**
 * ip_route_input's broadcast: the limited broadcast 255.255.255.255 or a local-table broadcast
 * entry (a subnet's broadcast address). An arriving packet to one is delivered locally, not
 * forwarded. The local-table route when there is one.
 */
export function inputBroadcast(routing: NodeRouting, ip: IpNumber): { route: CompiledRoute | null } | null {
  if (ip.family !== 'ipv4') return null;
  const hit = firstContaining(routing.v4.local, ip);
  if (hit !== null && hit.type === 'broadcast') return { route: hit };
  return ip.value === 0xffffffff ? { route: null } : null;
}

/**
 * The kernel's route lookup for a destination: local table first, then main (longest prefix, lowest
 * metric). With the packet's `key` and the node's `ip rule` list captured, the rules choose the tables.
 */
export function lookupRoute(routing: NodeRouting, dst: IpNumber, key?: PolicyKey): RouteLookup {
  const fr = familyRouting(routing, dst.family);
  if (key !== undefined && fr.policy !== null) return lookupByRules(routing, fr, fr.policy, dst, key);
  const localHit = firstContaining(fr.local, dst);
  if (localHit !== null && localHit.type === 'local') return { kind: 'local', route: localHit, dev: localHit.dev };
  const hit = firstContaining(fr.main, dst);
  const hidden = hiddenByNames(fr, hit);
  if (hidden !== null) return { kind: 'unknown', missing: hidden };
  if (hit === null) {
    if (!routing.routesKnown) return { kind: 'unknown', missing: 'routes (ip route) were not captured' };
    if (!fr.localKnown) {
      return { kind: 'unknown', missing: 'addresses (ip addr) were not captured, so local destinations cannot be told apart' };
    }
    return { kind: 'no-route' };
  }
  switch (hit.type) {
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
      return { kind: hit.type, route: hit };
    case 'local':
      return { kind: 'local', route: hit, dev: hit.dev };
    case 'throw':
      // The lookup leaves the main table; with policy routing not replayed, nothing else routes it.
      return { kind: 'no-route' };
    default:
      break;
  }
  return { kind: 'unicast', route: hit, dev: hit.dev, nextHop: hit.via ?? dst };
}

/**
 * The kernel's inet_select_addr(dev, dst, scope), what MASQUERADE (scope universe, dst the next
 * hop) and output routing (the route's scope, dst its gateway) use to pick a source:
 *  1. on `dev`, the first primary address of sufficient scope whose subnet holds `dst`, else the
 *     first primary of sufficient scope;
 *  2. failing that (no address on `dev`, or only 127.0.0.1 on lo, which is scope host), the first
 *     primary address of any interface, in device order, whose scope is neither link nor narrower
 *     than asked.
 * IPv6 (ipv6_dev_get_saddr) prefers the outgoing interface the same way and may also take another
 * interface's global address; its finer rules (RFC 6724) are not replayed.
 */
export function selectAddress(routing: NodeRouting, family: Family, dev: string, dst: IpNumber | null, scope = SCOPE_UNIVERSE): LocalAddress | null {
  const addresses = familyRouting(routing, family).addresses;
  let first: LocalAddress | null = null;
  for (const a of addresses) {
    if (a.dev !== dev || a.secondary || a.scope > scope) continue;
    if (dst === null || cidrContains(a.subnet, dst)) return a;
    if (first === null) first = a;
  }
  if (first !== null) return first;
  for (const a of addresses) if (!a.secondary && a.scope !== SCOPE_LINK && a.scope <= scope) return a;
  return null;
}

/** First address of the interface (what REDIRECT rewrites the destination to). */
export function firstAddressOf(routing: NodeRouting, family: Family, dev: string): LocalAddress | null {
  return familyRouting(routing, family).addresses.find((a) => a.dev === dev && !a.secondary) ?? null;
}

/**
 * The kernel's inet_dev_addr_type over the local table: 0/8 and 255.255.255.255 are BROADCAST,
 * 224/4 MULTICAST, local-table entries give their type, anything else UNICAST. With `dev`
 * (--limit-iface-in/out) the local-table entry only counts when it belongs to that interface.
 * Null when the node's addresses were not captured.
 */
export function addrTypeOf(routing: NodeRouting, ip: IpNumber, dev: string | null): AddrType | null {
  if (ip.family === 'ipv4' && (isUnspecified(ip) || ip.value >>> 24 === 0 || ip.value === 0xffffffff)) return 'BROADCAST';
  if (isMulticast(ip)) return 'MULTICAST';
  const fr = familyRouting(routing, ip.family);
  const hit = firstContaining(fr.local, ip);
  if (hit === null) {
    if (!fr.localKnown) return isLoopback(ip) ? 'LOCAL' : null;
    return 'UNICAST';
  }
  if (dev !== null && hit.dev !== null && hit.dev !== dev && !(hit.type === 'local' && dev === 'lo' && isLoopback(ip))) return 'UNICAST';
  switch (hit.type) {
    case 'local': return 'LOCAL';
    case 'broadcast': return 'BROADCAST';
    case 'multicast': return 'MULTICAST';
    case 'anycast': return 'ANYCAST';
    case 'blackhole': return 'BLACKHOLE';
    case 'unreachable': return 'UNREACHABLE';
    case 'prohibit': return 'PROHIBIT';
    case 'throw': return 'THROW';
    case 'nat': return 'NAT';
    case 'unicast': return 'UNICAST';
    default: return 'UNICAST';
  }
}

/** Every node address, for finding which captured node owns a next hop. */
export function ownsAddress(routing: NodeRouting, ip: IpNumber): LocalAddress | null {
  return familyRouting(routing, ip.family).addresses.find((a) => a.ip.value === ip.value) ?? null;
}

// ---- policy routing (the walk itself is policy-routing.ts's) ----------------------------------------

const TABLE_NUMBERS: Readonly<Record<string, string>> = { '255': 'local', '254': 'main', '253': 'default' };

function lookupByRules(routing: NodeRouting, fr: FamilyRouting, rules: CompiledRule[], dst: IpNumber, key: PolicyKey): RouteLookup {
  const first = lookupOnceByRules(routing, fr, rules, dst, key);
  // TCP's connect (ip_route_connect) takes the source from a first lookup, then looks the route up again
  // from that source: a `from` rule can send the SYN elsewhere. The source stays the first one chosen.
  if (key.iif !== 'lo' || !isUnspecified(key.src) || key.protoNum !== 6 || first.kind !== 'unicast') return first;
  const srcText = first.route.src ?? (first.dev !== null ? selectAddress(routing, dst.family, first.dev, first.nextHop, first.route.scope)?.text ?? null : null);
  const src = srcText === null ? null : parseIp(srcText);
  if (src === null || src.family !== dst.family) return first;
  const again = lookupOnceByRules(routing, fr, rules, dst, { ...key, src });
  if (again.kind === 'unicast') {
    if (again.route === first.route || (again.route.text === first.route.text && again.dev === first.dev)) return first;
    return { ...again, route: { ...again.route, src: srcText, text: `${again.route.text}, looked up again from source ${srcText} as TCP's connect does` } };
  }
  return again;
}

function lookupOnceByRules(routing: NodeRouting, fr: FamilyRouting, rules: CompiledRule[], dst: IpNumber, key: PolicyKey): RouteLookup {
  const found = policyLookup(rules, key, dst, (name) => lookupInTable(routing, fr, TABLE_NUMBERS[name] ?? name, dst));
  switch (found.kind) {
    case 'route': {
      const look = found.result;
      if (look.kind === 'unicast' || look.kind === 'blackhole' || look.kind === 'unreachable' || look.kind === 'prohibit') {
        return { ...look, route: { ...look.route, text: `${look.route.text} (ip rule ${found.rule.text})` } };
      }
      return look;
    }
    case 'blackhole':
    case 'unreachable':
    case 'prohibit': {
      const any = cidrOf(dst.family === 'ipv4' ? { family: 'ipv4', value: 0 } : { family: 'ipv6', value: 0n }, 0);
      return { kind: found.kind, route: { cidr: any, type: found.kind, dev: null, via: null, src: null, metric: 0, scope: SCOPE_UNIVERSE, text: `ip rule ${found.rule.text}` } };
    }
    case 'no-route':
      return { kind: 'no-route' };
    case 'unknown':
      return { kind: 'unknown', missing: found.missing };
    default:
      return assertNever(found);
  }
}

/** One table's answer for `dst`, as fib_table_lookup gives it to the rules: a route, or a miss that lets the next rule try. */
function lookupInTable(routing: NodeRouting, fr: FamilyRouting, table: string, dst: IpNumber): TableResult<RouteLookup> {
  if (table === 'local') {
    const hit = firstContaining(fr.local, dst);
    return hit !== null && hit.type === 'local' ? { kind: 'route', result: { kind: 'local', route: hit, dev: hit.dev }, prefixLength: hit.cidr.prefixLength } : { kind: 'miss' };
  }
  const routes = table === 'main' ? fr.main : fr.tables.get(table);
  if (routes === undefined) {
    if (fr.allTablesKnown || table === 'default') return { kind: 'miss' };
    return { kind: 'unknown', missing: `the routes of table ${table} were not captured (ip route show table all)` };
  }
  const hit = firstContaining(routes, dst);
  const hidden = table === 'main' ? hiddenByNames(fr, hit) : null;
  if (hidden !== null) return { kind: 'unknown', missing: hidden };
  if (hit === null) {
    if (table !== 'main') return { kind: 'miss' };
    if (!routing.routesKnown) return { kind: 'unknown', missing: 'routes (ip route) were not captured' };
    if (!fr.localKnown) return { kind: 'unknown', missing: 'addresses (ip addr) were not captured, so local destinations cannot be told apart' };
    return { kind: 'miss' };
  }
  const prefixLength = hit.cidr.prefixLength;
  switch (hit.type) {
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
      return { kind: 'route', result: { kind: hit.type, route: hit }, prefixLength };
    case 'local':
      return { kind: 'route', result: { kind: 'local', route: hit, dev: hit.dev }, prefixLength };
    case 'throw':
      return { kind: 'miss' };
    default:
      return { kind: 'route', result: { kind: 'unicast', route: hit, dev: hit.dev, nextHop: hit.via ?? dst }, prefixLength };
  }
}
