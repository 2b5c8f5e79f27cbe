/**
 * What a parser may return: records typed as declared. Written independently of the parsers' own
 * checks, so a value a parser let through (a port 70000, a NaN prefix, an Infinity counter) is caught.
 * Each function returns the problems found, empty when the result is well formed.
 */
import { assertNever } from '../../src/core/common/assert-never';
import { isNamedGateway, namedDestinationPrefix } from '../../src/core/records/route-names';
import type { Cidr, Counters, Match, NatRange, PortRange, Ruleset, Target } from '../../src/core/netfilter/ruleset';
import { TABLE_NAMES } from '../../src/core/netfilter/ruleset';
import type { CaptureUnit, SplitResult } from '../../src/core/capture/capture-unit';
import type {
  AddressRecord, BridgePortRecord, ConntrackEntry, ConntrackTuple, EndpointsRecord, FdbRecord, InterfaceRecord,
  NeighbourRecord, PacketRecord, ParsedCapture, PodRecord, RouteRecord, RuleRecord, ServiceRecord,
} from '../../src/core/records/records';

/** Inclusive range of source lines a result may point at. */
export interface LineRange {
  first: number;
  last: number;
}

type Problems = string[];

// ---- values ------------------------------------------------------------------------------------

/** Leading zeros are let through: iptables reads `10.0.07.1` (inet_aton style); the value is what matters. */
const V4_OCTET = /^\d{1,3}$/;

export function isIpv4Literal(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => V4_OCTET.test(p) && Number(p) <= 255);
}

/** RFC 4291 text form (with `::`, an embedded dotted quad, an optional `%zone`). */
export function isIpv6Literal(text: string): boolean {
  const zone = text.indexOf('%');
  if (zone === 0 || zone === text.length - 1) return false;
  const addr = zone > 0 ? text.slice(0, zone) : text;
  if (!addr.includes(':') || addr.length > 45) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (const half of halves) {
    if (half === '') continue;
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && isIpv4Literal(p)) groups += 2;
      else if (/^[0-9a-fA-F]{1,4}$/.test(p)) groups++;
      else return false;
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

function familyOf(address: string): 'ipv4' | 'ipv6' | null {
  if (isIpv4Literal(address)) return 'ipv4';
  if (isIpv6Literal(address)) return 'ipv6';
  return null;
}

function isInt(n: unknown, min: number, max: number): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
}

const U32 = 0xffff_ffff;
/**
 * Wide values (64-bit counters, MTUs, metrics, lengths) are only held to being finite non-negative integers:
 * a value past the field's width is implausible but harmless. Narrow fields (ports, protocol numbers, ICMP
 * types, marks, sequence numbers) are held to their width: out of range, they change what a packet matches.
 */
const WIDE = Number.MAX_VALUE;

function intOrNull(p: Problems, where: string, n: number | null | undefined, min: number, max: number): void {
  if (n === null || n === undefined) return;
  if (!isInt(n, min, max)) p.push(`${where} = ${String(n)}, expected an integer${max === WIDE ? '' : ` in ${min}..${max}`}`);
}

function nonEmpty(p: Problems, where: string, s: unknown): void {
  if (typeof s !== 'string' || s === '') p.push(`${where} = ${JSON.stringify(s)}, expected a non-empty string`);
}

function lineIn(p: Problems, where: string, line: number | null, range: LineRange): void {
  if (line === null || !isInt(line, range.first, range.last)) p.push(`${where} = ${String(line)}, outside lines ${range.first}..${range.last}`);
}

/** `a.b.c.d/n` or `x::y/n` with the prefix in the family's range; `family` when the record declares one. */
function cidrText(p: Problems, where: string, text: string, family: 'ipv4' | 'ipv6' | null): void {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const f = familyOf(address);
  if (f === null) {
    p.push(`${where} = ${JSON.stringify(text)}: not an address`);
    return;
  }
  if (family !== null && f !== family) p.push(`${where} = ${JSON.stringify(text)}: ${f} address in an ${family} record`);
  if (slash < 0) return;
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (f === 'ipv4' ? 32 : 128)) p.push(`${where} = ${JSON.stringify(text)}: bad prefix length`);
}

