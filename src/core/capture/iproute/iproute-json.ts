/**
 * iproute2's JSON forms (`ip -j [-p] [-d] addr|link|route|rule|neigh`, `bridge -j fdb`): the same
 * records as the text forms, read from the keys iproute2's print_* functions emit.
 */
import { CaptureError } from '../capture-error';
import { emptyDetails, readKindOptions } from './ip-addr';
import { familyOfAddress, isCidr, isIpAddress, withHostPrefix } from '../../common/ip';
import { emptyRule, markAndMask } from './ip-rule';
import { settleDefaultFamily, type IpRouteOptions } from './ip-route';
import {
  firstObjectKeys, JsonNumberError, jsonArrayElements, num, obj, objects, str, strings, type JsonElement, type JsonObject,
} from './json-array';
import type {
  AddressRecord, FdbRecord, InterfaceRecord, NeighbourRecord, NexthopRecord, ParsedCapture, RouteRecord, RouteType,
  RuleAction, RuleRecord,
} from '../../records/records';
import type { TextInput } from '../text-input';

type Capture<K extends ParsedCapture['kind']> = Extract<ParsedCapture, { kind: K }>;
type Fail = (reason: string) => never;

export type IprouteJsonKind = 'ip-addr' | 'ip-route' | 'ip-rule' | 'ip-neigh' | 'bridge-fdb';

/** Which iproute2 JSON a text is, from the keys of its first object; null when it is none of them. */
export function iprouteJsonKind(head: string): IprouteJsonKind | null {
  const keys = firstObjectKeys(head);
  if (keys === null) return null;
  if (keys.has('ifindex') && keys.has('ifname')) return 'ip-addr';
  if (keys.has('priority') && (keys.has('src') || keys.has('table') || keys.has('action') || keys.has('goto'))) return 'ip-rule';
  // bridge -j fdb names the device `ifname`; before iproute2 4.17 `dev`.
  if (keys.has('mac') && (keys.has('ifname') || keys.has('dev'))) return 'bridge-fdb';
  // Every route object carries `flags` (print_rt_flags always opens the array); a neighbour never does.
  if (keys.has('dst') && keys.has('flags')) return 'ip-route';
  if (keys.has('dst') && (keys.has('dev') || keys.has('lladdr') || keys.has('state'))) return 'ip-neigh';
  return null;
}

function each<T>(input: TextInput, what: string, read: (o: JsonObject, line: number, fail: Fail) => T): T[] {
  const elements: JsonElement[] = jsonArrayElements(input);
  if (elements.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, `no ${what} in the JSON array`);
  return elements.map(({ value, line }) => {
    const fail: Fail = (reason) => { throw new CaptureError({ file: input.file, line }, reason); };
    try {
      return read(value, line, fail);
    } catch (e) {
      if (e instanceof JsonNumberError) fail(e.message);
      throw e;
    }
  });
}

// ---- ip -j addr / ip -j link ----------------------------------------------------------------------

export function parseIpAddrJson(input: TextInput): Capture<'ip-addr'> {
  return { kind: 'ip-addr', interfaces: each(input, 'interface', interfaceOf), takenAt: null };
}

function interfaceOf(o: JsonObject, line: number, fail: Fail): InterfaceRecord {
  const name = str(o, 'ifname') ?? fail('interface without "ifname"');
  // print_linkinfo: `link` names a peer in the same namespace, `link_index` one elsewhere (`@ifN` in the text form).
  const linkIndex = num(o, 'link_index');
  const peer = str(o, 'link') ?? (linkIndex !== null ? `if${linkIndex}` : null);
  const iface: InterfaceRecord = {
    name,
    index: num(o, 'ifindex'),
    peer,
    linkNetns: str(o, 'link_netns') ?? str(o, 'link_netnsid'),
    flags: strings(o, 'flags'),
    mtu: num(o, 'mtu'),
    state: str(o, 'operstate'),
    master: str(o, 'master'),
    linkType: str(o, 'link_type'),
    mac: str(o, 'link_type') === 'none' ? null : str(o, 'address'),
    addresses: objects(o, 'addr_info').map((a) => addressOf(a, line, fail)),
    line,
  };
  const linkinfo = obj(o, 'linkinfo');
  if (linkinfo !== null) {
    const details = emptyDetails();
    details.kind = str(linkinfo, 'info_kind');
    // The text form prints the port role as `bridge_slave`; JSON as the master's kind.
    const slave = str(linkinfo, 'info_slave_kind');
    details.slaveKind = slave === null ? null : `${slave}_slave`;
    const data = obj(linkinfo, 'info_data');
    if (details.kind !== null && data !== null) readKindOptions(details, details.kind, (key) => str(data, jsonKey(key)));
    iface.details = details;
  } else if ('promiscuity' in o) {
    iface.details = emptyDetails(); // `ip -j -d` of a plain device
  }
  return iface;
}

