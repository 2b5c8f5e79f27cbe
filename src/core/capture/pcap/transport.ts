import type { IcmpErrorHeader, PacketRecord } from '../../records/records';
import { ipv4Text, ipv6Text } from './address-text';
import { decodeIpTunnel, decodeUdpTunnel, GENEVE_PORT, VXLAN_LINUX_PORT, VXLAN_PORT } from './tunnel';

/**
 * Layer-4 decoders. `at..end` is what was captured; `l4Len` is the length the IP header
 * announces for this layer (null when unknown). A header cut short keeps what could be read
 * and names the layer in `truncated`, as tcpdump's `[|tcp]` does.
 */
export function decodeTransport(
  p: PacketRecord, proto: number, b: Uint8Array, at: number, end: number, l4Len: number | null, addressText = true,
): void {
  switch (proto) {
    case 6:
      decodeTcp(p, b, at, end, l4Len);
      return;
    case 17:
      decodeUdp(p, b, at, end, l4Len);
      // Overlay tunnels (tunnel.ts): the datagram's payload is a pod's packet.
      if (p.dport === VXLAN_PORT || p.dport === VXLAN_LINUX_PORT || p.dport === GENEVE_PORT) decodeUdpTunnel(p, b, at, end, addressText);
      return;
    case 136: // UDP-Lite
      decodeUdp(p, b, at, end, l4Len);
      return;
    case 4:
    case 41:
      decodeIpTunnel(p, proto, b, at, end, l4Len, addressText);
      return;
    case 1:
      decodeIcmp(p, b, at, end, l4Len, 'icmp');
      return;
    case 58:
      decodeIcmp(p, b, at, end, l4Len, 'icmpv6');
      return;
    case 132: // SCTP and DCCP start with the two ports too
    case 33:
      if (end - at < 4) {
        p.truncated = proto === 132 ? 'sctp' : 'dccp';
        return;
      }
      p.sport = (b[at]! << 8) | b[at + 1]!;
      p.dport = (b[at + 2]! << 8) | b[at + 3]!;
      p.payloadLen = l4Len;
      return;
    default:
      p.payloadLen = l4Len;
  }
}

function decodeTcp(p: PacketRecord, b: Uint8Array, at: number, end: number, l4Len: number | null): void {
  const avail = end - at;
  if (avail < 4) {
    p.truncated = 'tcp';
    return;
  }
  p.sport = (b[at]! << 8) | b[at + 1]!;
  p.dport = (b[at + 2]! << 8) | b[at + 3]!;
  if (avail < 20) {
    p.truncated = 'tcp';
    return;
  }
  const headerLen = (b[at + 12]! >> 4) * 4;
  // A data offset under 5 words is not a TCP header: keep the ports only, as tshark does.
  if (headerLen < 20) return;
  p.seq = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  p.ack = ((b[at + 8]! << 24) | (b[at + 9]! << 16) | (b[at + 10]! << 8) | b[at + 11]!) >>> 0;
  p.tcpFlags = b[at + 13]!;
  if (l4Len !== null && l4Len >= headerLen) p.payloadLen = l4Len - headerLen;
  if (avail < headerLen) p.truncated = 'tcp';
}

function decodeUdp(p: PacketRecord, b: Uint8Array, at: number, end: number, l4Len: number | null): void {
  const avail = end - at;
  if (avail < 4) {
    p.truncated = 'udp';
    return;
  }
  p.sport = (b[at]! << 8) | b[at + 1]!;
  p.dport = (b[at + 2]! << 8) | b[at + 3]!;
  if (avail < 8) {
    p.truncated = 'udp';
    return;
  }
  const udpLen = (b[at + 4]! << 8) | b[at + 5]!;
  if (udpLen >= 8) p.payloadLen = udpLen - 8;
  else if (l4Len !== null && l4Len >= 8) p.payloadLen = l4Len - 8;
}

function decodeIcmp(p: PacketRecord, b: Uint8Array, at: number, end: number, l4Len: number | null, layer: string): void {
  const avail = end - at;
  if (avail < 1) {
    p.truncated = layer;
    return;
  }
  p.icmpType = b[at]!;
  if (avail < 2) {
    p.truncated = layer;
    return;
  }
  p.icmpCode = b[at + 1]!;
  if (l4Len !== null) p.payloadLen = l4Len >= 8 ? l4Len - 8 : 0;
  if (avail < 4) p.truncated = layer;
  // Echo request/reply: the identifier conntrack keys the "connection" on (two pings between two hosts are two).
  const t = p.icmpType;
  if (avail >= 6 && (layer === 'icmp' ? t === 8 || t === 0 : t === 128 || t === 129)) p.icmpId = (b[at + 4]! << 8) | b[at + 5]!;
  // Destination unreachable carries the header of the packet it answers after its own 8 bytes (RFC 792, RFC 4443).
  if ((layer === 'icmp' && p.icmpType === 3) || (layer === 'icmpv6' && p.icmpType === 1)) {
    p.icmpError = layer === 'icmp' ? embeddedIpv4(b, at + 8, end) : embeddedIpv6(b, at + 8, end);
  }
}

/** The embedded IPv4 header and its ports; null when not even the addresses were captured. */
function embeddedIpv4(b: Uint8Array, at: number, end: number): IcmpErrorHeader | null {
  if (end - at < 20 || b[at]! >> 4 !== 4) return null;
  const ihl = (b[at]! & 0x0f) * 4;
  const proto = b[at + 9]!;
  return { proto, src: ipv4Text(b, at + 12), dst: ipv4Text(b, at + 16), ...embeddedPorts(proto, b, at + ihl, end) };
}

/** The embedded IPv6 header and its ports (extension headers are not walked: no ports behind them). */
function embeddedIpv6(b: Uint8Array, at: number, end: number): IcmpErrorHeader | null {
  if (end - at < 40 || b[at]! >> 4 !== 6) return null;
  const proto = b[at + 6]!;
  return { proto, src: ipv6Text(b, at + 8), dst: ipv6Text(b, at + 24), ...embeddedPorts(proto, b, at + 40, end) };
}

function embeddedPorts(proto: number, b: Uint8Array, at: number, end: number): { sport: number | null; dport: number | null } {
  const ported = proto === 6 || proto === 17 || proto === 136 || proto === 132 || proto === 33;
  if (!ported || end - at < 4) return { sport: null, dport: null };
  return { sport: (b[at]! << 8) | b[at + 1]!, dport: (b[at + 2]! << 8) | b[at + 3]! };
}

/** ARP of any hardware/protocol size; IPv4 sender and target go to src/dst. */
export function decodeArp(p: PacketRecord, b: Uint8Array, at: number, end: number): void {
  p.network = 'arp';
  const avail = end - at;
  if (avail < 8) {
    p.truncated = 'arp';
    return;
  }
  p.arpOp = (b[at + 6]! << 8) | b[at + 7]!;
  const protoType = (b[at + 2]! << 8) | b[at + 3]!;
  const hwLen = b[at + 4]!;
  const protoLen = b[at + 5]!;
  const senderIp = 8 + hwLen;
  const targetIp = 8 + 2 * hwLen + protoLen;
  if (avail < targetIp + protoLen) p.truncated = 'arp';
  if (protoType !== 0x0800 || protoLen !== 4) return;
  if (avail >= senderIp + 4) p.src = ipv4Text(b, at + senderIp);
  if (avail >= targetIp + 4) p.dst = ipv4Text(b, at + targetIp);
}