function addressOrNull(p: Problems, where: string, text: string | null, family: 'ipv4' | 'ipv6' | null = null): void {
  if (text === null) return;
  const f = familyOf(text);
  if (f === null) p.push(`${where} = ${JSON.stringify(text)}: not an address`);
  else if (family !== null && f !== family) p.push(`${where} = ${JSON.stringify(text)}: ${f} address in an ${family} record`);
}

/** Every number anywhere in a result must be finite: NaN and Infinity do not survive JSON. */
export function nonFiniteNumbers(value: unknown, path = '$', out: Problems = [], budget = { left: 200_000 }): Problems {
  if (budget.left-- <= 0) return out;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(`${path} = ${String(value)}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nonFiniteNumbers(v, `${path}[${i}]`, out, budget));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) nonFiniteNumbers(v, `${path}.${k}`, out, budget);
  }
  return out;
}

// ---- netfilter ----------------------------------------------------------------------------------

function counters(p: Problems, where: string, c: Counters | null): void {
  if (c === null) return;
  if (!isInt(c.packets, 0, WIDE) || !isInt(c.bytes, 0, WIDE)) p.push(`${where} = [${c.packets}:${c.bytes}], expected non-negative integer counters`);
}

function cidr(p: Problems, where: string, c: Cidr): void {
  const f = familyOf(c.address);
  if (f === null) p.push(`${where}.address = ${JSON.stringify(c.address)}: not an address`);
  else if (!isInt(c.prefixLength, 0, f === 'ipv4' ? 32 : 128)) p.push(`${where}.prefixLength = ${c.prefixLength} for ${c.address}`);
}

function portRange(p: Problems, where: string, r: PortRange | null): void {
  if (r === null) return;
  if (!isInt(r.min, 0, 65535) || !isInt(r.max, 0, 65535) || r.min > r.max) p.push(`${where} = ${r.min}..${r.max}, expected ports 0..65535`);
}

function natRange(p: Problems, where: string, r: NatRange): void {
  addressOrNull(p, `${where}.minAddress`, r.minAddress);
  addressOrNull(p, `${where}.maxAddress`, r.maxAddress);
  portRange(p, `${where}.ports`, r.ports);
}

function match(p: Problems, where: string, m: Match): void {
  switch (m.kind) {
    case 'source':
    case 'destination':
      return cidr(p, `${where}.cidr`, m.cidr);
    case 'in-interface':
    case 'out-interface':
      return nonEmpty(p, `${where}.name`, m.name);
    case 'protocol':
      return nonEmpty(p, `${where}.proto`, m.proto);
    case 'ports':
      if (m.ranges.length === 0) p.push(`${where}: no port range`);
      m.ranges.forEach((r, i) => portRange(p, `${where}.ranges[${i}]`, r));
      return;
    case 'icmp-type':
      intOrNull(p, `${where}.type`, m.type, 0, 255);
      intOrNull(p, `${where}.code`, m.code, 0, 255);
      return;
    case 'mark':
    case 'connmark':
      intOrNull(p, `${where}.value`, m.value, 0, U32);
      intOrNull(p, `${where}.mask`, m.mask, 0, U32);
      return;
    case 'conntrack':
      for (const key of ['ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst'] as const) {
        const c = m[key];
        if (c !== null) cidr(p, `${where}.${key}`, c.value);
      }
      for (const key of ['ctorigsrcport', 'ctorigdstport', 'ctreplsrcport', 'ctrepldstport'] as const) {
        const r = m[key];
        if (r !== null) portRange(p, `${where}.${key}`, r.value);
      }
      return;
    case 'statistic':
      if (m.mode === 'random') {
        if (!(m.probability >= 0 && m.probability <= 1)) p.push(`${where}.probability = ${m.probability}`);
      } else {
        intOrNull(p, `${where}.every`, m.every, 1, U32);
        intOrNull(p, `${where}.packet`, m.packet, 0, U32);
      }
      return;
    case 'recent':
      intOrNull(p, `${where}.seconds`, m.seconds, 0, WIDE);
      intOrNull(p, `${where}.hitcount`, m.hitcount, 0, WIDE);
      return;
    case 'fragment':
    case 'tcp-flags':
    case 'comment':
    case 'addrtype':
    case 'state':
    case 'physdev':
    case 'set':
    case 'unsupported':
      return;
    default:
      return assertNever(m);
  }
}

function target(p: Problems, where: string, t: Target): void {
  switch (t.kind) {
    case 'jump':
    case 'goto':
      return nonEmpty(p, `${where}.chain`, t.chain);
    case 'dnat':
    case 'snat':
      t.to.forEach((r, i) => natRange(p, `${where}.to[${i}]`, r));
      return;
    case 'masquerade':
    case 'redirect':
      return portRange(p, `${where}.ports`, t.ports);
    case 'mark':
      intOrNull(p, `${where}.value`, t.value, 0, U32);
      intOrNull(p, `${where}.mask`, t.mask, 0, U32);
      return;
    case 'connmark':
      if (t.mode === 'set') {
        intOrNull(p, `${where}.value`, t.value, 0, U32);
        intOrNull(p, `${where}.mask`, t.mask, 0, U32);
      } else {
        intOrNull(p, `${where}.nfmask`, t.nfmask, 0, U32);
        intOrNull(p, `${where}.ctmask`, t.ctmask, 0, U32);
      }
      return;
    case 'ct':
      return intOrNull(p, `${where}.zone`, t.zone, 0, 65535);
    case 'accept':
    case 'drop':
    case 'return':
    case 'reject':
    case 'log':
    case 'trace':
    case 'notrack':
    case 'other':
      return;
    default:
      return assertNever(t);
  }
}

function ruleset(p: Problems, rs: Ruleset, range: LineRange): void {
  if (rs.family !== 'ipv4' && rs.family !== 'ipv6') p.push(`family = ${String(rs.family)}`);
  rs.tables.forEach((table, ti) => {
    const tw = `tables[${ti}]`;
    if (!TABLE_NAMES.includes(table.name)) p.push(`${tw}.name = ${JSON.stringify(table.name)}`);
    lineIn(p, `${tw}.line`, table.line, range);
    table.chains.forEach((chain, ci) => {
      const cw = `${tw}.chains[${ci}]`;
      nonEmpty(p, `${cw}.name`, chain.name);
      lineIn(p, `${cw}.line`, chain.line, range);
      counters(p, `${cw}.counters`, chain.counters);
      chain.rules.forEach((rule, ri) => {
        const rw = `${cw}.rules[${ri}]`;
        if (rule.position !== ri + 1) p.push(`${rw}.position = ${rule.position}`);
        lineIn(p, `${rw}.line`, rule.line, range);
        nonEmpty(p, `${rw}.text`, rule.text);
        counters(p, `${rw}.counters`, rule.counters);
        rule.matches.forEach((m, mi) => match(p, `${rw}.matches[${mi}] (${m.kind})`, m));
        if (rule.target !== null) target(p, `${rw}.target (${rule.target.kind})`, rule.target);
      });
    });
  });
}

// ---- interfaces, routes, conntrack, bridges, kubectl ---------------------------------------------

function address(p: Problems, where: string, a: AddressRecord, range: LineRange): void {
  cidrText(p, `${where}.cidr`, a.cidr, a.family);
  if (!a.cidr.includes('/')) p.push(`${where}.cidr = ${JSON.stringify(a.cidr)}: no prefix length`);
  lineIn(p, `${where}.line`, a.line, range);
}

function iface(p: Problems, where: string, i: InterfaceRecord, range: LineRange): void {
  nonEmpty(p, `${where}.name`, i.name);
  intOrNull(p, `${where}.index`, i.index, 0, WIDE);
  intOrNull(p, `${where}.mtu`, i.mtu, 0, WIDE);
  lineIn(p, `${where}.line`, i.line, range);
  i.addresses.forEach((a, ai) => address(p, `${where}.addresses[${ai}]`, a, range));
}

function route(p: Problems, where: string, r: RouteRecord, range: LineRange): void {
  // `route` without -n prints names where addresses were (records/route-names.ts): NAME/PREFIX, a gateway's name.
  const named = namedDestinationPrefix(r.dst);
  if (named !== null) intOrNull(p, `${where}.dst prefix`, named, 0, r.family === 'ipv4' ? 32 : 128);
  else if (r.dst !== 'default') cidrText(p, `${where}.dst`, r.dst, r.family);
  // An IPv4 route may have an IPv6 gateway (RFC 5549, `via inet6`), so the gateway's family is not checked.
  if (!isNamedGateway(r.via)) addressOrNull(p, `${where}.via`, r.via);
  intOrNull(p, `${where}.metric`, r.metric, -WIDE, WIDE);
  nonEmpty(p, `${where}.table`, r.table);
  lineIn(p, `${where}.line`, r.line, range);
}

function ipRule(p: Problems, where: string, r: RuleRecord, range: LineRange): void {
  intOrNull(p, `${where}.priority`, r.priority, 0, U32);
  if (r.from !== null) cidrText(p, `${where}.from`, r.from, r.family);
  if (r.to !== null) cidrText(p, `${where}.to`, r.to, r.family);
  intOrNull(p, `${where}.fwmark`, r.fwmark, 0, U32);
  intOrNull(p, `${where}.fwmask`, r.fwmask, 0, U32);
  if ((r.fwmark === null) !== (r.fwmask === null)) p.push(`${where}: fwmark and fwmask not given together`);
  intOrNull(p, `${where}.suppressPrefixLength`, r.suppressPrefixLength, 0, U32);
  if (r.action.kind === 'lookup') nonEmpty(p, `${where}.action.table`, r.action.table);
  if (r.action.kind === 'goto') intOrNull(p, `${where}.action.target`, r.action.target, 0, U32);
  lineIn(p, `${where}.line`, r.line, range);
}

function neighbour(p: Problems, where: string, n: NeighbourRecord, range: LineRange): void {
  addressOrNull(p, `${where}.address`, n.address, n.family);
  if (n.dev !== null) nonEmpty(p, `${where}.dev`, n.dev);
  lineIn(p, `${where}.line`, n.line, range);
}

function fdbEntry(p: Problems, where: string, e: FdbRecord, range: LineRange): void {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(e.mac)) p.push(`${where}.mac = ${JSON.stringify(e.mac)}`);
  addressOrNull(p, `${where}.dst`, e.dst);
  intOrNull(p, `${where}.vlan`, e.vlan, 0, 4095);
  intOrNull(p, `${where}.vni`, e.vni, 0, 0xff_ffff);
  lineIn(p, `${where}.line`, e.line, range);
}

function tuple(p: Problems, where: string, t: ConntrackTuple, family: 'ipv4' | 'ipv6'): void {
  addressOrNull(p, `${where}.src`, t.src, family);
  addressOrNull(p, `${where}.dst`, t.dst, family);
  intOrNull(p, `${where}.sport`, t.sport, 0, 65535);
  intOrNull(p, `${where}.dport`, t.dport, 0, 65535);
  if (t.icmp !== null) {
    intOrNull(p, `${where}.icmp.type`, t.icmp.type, 0, 255);
    intOrNull(p, `${where}.icmp.code`, t.icmp.code, 0, 255);
    intOrNull(p, `${where}.icmp.id`, t.icmp.id, 0, 65535);
  }
  intOrNull(p, `${where}.packets`, t.packets, 0, WIDE);
  intOrNull(p, `${where}.bytes`, t.bytes, 0, WIDE);
}

function conntrack(p: Problems, where: string, e: ConntrackEntry, range: LineRange): void {
  nonEmpty(p, `${where}.proto`, e.proto);
  intOrNull(p, `${where}.protoNumber`, e.protoNumber, 0, 255);
  intOrNull(p, `${where}.timeout`, e.timeout, 0, WIDE);
  tuple(p, `${where}.original`, e.original, e.family);
  tuple(p, `${where}.reply`, e.reply, e.family);
  intOrNull(p, `${where}.mark`, e.mark, 0, U32);
  intOrNull(p, `${where}.zone`, e.zone, 0, 65535);
  intOrNull(p, `${where}.use`, e.use, 0, WIDE);
  lineIn(p, `${where}.line`, e.line, range);
}

function bridgePort(p: Problems, where: string, b: BridgePortRecord, range: LineRange): void {
  nonEmpty(p, `${where}.bridge`, b.bridge);
  nonEmpty(p, `${where}.port`, b.port);
  lineIn(p, `${where}.line`, b.line, range);
}

function service(p: Problems, where: string, s: ServiceRecord, range: LineRange): void {
  nonEmpty(p, `${where}.name`, s.name);
  nonEmpty(p, `${where}.namespace`, s.namespace);
  s.ports.forEach((port, i) => {
    intOrNull(p, `${where}.ports[${i}].port`, port.port, 0, 65535);
    intOrNull(p, `${where}.ports[${i}].nodePort`, port.nodePort, 0, 65535);
  });
  lineIn(p, `${where}.line`, s.line, range);
}

function endpoints(p: Problems, where: string, e: EndpointsRecord, range: LineRange): void {
  nonEmpty(p, `${where}.name`, e.name);
  lineIn(p, `${where}.line`, e.line, range);
}

function pod(p: Problems, where: string, r: PodRecord, range: LineRange): void {
  nonEmpty(p, `${where}.name`, r.name);
  lineIn(p, `${where}.line`, r.line, range);
}

/** Problems of a non-packet capture. */
export function problemsOfCapture(capture: ParsedCapture, range: LineRange): string[] {
  const p: Problems = nonFiniteNumbers(capture);
  switch (capture.kind) {
    case 'iptables-save':
    case 'iptables-list':
      ruleset(p, capture.ruleset, range);
      break;
    case 'nft-ruleset':
      for (const rs of capture.rulesets) ruleset(p, rs, range);
      break;
    case 'ip-addr':
      if (capture.interfaces.length === 0) p.push('no interface');
      capture.interfaces.forEach((i, n) => iface(p, `interfaces[${n}]`, i, range));
      break;
    case 'ip-route':
    case 'route-table':
      if (capture.routes.length === 0) p.push('no route');
      capture.routes.forEach((r, n) => route(p, `routes[${n}]`, r, range));
      break;
    case 'conntrack':
      capture.entries.forEach((e, n) => conntrack(p, `entries[${n}]`, e, range));
      break;
    case 'bridge':
      capture.ports.forEach((b, n) => bridgePort(p, `ports[${n}]`, b, range));
      break;
    case 'kubectl':
      capture.services.forEach((s, n) => service(p, `services[${n}]`, s, range));
      capture.endpoints.forEach((e, n) => endpoints(p, `endpoints[${n}]`, e, range));
      capture.pods.forEach((r, n) => pod(p, `pods[${n}]`, r, range));
      break;
    case 'ip-rule':
      if (capture.rules.length === 0) p.push('no rule');
      capture.rules.forEach((r, n) => ipRule(p, `rules[${n}]`, r, range));
      break;
    case 'ip-neigh':
      if (capture.neighbours.length === 0) p.push('no neighbour');
      capture.neighbours.forEach((r, n) => neighbour(p, `neighbours[${n}]`, r, range));
      break;
    case 'bridge-fdb':
      if (capture.entries.length === 0) p.push('no fdb entry');
      capture.entries.forEach((r, n) => fdbEntry(p, `entries[${n}]`, r, range));
      break;
    case 'kernel-trace':
      if (capture.events.length === 0) p.push('no trace event');
      capture.events.forEach((e, n) => {
        addressOrNull(p, `events[${n}].packet.src`, e.packet.src);
        addressOrNull(p, `events[${n}].packet.dst`, e.packet.dst);
        intOrNull(p, `events[${n}].packet.sport`, e.packet.sport, 0, 65535);
        intOrNull(p, `events[${n}].packet.dport`, e.packet.dport, 0, 65535);
        lineIn(p, `events[${n}].line`, e.line, range);
      });
      break;
    case 'sysctl':
      if (capture.settings.length === 0) p.push('no setting');
      capture.settings.forEach((r, n) => {
        nonEmpty(p, `settings[${n}].key`, r.key);
        lineIn(p, `settings[${n}].line`, r.line, range);
      });
      break;
    case 'probe':
      capture.probes.forEach((r, n) => {
        addressOrNull(p, `probes[${n}].dst`, r.dst);
        intOrNull(p, `probes[${n}].dport`, r.dport, 1, 65535);
        lineIn(p, `probes[${n}].line`, r.line, range);
      });
      break;
    default:
      return assertNever(capture);
  }
  return p;
}

/** Problems of one packet read from tcpdump text; `previousFrame` is the frame number before it. */
export function problemsOfPacket(pkt: PacketRecord, previousFrame: number, range: LineRange): string[] {
  const p: Problems = nonFiniteNumbers(pkt, `frame ${pkt.frame}`);
  const w = `frame ${pkt.frame}`;
  if (pkt.frame !== previousFrame + 1) p.push(`${w}: frame number after ${previousFrame}`);
  if (!Number.isInteger(pkt.tsSec)) p.push(`${w}.tsSec = ${pkt.tsSec}`);
  intOrNull(p, `${w}.tsNsec`, pkt.tsNsec, 0, 999_999_999);
  intOrNull(p, `${w}.capLen`, pkt.capLen, 0, WIDE);
  intOrNull(p, `${w}.origLen`, pkt.origLen, 0, WIDE);
  intOrNull(p, `${w}.vlan`, pkt.vlan, 0, 4095);
  intOrNull(p, `${w}.etherType`, pkt.etherType, 0, 65535);
  intOrNull(p, `${w}.ipProto`, pkt.ipProto, 0, 255);
  intOrNull(p, `${w}.ipId`, pkt.ipId, 0, WIDE);
  intOrNull(p, `${w}.ttl`, pkt.ttl, 0, 255);
  intOrNull(p, `${w}.fragOffset`, pkt.fragOffset, 0, 8191);
  intOrNull(p, `${w}.sport`, pkt.sport, 0, 65535);
  intOrNull(p, `${w}.dport`, pkt.dport, 0, 65535);
  intOrNull(p, `${w}.tcpFlags`, pkt.tcpFlags, 0, 255);
  intOrNull(p, `${w}.seq`, pkt.seq, 0, U32);
  intOrNull(p, `${w}.ack`, pkt.ack, 0, U32);
  intOrNull(p, `${w}.payloadLen`, pkt.payloadLen, 0, WIDE);
  intOrNull(p, `${w}.icmpType`, pkt.icmpType, 0, 255);
  intOrNull(p, `${w}.icmpCode`, pkt.icmpCode, 0, 255);
  intOrNull(p, `${w}.icmpId`, pkt.icmpId, 0, 65535);
  intOrNull(p, `${w}.arpOp`, pkt.arpOp, 0, 65535);
  if (pkt.src !== null) nonEmpty(p, `${w}.src`, pkt.src);
  if (pkt.dst !== null) nonEmpty(p, `${w}.dst`, pkt.dst);
  if (pkt.iface !== null) nonEmpty(p, `${w}.iface`, pkt.iface);
  lineIn(p, `${w}.line`, pkt.line, range);
  return p;
}

/** Problems of the registry's split: units and kept blocks inside the input, with consistent line numbers. */
export function problemsOfSplit(split: SplitResult, file: string, range: LineRange): string[] {
  const p: Problems = [];
  const span = (where: string, first: number, last: number): void => {
    if (!isInt(first, range.first, range.last) || !isInt(last, first, range.last)) p.push(`${where}: lines ${first}..${last} outside ${range.first}..${range.last}`);
  };
  split.units.forEach((u: CaptureUnit, i) => {
    const w = `units[${i}] (${u.kind})`;
    if (u.kind === 'pcap') p.push(`${w}: a pcap unit from text`);
    if (u.file !== file || u.input.file !== file) p.push(`${w}: file ${u.file}`);
    span(w, u.firstLine, u.lastLine);
    if (u.input.firstLine !== u.firstLine) p.push(`${w}: input starts at line ${u.input.firstLine}, unit at ${u.firstLine}`);
  });
  split.kept.forEach((k, i) => span(`kept[${i}]`, k.firstLine, k.lastLine));
  split.warnings.forEach((warning, i) => {
    if (!isInt(warning.line, range.first, range.last)) p.push(`warnings[${i}].line = ${warning.line} outside ${range.first}..${range.last}`);
  });
  return p;
}