/** The JSON keys of the text form's vxlan/vlan options (iplink_vxlan.c, iplink_vlan.c print_opt). */
function jsonKey(textKey: string): string {
  switch (textKey) {
    case 'dstport': return 'port';
    case 'dev': return 'link';
    default: return textKey;
  }
}

function addressOf(a: JsonObject, line: number, fail: Fail): AddressRecord {
  const local = str(a, 'local') ?? fail('address without "local"');
  const family = str(a, 'family') === 'inet6' ? 'ipv6' : 'ipv4';
  if (!isIpAddress(local) || familyOfAddress(local) !== family) fail(`not an ${family} address: "${local}"`);
  const prefixlen = num(a, 'prefixlen');
  if (prefixlen !== null && !isCidr(`${local}/${prefixlen}`)) fail(`prefix length ${prefixlen} does not fit ${local}`);
  const peer = str(a, 'address');
  const hasPeer = peer !== null && peer !== local;
  if (hasPeer && !isIpAddress(peer)) fail(`not a peer address: "${peer}"`);
  return {
    family,
    // As the text form: `inet 10.0.0.1 peer 10.0.0.2/32` gives the local address alone and the prefix on the peer.
    cidr: hasPeer || prefixlen === null ? withHostPrefix(local) : `${local}/${prefixlen}`,
    peer: hasPeer ? (prefixlen === null ? peer : `${peer}/${prefixlen}`) : null,
    broadcast: str(a, 'broadcast'),
    scope: str(a, 'scope'),
    label: str(a, 'label'),
    secondary: a.secondary === true || a.temporary === true,
    line,
  };
}

// ---- ip -j route -----------------------------------------------------------------------------------

const ROUTE_TYPES = new Set<RouteType>([
  'unicast', 'local', 'broadcast', 'multicast', 'anycast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat',
]);
const LOCAL_TABLE_TYPES = new Set<RouteType>(['local', 'broadcast', 'nat', 'anycast']);

export function parseIpRouteJson(input: TextInput, options: IpRouteOptions = {}): Capture<'ip-route'> {
  const routes = each(input, 'route', (o, line, fail) => routeOf(o, line, fail, options.table ?? null));
  for (const r of routes) {
    settleDefaultFamily(r, options.family ?? null);
    if (r.dev === null && options.dev != null && r.nexthops === undefined) r.dev = options.dev;
  }
  return { kind: 'ip-route', routes, takenAt: null };
}

/** `"gateway": "10.0.0.1"`, or `"via": {"family": "inet6", "host": "fe80::1"}` (RFC 5549). */
function gatewayOf(o: JsonObject, fail: Fail): string | null {
  const via = obj(o, 'via');
  const gateway = str(o, 'gateway') ?? (via ? str(via, 'host') : null);
  if (gateway !== null && !isIpAddress(gateway)) fail(`not a gateway address: "${gateway}"`);
  return gateway;
}

