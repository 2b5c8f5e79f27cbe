/** What tcpdump prints before the network layer: `-i any` interface and direction, and with -e the link header. */
import type { PacketNetwork, PacketRecord } from '../../records/records';
import type { TextCursor } from './text-cursor';
import { fieldValue, VLAN_ID } from './header-field';

const MAC = '[0-9a-f]{2}(?::[0-9a-f]{2}){5}';
// `-i any` (LINUX_SLL) with -e: the direction, then the source address, or none for a device without one (tun).
const SLL_DIRECTION = new RegExp(`(In|Out|P|M|B) +(?=${MAC} |ethertype )`, 'y');
const SLL2_PREFIX = /(\S{1,64}) +(In|Out|P|M|B) +/y;
const SLL2_IFINDEX = /ifindex \d{1,10} /y;
const ETHERNET = new RegExp(`(${MAC}) > (${MAC}), `, 'y');
const SOURCE_MAC = new RegExp(`(${MAC}) `, 'y');
const ETHERTYPE = /ethertype [^(,]{1,40} \(0x([0-9a-f]{4})\)/y;
const FRAME_LENGTH = /, length (\d{1,10}): /y;
const VLAN = /vlan (\d{1,4}), p \d, /y;
/** tcpdump before 4.99 names a tag's inner type without its number: `vlan 16, p 0, ethertype IPv4, 10.53.16.14...`. */
const INNER_ETHERTYPE_NAME = /ethertype ([^(,]{1,40}), /y;
/** The names print-ether's ethertype_values gives the types a tag can carry here; other types print as 0xHHHH. */
const ETHERTYPE_BY_NAME: Readonly<Record<string, number>> = {
  IPv4: 0x0800, IPv6: 0x86dd, ARP: 0x0806, '802.1Q': 0x8100, '802.1Q-QinQ': 0x88a8, '802.1Q-9100': 0x9100,
};
const LLC_FRAME = /802\.3, length \d{1,10}: /y;
/** An NFLOG record with -e: `version 0, resource ID 5, family IPv4 (2), length 188: `. */
const NFLOG = /version \d{1,3}, resource ID \d{1,5}, family (IPv4|IPv6) \(\d{1,3}\), length (\d{1,10}): /y;

/** Reads `eth0  In  ` (tcpdump -i any, LINUX_SLL2) into iface and direction. */
export function readInterfacePrefix(p: PacketRecord, c: TextCursor): void {
  const m = c.match(SLL2_PREFIX);
  if (!m) return;
  p.iface = m[1]!;
  p.direction = m[2] === 'Out' ? 'out' : 'in';
}

/**
 * Reads a -e link header when there is one and returns the network it announces, or null when the line has
 * no link header (then the network keyword follows: `IP`, `IP6`, `ARP,`).
 */
export function readLinkHeader(p: PacketRecord, c: TextCursor): PacketNetwork | null {
  const start = c.pos;
  const nflog = c.match(NFLOG);
  if (nflog) {
    p.origLen = p.capLen = Number(nflog[2]);
    return nflog[1] === 'IPv4' ? 'ipv4' : 'ipv6';
  }
  const sll = c.match(SLL_DIRECTION);
  if (sll) {
    p.direction = sll[1] === 'Out' ? 'out' : 'in';
    const mac = c.match(SOURCE_MAC);
    if (mac) p.srcMac = mac[1]!;
  } else if (p.iface !== null && c.match(SLL2_IFINDEX)) {
    const mac = c.match(SOURCE_MAC);
    if (mac) p.srcMac = mac[1]!;
  } else {
    const eth = c.match(ETHERNET);
    if (!eth) return null;
    p.srcMac = eth[1]!;
    p.dstMac = eth[2]!;
    // `802.3, length N` is the 802.3 length field (the LLC payload), not the frame length: left unknown.
    if (c.match(LLC_FRAME)) return 'other';
  }
  const type = c.match(ETHERTYPE);
  if (!type) {
    c.pos = start;
    p.srcMac = p.dstMac = null;
    p.direction = p.iface === null ? null : p.direction;
    return null;
  }
  let etherType = parseInt(type[1]!, 16);
  const len = c.match(FRAME_LENGTH);
  if (len) p.origLen = p.capLen = Number(len[1]);
  // 802.1Q / 802.1ad tags: `vlan 165, p 0, ethertype IPv4 (0x0800), `; the outermost tag is the one kept.
  while (isVlanType(etherType)) {
    const vlan = c.match(VLAN);
    if (!vlan) break;
    if (p.vlan === null) p.vlan = fieldValue(vlan[1], VLAN_ID);
    const inner = c.match(ETHERTYPE);
    if (inner) {
      etherType = parseInt(inner[1]!, 16);
      c.eat(', ');
      continue;
    }
    const at = c.pos;
    const named = c.match(INNER_ETHERTYPE_NAME);
    const type = named === null ? undefined : /^0x[0-9a-f]{4}$/.test(named[1]!) ? parseInt(named[1]!, 16) : ETHERTYPE_BY_NAME[named[1]!];
    if (type === undefined) {
      c.pos = at;
      break;
    }
    etherType = type;
  }
  return networkOf(p, etherType);
}

function isVlanType(etherType: number): boolean {
  return etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100;
}

function networkOf(p: PacketRecord, etherType: number): PacketNetwork {
  switch (etherType) {
    case 0x0800:
      return 'ipv4';
    case 0x86dd:
      return 'ipv6';
    case 0x0806:
      return 'arp';
    default:
      p.etherType = etherType;
      return 'other';
  }
}
