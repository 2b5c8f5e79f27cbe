/** iproute2 `ip route` / `ip -6 route` / `ip route show table all|local`, including multipath `nexthop` lines. */
import { CaptureError, clipText } from '../capture-error';
import { familyOfAddress, isCidr, isIpAddress, withHostPrefix } from '../../common/ip';
import { u32Of } from './kernel-number';
import { isNeighLine } from './ip-neigh';
import { leadingLines } from '../leading-lines';
import type { NexthopRecord, ParsedCapture, RouteRecord, RouteType } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type IpRouteCapture = Extract<ParsedCapture, { kind: 'ip-route' }>;

const ROUTE_TYPES: ReadonlySet<string> = new Set<RouteType>([
  'unicast', 'local', 'broadcast', 'multicast', 'anycast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat',
]);

/** Keywords followed by one value. Values we do not model are skipped with their keyword. */
const KEYS_WITH_VALUE = new Set([
  'via', 'dev', 'src', 'metric', 'table', 'scope', 'proto', 'expires', 'pref', 'mtu', 'advmss', 'hoplimit',
  'realm', 'realms', 'weight', 'error', 'tos', 'dsfield', 'congctl', 'initcwnd', 'initrwnd', 'rto_min',
  'quickack', 'features', 'nhid', 'from', 'iif', 'oif', 'uid', 'rtt', 'rttvar', 'window', 'ssthresh', 'cwnd',
  'reordering', 'fastopen_no_cookie', 'ttl-propagate', 'ipid', 'age', 'users', 'used', 'mark', 'vrf',
]);

/** Route flags iproute2 prints as bare words; kept in `flags`. */
const ROUTE_FLAGS = new Set([
  'linkdown', 'onlink', 'pervasive', 'offload', 'trap', 'dead', 'notify', 'rt_offload', 'rt_trap',
  'rt_offload_failed', 'unresolved', 'cache',
]);

/** iproute2 puts these types in the local table unless told otherwise, and `show table local` omits `table local`. */
const LOCAL_TABLE_TYPES = new Set(['local', 'broadcast', 'nat', 'anycast']);

export interface IpRouteOptions {
  /** The table the command listed (`ip route show table 100`): iproute2 then omits `table` on each route. */
  table?: string | null;
  /** The family the command asked for (`ip -6 route`): what a `default` route without a gateway belongs to. */
  family?: 'ipv4' | 'ipv6' | null;
  /** The device the command named (`ip route show dev eth0`): iproute2 then omits `dev` on each route. */
  dev?: string | null;
}

export function parseIpRoute(input: TextInput, options: IpRouteOptions = {}): IpRouteCapture {
  const routes: RouteRecord[] = [];
  let last: RouteRecord | null = null;
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    if (!/^\s/.test(text)) checkDestination(text, fail);
    const tokens = text.trim().split(/\s+/);
    if (/^\s/.test(text)) {
      // Continuation: `\tnexthop via ... weight 1` of a multipath route, or a `cache ...` line under `ip route get`.
      if (!last) fail('ip route continuation line before any route');
      readAttributes(last as RouteRecord, tokens, 0, fail);
      continue;
    }
    last = routeFromTokens(tokens, line, fail, options.table ?? null);
    routes.push(last);
  }
  if (routes.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no route found in ip route output');
  for (const route of routes) {
    settleDefaultFamily(route, options.family ?? null);
    if (route.dev === null && options.dev != null && route.nexthops === undefined) route.dev = options.dev;
  }
  return { kind: 'ip-route', routes, takenAt: null };
}

/** `default` says no family: the gateway's, else the command's. */
export function settleDefaultFamily(route: RouteRecord, family: 'ipv4' | 'ipv6' | null): void {
  if (route.dst !== 'default') return;
  const gateway = route.via ?? route.nexthops?.find((h) => h.via !== null)?.via ?? null;
  if (gateway !== null) route.family = familyOfAddress(gateway);
  else if (family !== null) route.family = family;
}

/** Rejects a line whose head is not `[TYPE] DST` before the whole (possibly huge) line is split. */
function checkDestination(text: string, fail: (r: string) => never): void {
  const head = text.slice(0, 120).split(/\s+/, 2);
  const dst = ROUTE_TYPES.has(head[0] ?? '') ? head[1] : head[0];
  if (dst !== undefined && dst !== 'default' && !isCidr(dst)) fail(`not a route destination: "${clipText(dst)}"`);
}

