/**
 * The value vocabulary of netfilter rules (protocol names, address types, conntrack states, TCP
 * flags) and how iptables-save prints those values. The readers in capture/ parse into these; rule
 * text and traces print from them.
 */
import type { AddrType, CtState, NatRange, PortRange } from './ruleset';

export function formatPortRange(r: PortRange, sep = ':'): string {
  return r.min === r.max ? String(r.min) : `${r.min}${sep}${r.max}`;
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

export function formatNatRange(r: NatRange): string {
  let addr = '';
  if (r.minAddress !== null) {
    addr = r.maxAddress !== null && r.maxAddress !== r.minAddress ? `${r.minAddress}-${r.maxAddress}` : r.minAddress;
    if (r.ports !== null && addr.includes(':')) addr = `[${addr}]`;
  }
  return r.ports === null ? addr : `${addr}:${formatPortRange(r.ports, '-')}`;
}

export const PROTOCOL_NAMES: ReadonlyMap<string, string> = new Map([
  ['0', 'all'], ['1', 'icmp'], ['2', 'igmp'], ['4', 'ipencap'], ['6', 'tcp'], ['17', 'udp'], ['41', 'ipv6'],
  ['47', 'gre'], ['50', 'esp'], ['51', 'ah'], ['58', 'ipv6-icmp'], ['89', 'ospf'], ['103', 'pim'],
  ['112', 'vrrp'], ['132', 'sctp'], ['136', 'udplite'], ['icmpv6', 'ipv6-icmp'], ['icmp6', 'ipv6-icmp'],
]);

export const PROTOCOL_NUMBERS: ReadonlyMap<string, string> = new Map(
  [...PROTOCOL_NAMES].filter(([k]) => /^\d+$/.test(k)).map(([num, name]) => [name, num]),
);

/** The number of a protocol name (`tcp` → `6`), as conntrack's --ctproto is printed; unknown names unchanged. */
export function protocolNumber(name: string): string {
  return PROTOCOL_NUMBERS.get(name) ?? name;
}

export const ADDR_TYPES: readonly AddrType[] = [
  'UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST',
  'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE',
];

export const CT_STATES: readonly CtState[] = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

export const CT_STATUSES: readonly string[] = ['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];

export const TCP_FLAGS: readonly string[] = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

export function formatTcpFlags(flags: readonly string[]): string {
  return flags.length === 0 ? 'NONE' : flags.join(',');
}

export function formatIcmpType(type: number | null, code: number | null): string {
  if (type === null) return 'any';
  return code === null ? String(type) : `${type}/${code}`;
}
