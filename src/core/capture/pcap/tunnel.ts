/**
 * Overlay tunnels a Kubernetes node's NIC carries: VXLAN (UDP 4789, and 8472, Linux's and flannel's default port, which
 * tcpdump prints as OTV), Geneve (UDP 6081) and IPIP / IPv6-in-IPv4 (IP protocol 4 / 41, Calico's IPIP mode). The
 * packet a tunnel carries is what the pod sent, so it becomes the record (its tuple drives flows) and the outer one is
 * kept as `tunnel`. Only one level is decoded: a tunnel inside a tunnel is recorded as the middle packet (the inner UDP
 * or IPIP one) with the outermost as its tunnel, as a packet to that port seen on an underlay would be.
 * An inner frame that cannot be read leaves the record as the outer packet with `tunnelProblem` saying why.
 */
import type { PacketRecord, PacketTunnel, TunnelKind } from '../../records/records';
import { formatIpv4 } from '../../common/ip';
import { innerHasAddresses, takeInnerPacket } from '../inner-packet';
import { decodeIpv4, decodeIpv6 } from './ip';
import { clearNetworkFields, newPacketRecord } from './packet-record';
import { decodeArp } from './transport';

export const VXLAN_PORT = 4789;
export const VXLAN_LINUX_PORT = 8472;
export const GENEVE_PORT = 6081;

const VXLAN_HEADER = 8;
const GENEVE_HEADER = 8;
const ETHERTYPE_TEB = 0x6558;

/** Set while an inner frame is decoded: a tunnel inside it is not opened (one level only). */
let inside = false;
/** The inner packet is decoded here first, so a frame that fails leaves the record as it was. */
const inner = newPacketRecord(0, 0, 0, null, 0, 0, 0, 0);

/**
 * A UDP datagram to a tunnel port decoded into `p` (its header at `b[udpAt]`, the capture's bytes ending at `captured`).
 * Returns with `p` made the inner packet, or with `p.tunnelProblem` set, or (no tunnel header at all, a cut before it)
 * untouched.
 */
export function decodeUdpTunnel(p: PacketRecord, b: Uint8Array, udpAt: number, captured: number, addressText: boolean): void {
  if (inside) return;
  const dport = p.dport!;
  const at = udpAt + 8;
  // Where the payload ended on the wire (the UDP length), and what of it was captured.
  const wireEnd = p.payloadLen === null ? captured : at + p.payloadLen;
  const end = Math.min(captured, wireEnd);
  if (dport === GENEVE_PORT) {
    decodeGeneve(p, b, at, end, wireEnd, addressText);
    return;
  }
  if (end - at < VXLAN_HEADER) return;
  const flags = b[at]!;
  if ((flags & 0x08) === 0) {
    p.tunnelProblem = `UDP to port ${dport} without the VXLAN I flag (flags 0x${hex2(flags)}): kept as the UDP packet`;
    return;
  }
  const vni = ((b[at + 4]! << 16) | (b[at + 5]! << 8) | b[at + 6]!) >>> 0;
  openInner(p, 'vxlan', vni, ETHERTYPE_TEB, b, at + VXLAN_HEADER, end, wireEnd, addressText);
}

function decodeGeneve(p: PacketRecord, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean): void {
  if (end - at < GENEVE_HEADER) return;
  const version = b[at]! >> 6;
  if (version !== 0) {
    p.tunnelProblem = `Geneve version ${version} is not decoded: kept as the UDP packet`;
    return;
  }
  const optionsLen = (b[at]! & 0x3f) * 4;
  const protocol = (b[at + 2]! << 8) | b[at + 3]!;
  const vni = ((b[at + 4]! << 16) | (b[at + 5]! << 8) | b[at + 6]!) >>> 0;
  const payload = at + GENEVE_HEADER + optionsLen;
  if (payload > wireEnd) {
    p.tunnelProblem = `Geneve options of ${optionsLen} bytes run past the datagram: kept as the UDP packet`;
    return;
  }
  if (protocol !== ETHERTYPE_TEB && protocol !== 0x0800 && protocol !== 0x86dd) {
    p.tunnelProblem = `Geneve protocol 0x${protocol.toString(16).padStart(4, '0')} is not decoded: kept as the UDP packet`;
    return;
  }
  openInner(p, 'geneve', vni, protocol, b, payload, end, wireEnd, addressText);
}

/** IP protocol 4 (IPv4 in IP) or 41 (IPv6 in IPv4), the inner header at `b[at]`; `l4Len` what the outer IP header says it carries. */
export function decodeIpTunnel(p: PacketRecord, proto: 4 | 41, b: Uint8Array, at: number, captured: number, l4Len: number | null, addressText: boolean): void {
  p.payloadLen = l4Len;
  if (inside) return;
  const wireEnd = l4Len === null ? captured : at + l4Len;
  const end = Math.min(captured, wireEnd);
  if (end - at < 1) return;
  openInner(p, proto === 4 ? 'ipip' : 'sit', null, proto === 4 ? 0x0800 : 0x86dd, b, at, end, wireEnd, addressText);
}

