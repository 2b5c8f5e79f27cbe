/**
 * `ip addr` output for the hand-written nodes of tests, as iproute2 prints it: `lo` first, then each
 * link in order (an Ethernet device, a bridge, a bridge's veth port), so a test names only what differs.
 */
export interface TestLink {
  /** As `ip addr` heads it: `eth0`, `veth-a1@if2`. */
  name: string;
  mac: string;
  /** The link's IPv4 address with its prefix; the broadcast address is the subnet's last. */
  cidr?: string;
  /** `noqueue` for bridges and veths; `fq_codel` otherwise. */
  qdisc?: 'fq_codel' | 'noqueue';
  master?: string;
  linkNetns?: string;
}

const LOOPBACK = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
`;

function broadcastOf(cidr: string): string {
  const [address = '', length = '32'] = cidr.split('/');
  const value = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const host = 2 ** (32 - Number(length)) - 1;
  const brd = value - (value % (host + 1)) + host;
  return [24, 16, 8, 0].map((shift) => Math.floor(brd / 2 ** shift) % 256).join('.');
}

export function ipAddrText(links: readonly TestLink[]): string {
  return LOOPBACK + links.map((link, i) => {
    const master = link.master === undefined ? '' : ` master ${link.master}`;
    const netns = link.linkNetns === undefined ? '' : ` link-netns ${link.linkNetns}`;
    const lines = [
      `${i + 2}: ${link.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc ${link.qdisc ?? 'fq_codel'}${master} state UP group default qlen 1000`,
      `    link/ether ${link.mac} brd ff:ff:ff:ff:ff:ff${netns}`,
    ];
    if (link.cidr !== undefined) lines.push(`    inet ${link.cidr} brd ${broadcastOf(link.cidr)} scope global ${link.name.split('@')[0]}`);
    return `${lines.join('\n')}\n`;
  }).join('');
}
