/**
 * The values inside iptables options (addresses, masks, ports, marks, NAT ranges, names), shared by the
 * iptables-save and `iptables -L` readers. Parsers throw RuleSyntaxError; the line readers turn it into a
 * CaptureError carrying file and line.
 */
import type { AddrType, Cidr, CtState, NatRange, PortRange } from '../../netfilter/ruleset';
import { ADDR_TYPES, CT_STATES, CT_STATUSES, PROTOCOL_NAMES, PROTOCOL_NUMBERS, TCP_FLAGS } from '../../netfilter/rule-values';
import { isIpv4, isIpv6 as isIpv6Text, readCidr } from '../../common/ip';

export class RuleSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RuleSyntaxError';
  }
}

export function fail(reason: string): never {
  throw new RuleSyntaxError(reason);
}

// ---- addresses --------------------------------------------------------------------------------

/** IPv6 as iptables takes it: no `%zone`. */
function isIpv6(text: string): boolean {
  return !text.includes('%') && isIpv6Text(text);
}

/**
 * A -s/-d word meant as an address rather than a host name: a dotted quad, or any word with a colon (no
 * host name has one). Not a validator: parseCidr rejects a malformed one (`672b8:`, `:9`).
 */
export function isAddress(text: string): boolean {
  return isIpv4(text) || text.indexOf(':') >= 0;
}

function isIpAddress(text: string): boolean {
  return isIpv4(text) || isIpv6(text);
}

/** `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, a bare address (/32 or /128), `fd00::/64`, `fd00::/ffff:ffff::` (core/common/ip.ts's reading, without zones). */
export function parseCidr(text: string): Cidr {
  if (text.includes('%')) fail(`bad address "${text}"`);
  const read = readCidr(text);
  if (!read.ok) fail(read.reason);
  return { address: read.address, prefixLength: read.prefixLength };
}

// ---- ports ------------------------------------------------------------------------------------

/** The service names `iptables -L` (without -n) prints for common ports, from /etc/services. */
const SERVICE_PORTS: ReadonlyMap<string, number> = new Map([
  ['tcpmux', 1], ['echo', 7], ['discard', 9], ['ftp-data', 20], ['ftp', 21], ['ssh', 22], ['telnet', 23],
  ['smtp', 25], ['time', 37], ['whois', 43], ['tacacs', 49], ['domain', 53], ['bootps', 67], ['bootpc', 68],
  ['tftp', 69], ['gopher', 70], ['finger', 79], ['http', 80], ['www', 80], ['kerberos', 88], ['pop3', 110],
  ['sunrpc', 111], ['auth', 113], ['nntp', 119], ['ntp', 123], ['epmap', 135], ['netbios-ns', 137],
  ['netbios-dgm', 138], ['netbios-ssn', 139], ['imap2', 143], ['imap', 143], ['snmp', 161],
  ['snmp-trap', 162], ['bgp', 179], ['irc', 194], ['ldap', 389], ['https', 443], ['microsoft-ds', 445],
  ['isakmp', 500], ['syslog', 514], ['printer', 515], ['submission', 587], ['ldaps', 636],
  ['rsync', 873], ['ftps', 990], ['imaps', 993], ['pop3s', 995], ['socks', 1080], ['openvpn', 1194],
  ['ms-sql-s', 1433], ['l2tp', 1701], ['pptp', 1723], ['radius', 1812], ['radius-acct', 1813],
  ['nfs', 2049], ['mysql', 3306], ['ms-wbt-server', 3389], ['sip', 5060], ['xmpp-client', 5222],
  ['postgresql', 5432], ['amqp', 5672], ['x11', 6000], ['http-alt', 8080], ['webcache', 8080],
]);

/** A port, port range or service name natlens can turn into numbers (a name not in SERVICE_PORTS is not). */
export function isKnownPortText(text: string): boolean {
  return text.split(/[:,]/).every((p) => p === '' || /^\d{1,5}$/.test(p) || SERVICE_PORTS.has(p) || p.split('-').every((q) => /^\d{1,5}$/.test(q) || SERVICE_PORTS.has(q)));
}

export function parsePort(text: string): number {
  if (/^\d{1,5}$/.test(text)) {
    const n = Number(text);
    if (n > 65535) fail(`port ${text} out of range`);
    return n;
  }
  const named = SERVICE_PORTS.get(text);
  if (named === undefined) fail(`unknown port "${text}"`);
  return named;
}

/** `80`, `1000:2000`, `1000:` (to 65535), `:1023` (from 0); `-` is accepted as well for NAT port ranges. */
export function parsePortRange(text: string): PortRange {
  let sep = text.indexOf(':');
  // A service name may hold a dash (`http-alt`, `ftp-data`): the name, not a range.
  if (sep < 0 && !SERVICE_PORTS.has(text)) sep = text.indexOf('-');
  if (sep < 0) {
    const p = parsePort(text);
    return { min: p, max: p };
  }
  const lo = text.slice(0, sep);
  const hi = text.slice(sep + 1);
  const min = lo === '' ? 0 : parsePort(lo);
  const max = hi === '' ? 65535 : parsePort(hi);
  if (min > max) fail(`port range ${text} is inverted`);
  return { min, max };
}