/**
 * Decodes the inner frame (an Ethernet frame for `type` TEB, else an IP packet of that EtherType) at `b[at..end)`,
 * `wireEnd` where the tunnel's payload ended on the wire, and makes it the record when it holds a readable packet.
 */
function openInner(
  p: PacketRecord, kind: TunnelKind, vni: number | null, type: number, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean,
): void {
  const what = kind === 'vxlan' || kind === 'geneve' ? `${kind === 'vxlan' ? 'VXLAN' : 'Geneve'} vni ${vni}` : kind === 'ipip' ? 'IPIP' : 'IPv6-in-IPv4';
  let off = at;
  if (type === ETHERTYPE_TEB) {
    if (end - off < 14) {
      p.tunnelProblem = `the ${what} inner Ethernet frame is cut after ${Math.max(0, end - off)} bytes: kept as the outer packet`;
      return;
    }
    type = (b[off + 12]! << 8) | b[off + 13]!;
    off += 14;
    while (type === 0x8100 || type === 0x88a8) {
      if (end - off < 4) {
        p.tunnelProblem = `the ${what} inner VLAN tag is cut: kept as the outer packet`;
        return;
      }
      type = (b[off + 2]! << 8) | b[off + 3]!;
      off += 4;
    }
  }
  const available = wireEnd - off;
  const problem = innerLengthProblem(type, b, off, end, available);
  if (problem !== null) {
    p.tunnelProblem = `the ${what} ${problem}: kept as the outer packet`;
    return;
  }
  resetInner(p);
  inside = true;
  try {
    // The inner packet's own wire end is its share of the tunnel's payload.
    if (type === 0x0800) decodeIpv4(inner, b, off, end, wireEnd, addressText);
    else if (type === 0x86dd) decodeIpv6(inner, b, off, end, wireEnd);
    else decodeArp(inner, b, off, end);
  } finally {
    inside = false;
  }
  if (!innerHasAddresses(inner)) {
    p.tunnelProblem = `the ${what} inner ${inner.network === 'arp' ? 'ARP' : 'IP'} packet is cut before its addresses: kept as the outer packet`;
    return;
  }
  takeInnerPacket(p, inner, outerTunnel(p, kind, vni));
}

/** The last tunnel made: a run of packets in one tunnel shares it (read-only, as every record's fields are to a sink). */
let last: PacketTunnel | null = null;
/** Its outer IPv4 addresses as numbers (-1: not IPv4): compared without making their text. */
let lastSrcV4 = -1;
let lastDstV4 = -1;

/** The outer packet (still in `p`) as the tunnel; the last one again when it is the same. */
function outerTunnel(p: PacketRecord, kind: TunnelKind, vni: number | null): PacketTunnel {
  const udp = kind === 'vxlan' || kind === 'geneve';
  const sport = udp ? p.sport : null;
  const dport = udp ? p.dport : null;
  const s4 = p.srcV4 ?? -1;
  const d4 = p.dstV4 ?? -1;
  const t = last;
  if (t !== null && t.kind === kind && t.vni === vni && t.sport === sport && t.dport === dport) {
    if (p.src === null ? s4 !== -1 && s4 === lastSrcV4 && d4 === lastDstV4 : p.src === t.src && p.dst === t.dst) return t;
  }
  const src = p.src ?? (s4 !== -1 ? formatIpv4(s4) : '');
  const dst = p.dst ?? (d4 !== -1 ? formatIpv4(d4) : '');
  lastSrcV4 = s4;
  lastDstV4 = d4;
  return (last = { kind, vni, src, dst, sport, dport });
}

/**
 * Why the inner packet cannot be the record, from its header alone: not IP or ARP, or an IP header claiming more bytes
 * than the tunnel carried (`available`, on the wire). null when it can be decoded (a capture cut short by the snap
 * length still decodes as far as it goes, as any packet does).
 */
function innerLengthProblem(type: number, b: Uint8Array, at: number, end: number, available: number): string | null {
  switch (type) {
    case 0x0800: {
      if (end - at >= 1 && b[at]! >> 4 !== 4) return `inner packet of EtherType IPv4 is IP version ${b[at]! >> 4}`;
      if (end - at < 4) return null;
      const total = (b[at + 2]! << 8) | b[at + 3]!;
      return total > available ? `inner IPv4 packet claims ${total} bytes, the tunnel carried ${available}` : null;
    }
    case 0x86dd: {
      if (end - at >= 1 && b[at]! >> 4 !== 6) return `inner packet of EtherType IPv6 is IP version ${b[at]! >> 4}`;
      if (end - at < 6) return null;
      const total = 40 + ((b[at + 4]! << 8) | b[at + 5]!);
      return total > available ? `inner IPv6 packet claims ${total} bytes, the tunnel carried ${available}` : null;
    }
    case 0x0806:
      return null;
    default:
      return `inner EtherType 0x${type.toString(16).padStart(4, '0')} is not decoded`;
  }
}

function resetInner(p: PacketRecord): void {
  inner.frame = p.frame;
  clearNetworkFields(inner);
  inner.icmpError = null;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