function routeOf(o: JsonObject, line: number, fail: Fail, table: string | null): RouteRecord {
  const typeText = str(o, 'type') ?? 'unicast';
  if (!ROUTE_TYPES.has(typeText as RouteType)) fail(`unknown route type "${typeText}"`);
  const type = typeText as RouteType;
  const dstText = str(o, 'dst') ?? fail('route without "dst"');
  if (dstText !== 'default' && !isCidr(dstText)) fail(`not a route destination: "${dstText}"`);
  const dst = dstText === 'default' || dstText === '0.0.0.0/0' || dstText === '::/0' ? 'default' : withHostPrefix(dstText);
  const nexthops: NexthopRecord[] = objects(o, 'nexthops').map((h) => ({
    via: gatewayOf(h, fail), dev: str(h, 'dev'), weight: num(h, 'weight') ?? 1, flags: strings(h, 'flags'),
  }));
  const first = nexthops[0];
  const route: RouteRecord = {
    type,
    dst,
    family: dst === 'default' ? (dstText.includes(':') ? 'ipv6' : 'ipv4') : familyOfAddress(dstText),
    via: gatewayOf(o, fail) ?? first?.via ?? null,
    dev: str(o, 'dev') ?? first?.dev ?? null,
    src: str(o, 'prefsrc'),
    metric: num(o, 'metric'),
    table: str(o, 'table') ?? table ?? (LOCAL_TABLE_TYPES.has(type) ? 'local' : 'main'),
    scope: str(o, 'scope'),
    proto: str(o, 'protocol'),
    flags: strings(o, 'flags'),
    line,
  };
  if (nexthops.length > 0) {
    route.nexthops = nexthops;
    route.flags.push('multipath');
  }
  const nhid = num(o, 'nhid');
  if (nhid !== null) route.nhid = nhid;
  return route;
}

// ---- ip -j rule --------------------------------------------------------------------------------------

export function parseIpRuleJson(input: TextInput, options: { family?: 'ipv4' | 'ipv6' | null } = {}): Capture<'ip-rule'> {
  return { kind: 'ip-rule', rules: each(input, 'rule', (o, line, fail) => ruleOf(o, line, fail, options.family ?? null)), takenAt: null };
}

function ruleOf(o: JsonObject, line: number, fail: Fail, family: 'ipv4' | 'ipv6' | null): RuleRecord {
  const rule = emptyRule(num(o, 'priority') ?? 0, line);
  rule.not = 'not' in o;
  const prefix = (addressKey: string, lenKey: string): string | null => {
    const address = str(o, addressKey);
    if (address === null || address === 'all') return null;
    if (!isIpAddress(address)) fail(`not an address: "${address}"`);
    const len = num(o, lenKey);
    const cidr = len === null ? withHostPrefix(address) : `${address}/${len}`;
    if (!isCidr(cidr)) fail(`not an address prefix: "${cidr}"`);
    return cidr;
  };
  rule.from = prefix('src', 'srclen');
  rule.to = prefix('dst', 'dstlen');
  const addressFamily = [rule.from, rule.to].find((p) => p !== null);
  rule.family = addressFamily ? familyOfAddress(addressFamily) : (family ?? 'ipv4');
  // rtnl_dsfield_n2a prints a name from rt_dsfield when it has one, else hex: a name is kept as printed.
  const tos = str(o, 'tos') ?? str(o, 'dsfield');
  if (tos !== null) {
    rule.tos = num(o, 'tos') ?? num(o, 'dsfield');
    if (rule.tos === null) rule.other.push(`tos ${tos}`);
  }
  const fwmark = str(o, 'fwmark');
  if (fwmark !== null) [rule.fwmark, rule.fwmask] = markAndMask(`${fwmark}/${str(o, 'fwmask') ?? '0xffffffff'}`, fail);
  rule.iif = str(o, 'iif');
  rule.oif = str(o, 'oif');
  if ('iif_detached' in o) rule.flags.push('iif detached');
  if ('oif_detached' in o) rule.flags.push('oif detached');
  if ('l3mdev' in o) rule.other.push('l3mdev');
  const uidStart = num(o, 'uid_start');
  if (uidStart !== null) rule.other.push(`uidrange ${uidStart}-${num(o, 'uid_end') ?? uidStart}`);
  for (const key of ['ipproto', 'sport', 'dport', 'tun_id', 'dscp']) {
    const v = str(o, key);
    if (v !== null) rule.other.push(`${key} ${v}`);
  }
  for (const key of ['sport', 'dport']) {
    const start = num(o, `${key}_start`);
    if (start !== null) rule.other.push(`${key} ${start}-${num(o, `${key}_end`) ?? start}`);
  }
  const realmTo = str(o, 'flow_to');
  if (realmTo !== null) rule.other.push(`realms ${str(o, 'flow_from') === null ? '' : `${str(o, 'flow_from')}/`}${realmTo}`);
  rule.suppressPrefixLength = num(o, 'suppress_prefixlen');
  rule.suppressIfgroup = str(o, 'suppress_ifgroup');
  if ('unresolved' in o) rule.flags.push('unresolved');
  const protocol = str(o, 'protocol');
  if (protocol !== null) rule.flags.push(`proto ${protocol}`);
  rule.action = ruleActionOf(o, fail);
  return rule;
}