export function parsePortList(text: string): PortRange[] {
  if (text === '') fail('empty port list');
  return text.split(',').map(parsePortRange);
}

// ---- numbers and marks ------------------------------------------------------------------------

/** An unsigned 32-bit number as strtoul(…, 0) reads it: 0x hex, leading-zero octal, or decimal. */
export function parseU32(text: string): number {
  let n: number;
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) n = parseInt(text.slice(1), 8);
  else if (/^\d{1,10}$/.test(text)) n = Number(text);
  else fail(`bad number "${text}"`);
  if (n > 0xffffffff) fail(`number ${text} too large`);
  return n >>> 0;
}

export function parseMarkMask(text: string): { value: number; mask: number | null } {
  const slash = text.indexOf('/');
  if (slash < 0) return { value: parseU32(text), mask: null };
  return { value: parseU32(text.slice(0, slash)), mask: parseU32(text.slice(slash + 1)) };
}

/** A statistic match's probability, 0 to 1 (iptables prints it with 11 decimals). */
export function parseProbability(text: string): number {
  const p = Number(text);
  if (!/^[0-9.eE+-]+$/.test(text) || !(p >= 0 && p <= 1)) fail(`bad probability "${text}"`);
  return p;
}

export function parseNonNegativeInt(text: string): number {
  if (!/^\d{1,10}$/.test(text)) fail(`bad number "${text}"`);
  return Number(text);
}

// ---- NAT ranges -------------------------------------------------------------------------------

/** `1.2.3.4`, `1.2.3.4-1.2.3.9`, `1.2.3.4:80`, `:80-90`, `[fd00::5]:80`, `[fd00::5-fd00::9]:80-90`, `fd00::5`. */
export function parseNatRange(text: string): NatRange {
  let addr: string;
  let ports: string | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) fail(`unterminated [ in "${text}"`);
    addr = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) fail(`bad NAT range "${text}"`);
      ports = rest.slice(1);
    }
  } else {
    const first = text.indexOf(':');
    if (first >= 0 && text.indexOf(':', first + 1) < 0) {
      addr = text.slice(0, first);
      ports = text.slice(first + 1);
    } else {
      addr = text;
    }
  }
  let minAddress: string | null = null;
  let maxAddress: string | null = null;
  if (addr !== '') {
    const dash = addr.indexOf('-');
    minAddress = dash < 0 ? addr : addr.slice(0, dash);
    maxAddress = dash < 0 ? addr : addr.slice(dash + 1);
    if (!isIpAddress(minAddress) || !isIpAddress(maxAddress)) fail(`bad NAT address "${addr}"`);
  }
  if (ports === '') fail(`missing port in "${text}"`);
  return { minAddress, maxAddress, ports: ports === null ? null : parsePortRange(ports) };
}

// ---- protocols --------------------------------------------------------------------------------

/** A word the `prot` column of `iptables -L` can hold: `all`, a number, or a protocol name (optionally `!`-negated). */
export function isProtocolWord(word: string): boolean {
  const w = (word.startsWith('!') ? word.slice(1) : word).toLowerCase();
  return w === 'all' || /^\d{1,3}$/.test(w) || PROTOCOL_NAMES.has(w) || PROTOCOL_NUMBERS.has(w);
}

/** Lower-case protocol name as iptables-save prints it (`6` → `tcp`, `icmpv6` → `ipv6-icmp`). */
export function normaliseProtocol(text: string): string {
  if (text === '') fail('empty protocol');
  const lower = text.toLowerCase();
  return PROTOCOL_NAMES.get(lower) ?? lower;
}

// ---- enumerations -----------------------------------------------------------------------------

/** In the kernel's bit order, which is the order iptables prints them in. */

function parseEnumList<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const seen = new Set<T>();
  for (const raw of text.split(',')) {
    const item = raw.toUpperCase();
    const found = allowed.find((a) => a === item);
    if (found === undefined) fail(`unknown ${what} "${raw}"`);
    seen.add(found);
  }
  return allowed.filter((a) => seen.has(a));
}

export function parseAddrTypes(text: string): AddrType[] {
  return parseEnumList(text, ADDR_TYPES, 'address type');
}

export function parseCtStates(text: string): CtState[] {
  return parseEnumList(text, CT_STATES, 'conntrack state');
}

export function parseCtStatuses(text: string): string[] {
  return parseEnumList(text, CT_STATUSES, 'conntrack status');
}

/** `SYN,ACK`, `ALL` (the six classic flags), `NONE`; also the `0x17` form `iptables -L -n` prints. */
export function parseTcpFlags(text: string): string[] {
  if (/^0x[0-9a-fA-F]{1,2}$/.test(text)) {
    const bits = parseInt(text.slice(2), 16);
    return TCP_FLAGS.filter((_, i) => (bits & (1 << i)) !== 0);
  }
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const f = raw.toUpperCase();
    if (f === 'ALL') TCP_FLAGS.slice(0, 6).forEach((x) => seen.add(x));
    else if (f === 'NONE') continue;
    else if (TCP_FLAGS.includes(f)) seen.add(f);
    else fail(`unknown TCP flag "${raw}"`);
  }
  return TCP_FLAGS.filter((f) => seen.has(f));
}