function routeFromTokens(tokens: string[], line: number, fail: (r: string) => never, table: string | null): RouteRecord {
  let i = 0;
  let type: RouteType = 'unicast';
  const first = tokens[0] ?? '';
  if (ROUTE_TYPES.has(first)) {
    type = first as RouteType;
    i = 1;
  }
  const dstToken = tokens[i] ?? '';
  if (dstToken !== 'default' && !isCidr(dstToken)) fail(`not a route destination: "${clipText(dstToken)}"`);
  const dst = dstToken === 'default' || dstToken === '0.0.0.0/0' || dstToken === '::/0' ? 'default' : withHostPrefix(dstToken);
  const route: RouteRecord = {
    type, dst, family: dst === 'default' ? (dstToken.includes(':') ? 'ipv6' : 'ipv4') : familyOfAddress(dstToken),
    via: null, dev: null, src: null, metric: null, table: table ?? (LOCAL_TABLE_TYPES.has(type) ? 'local' : 'main'),
    scope: null, proto: null, flags: [], line,
  };
  readAttributes(route, tokens, i + 1, fail);
  return route;
}

function readAttributes(route: RouteRecord, tokens: string[], from: number, fail: (r: string) => never): void {
  // The hop the words after a `nexthop` describe; route-level words before any.
  let hop: NexthopRecord | null = null;
  for (let i = from; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token === 'nexthop') {
      // Multipath: the record's via/dev are the first hop's; every hop is in `nexthops`.
      if (!route.flags.includes('multipath')) route.flags.push('multipath');
      hop = { via: null, dev: null, weight: 1, flags: [] };
      (route.nexthops ??= []).push(hop);
      continue;
    }
    if (ROUTE_FLAGS.has(token)) {
      if (hop) hop.flags.push(token);
      else if (!route.flags.includes(token)) route.flags.push(token);
      continue;
    }
    if (!KEYS_WITH_VALUE.has(token)) continue; // words of newer iproute2 (encap, lwtunnel details...) carry nothing we model
    let value = tokens[i + 1];
    i++;
    if (value === undefined) fail(`"${token}" without a value`);
    if (token === 'via' && (value === 'inet' || value === 'inet6')) value = tokens[++i]; // `via inet6 fe80::1` (RFC 5549)
    if (token === 'mtu' && value === 'lock') i++;
    const v = value as string;
    switch (token) {
      case 'via':
        if (!isIpAddress(v)) fail(`not a gateway address: "${clipText(v)}"`);
        if (hop) hop.via = v;
        if (route.via === null) route.via = v;
        break;
      case 'dev':
        if (hop) hop.dev = v;
        if (route.dev === null) route.dev = v;
        break;
      case 'weight':
        if (hop) hop.weight = u32Of(v) ?? fail(`not a nexthop weight: "${clipText(v)}"`);
        break;
      case 'nhid':
        route.nhid = u32Of(v) ?? fail(`not a nexthop id: "${clipText(v)}"`);
        break;
      case 'src': route.src = v; break;
      case 'metric':
        route.metric = u32Of(v) ?? fail(`not a 32-bit metric: "${clipText(v)}"`);
        break;
      case 'table': route.table = v; break;
      case 'scope': route.scope = v; break;
      case 'proto': route.proto = v; break;
      default: break;
    }
  }
}

/** First lines read as routes: `default via`, `CIDR dev`, `TYPE CIDR`. */
export function looksLikeIpRoute(text: string): boolean {
  const lines = leadingLines(text, 3);
  if (lines.length === 0) return false;
  return lines.every((l) => {
    if (/^\s+nexthop\s/.test(l)) return true;
    if (isNeighLine(l)) return false; // `10.0.0.2 dev eth0 lladdr ... REACHABLE` reads like a host route
    const tokens = l.trim().split(/\s+/, 4);
    const dst = ROUTE_TYPES.has(tokens[0] ?? '') ? tokens[1] : tokens[0];
    const next = ROUTE_TYPES.has(tokens[0] ?? '') ? tokens[2] : tokens[1];
    if (dst === undefined || (dst !== 'default' && !isCidr(dst))) return false;
    // A lone address (`ip addr | awk '{print $2}'` output) is not a route: every route line says where it goes.
    if (next === undefined) return ROUTE_TYPES.has(tokens[0] ?? '');
    return KEYS_WITH_VALUE.has(next) || ROUTE_FLAGS.has(next);
  });
}