function ruleActionOf(o: JsonObject, fail: Fail): RuleAction {
  if ('goto' in o) return { kind: 'goto', target: num(o, 'goto') };
  if ('nat_gateway' in o || 'masquerade' in o) return { kind: 'nat', to: str(o, 'nat_gateway') };
  const action = str(o, 'action');
  switch (action) {
    case null: {
      const table = str(o, 'table') ?? fail('rule without "table" or "action"');
      return { kind: 'lookup', table };
    }
    case 'nop':
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
      return { kind: action };
    default:
      return fail(`unknown rule action "${action}"`);
  }
}

// ---- ip -j neigh -------------------------------------------------------------------------------------

export function parseIpNeighJson(input: TextInput, options: { dev?: string | null } = {}): Capture<'ip-neigh'> {
  const neighbours = each(input, 'neighbour', (o, line, fail): NeighbourRecord => {
    const address = str(o, 'dst') ?? fail('neighbour without "dst"');
    if (!isIpAddress(address)) fail(`not a neighbour address: "${address}"`);
    const flags = ['proxy', 'extern_learn', 'offload', 'managed'].filter((f) => f in o);
    const protocol = str(o, 'protocol');
    if (protocol !== null) flags.push(`proto ${protocol}`);
    return {
      family: familyOfAddress(address), address, dev: str(o, 'dev') ?? options.dev ?? null, lladdr: str(o, 'lladdr'),
      states: strings(o, 'state'), router: 'router' in o, flags, line,
    };
  });
  return { kind: 'ip-neigh', neighbours, takenAt: null };
}

// ---- bridge -j fdb -----------------------------------------------------------------------------------

export function parseBridgeFdbJson(input: TextInput, options: { dev?: string | null } = {}): Capture<'bridge-fdb'> {
  const entries = each(input, 'fdb entry', (o, line, fail): FdbRecord => {
    const mac = str(o, 'mac') ?? fail('fdb entry without "mac"');
    if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) fail(`not a MAC address: "${mac}"`);
    const dst = str(o, 'dst');
    if (dst !== null && !isIpAddress(dst)) fail(`not a vxlan destination address: "${dst}"`);
    const flags = strings(o, 'flags');
    const state = str(o, 'state');
    const extra = [['port', 'port'], ['src_vni', 'src_vni'], ['nhid', 'nhid'], ['linkNetNsId', 'link-netnsid']].flatMap(([k = '', word = '']) => {
      const v = str(o, k);
      return v === null ? [] : [`${word} ${v}`];
    });
    return {
      mac: mac.toLowerCase(), dev: str(o, 'ifname') ?? str(o, 'dev') ?? options.dev ?? null, master: str(o, 'master'), vlan: num(o, 'vlan'),
      dst, vni: num(o, 'vni'), via: str(o, 'viaIf') ?? (num(o, 'viaIfIndex') === null ? null : `ifindex ${num(o, 'viaIfIndex')}`), self: flags.includes('self'),
      state: state === null || state === '' ? null : state,
      flags: [...flags.filter((f) => f !== 'self' && f !== 'master'), ...extra],
      line,
    };
  });
  return { kind: 'bridge-fdb', entries, takenAt: null };
}