// ---- ICMP -------------------------------------------------------------------------------------

/** name → [type, code or null for every code]; from iptables' libxt_icmp tables. */
const ICMP_NAMES: ReadonlyMap<string, readonly [number, number | null]> = new Map<string, readonly [number, number | null]>([
  ['echo-reply', [0, null]], ['pong', [0, null]], ['destination-unreachable', [3, null]],
  ['network-unreachable', [3, 0]], ['host-unreachable', [3, 1]], ['protocol-unreachable', [3, 2]],
  ['port-unreachable', [3, 3]], ['fragmentation-needed', [3, 4]], ['source-route-failed', [3, 5]],
  ['network-unknown', [3, 6]], ['host-unknown', [3, 7]], ['network-prohibited', [3, 9]],
  ['host-prohibited', [3, 10]], ['TOS-network-unreachable', [3, 11]], ['TOS-host-unreachable', [3, 12]],
  ['communication-prohibited', [3, 13]], ['host-precedence-violation', [3, 14]],
  ['precedence-cutoff', [3, 15]], ['source-quench', [4, null]], ['redirect', [5, null]],
  ['network-redirect', [5, 0]], ['host-redirect', [5, 1]], ['TOS-network-redirect', [5, 2]],
  ['TOS-host-redirect', [5, 3]], ['echo-request', [8, null]], ['ping', [8, null]],
  ['router-advertisement', [9, null]], ['router-solicitation', [10, null]], ['time-exceeded', [11, null]],
  ['ttl-exceeded', [11, null]], ['ttl-zero-during-transit', [11, 0]], ['ttl-zero-during-reassembly', [11, 1]],
  ['parameter-problem', [12, null]], ['ip-header-bad', [12, 0]], ['required-option-missing', [12, 1]],
  ['timestamp-request', [13, null]], ['timestamp-reply', [14, null]], ['address-mask-request', [17, null]],
  ['address-mask-reply', [18, null]],
]);

const ICMPV6_NAMES: ReadonlyMap<string, readonly [number, number | null]> = new Map<string, readonly [number, number | null]>([
  ['destination-unreachable', [1, null]], ['no-route', [1, 0]], ['communication-prohibited', [1, 1]],
  ['beyond-scope', [1, 2]], ['address-unreachable', [1, 3]], ['port-unreachable', [1, 4]],
  ['failed-policy', [1, 5]], ['reject-route', [1, 6]], ['packet-too-big', [2, null]],
  ['time-exceeded', [3, null]], ['ttl-exceeded', [3, null]], ['ttl-zero-during-transit', [3, 0]],
  ['ttl-zero-during-reassembly', [3, 1]], ['parameter-problem', [4, null]], ['bad-header', [4, 0]],
  ['unknown-header-type', [4, 1]], ['unknown-option', [4, 2]], ['echo-request', [128, null]],
  ['ping', [128, null]], ['echo-reply', [129, null]], ['pong', [129, null]],
  ['mld-listener-query', [130, null]], ['mld-listener-report', [131, null]], ['mld-listener-done', [132, null]],
  ['router-solicitation', [133, null]], ['router-advertisement', [134, null]],
  ['neighbour-solicitation', [135, null]], ['neighbor-solicitation', [135, null]],
  ['neighbour-advertisement', [136, null]], ['neighbor-advertisement', [136, null]], ['redirect', [137, null]],
]);

/** `8`, `3/4`, `echo-request`, `any`: type null means any type. */
export function parseIcmpType(text: string, v6: boolean): { type: number | null; code: number | null } {
  if (text === 'any') return { type: null, code: null };
  const m = /^(\d{1,3})(?:\/(\d{1,3}))?$/.exec(text);
  if (m !== null) {
    const type = Number(m[1]);
    const code = m[2] === undefined ? null : Number(m[2]);
    if (type > 255 || (code !== null && code > 255)) fail(`bad ICMP type "${text}"`);
    return type === 255 && !v6 && code === null ? { type: null, code: null } : { type, code };
  }
  const named = (v6 ? ICMPV6_NAMES : ICMP_NAMES).get(text);
  if (named === undefined) fail(`unknown ICMP type "${text}"`);
  return { type: named[0], code: named[1] };
}

// ---- LOG levels -------------------------------------------------------------------------------

const LOG_LEVELS: ReadonlyMap<string, string> = new Map([
  ['emerg', '0'], ['alert', '1'], ['crit', '2'], ['err', '3'], ['error', '3'], ['warning', '4'], ['warn', '4'],
  ['notice', '5'], ['info', '6'], ['debug', '7'],
]);

/** syslog level as the number iptables-save prints; null for the default level 4 (warning), which it omits. */
export function normaliseLogLevel(text: string): string | null {
  const n = /^[0-7]$/.test(text) ? text : LOG_LEVELS.get(text.toLowerCase());
  if (n === undefined) fail(`unknown log level "${text}"`);
  return n === '4' ? null : n;
}
