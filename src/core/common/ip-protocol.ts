/**
 * IP protocol numbers by the names /etc/protocols (IANA's keywords, lower case) gives them, as every face
 * shows a flow's protocol: `igmp`, not `2`. A number without a name stays a number.
 */
const NAMES: Readonly<Record<number, string>> = {
  0: 'hopopt', 1: 'icmp', 2: 'igmp', 4: 'ipencap', 6: 'tcp', 8: 'egp', 9: 'igp', 17: 'udp', 27: 'rdp', 33: 'dccp',
  41: 'ipv6', 43: 'ipv6-route', 44: 'ipv6-frag', 46: 'rsvp', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'ipv6-icmp',
  59: 'ipv6-nonxt', 60: 'ipv6-opts', 88: 'eigrp', 89: 'ospf', 94: 'ipip', 97: 'etherip', 103: 'pim', 108: 'ipcomp',
  112: 'vrrp', 115: 'l2tp', 132: 'sctp', 136: 'udplite', 137: 'mpls-in-ip', 143: 'ethernet',
};

export function ipProtocolName(proto: number): string {
  return NAMES[proto] ?? String(proto);
}
