import type { PacketRecord } from '../../records/records';
import { macText } from './address-text';
import { decodeIpv4, decodeIpv6 } from './ip';
import { decodeArp } from './transport';

/** LINKTYPE_* values this reader decodes past the link layer. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OPENBSD: 12,
  RAW_BSDOS: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  LINUX_SLL2: 276,
} as const;

const ifaceNames = new Map<number, string>();

/**
 * Decodes one frame of `linkType` captured in `b[at..end)` into `p`. `wireEnd` is where the
 * frame would end had nothing been cut; `littleEndian` is the capture file's byte order, which
 * the host-order headers of NULL and NFLOG follow. `addressText` false: an IPv4 header's addresses are
 * given as numbers only (decodeIpv4) and MAC addresses not at all (the store keeps neither as text).
 */
export function decodeFrame(
  p: PacketRecord, linkType: number, b: Uint8Array, at: number, end: number, wireEnd: number, littleEndian: boolean, addressText = true,
): void {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      decodeEthernet(p, b, at, end, wireEnd, addressText);
      return;
    case LINKTYPE.LINUX_SLL:
      decodeSll(p, b, at, end, wireEnd, addressText);
      return;
    case LINKTYPE.LINUX_SLL2:
      decodeSll2(p, b, at, end, wireEnd, addressText);
      return;
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OPENBSD:
    case LINKTYPE.RAW_BSDOS:
    case LINKTYPE.IPV4:
      decodeRawIp(p, b, at, end, wireEnd, addressText);
      return;
    case LINKTYPE.IPV6:
      // tshark's IPv6 link type takes no IPv4 ("Bogus IPv6 version"); the IPv4 one hands IPv6 on.
      if (end > at && b[at]! >> 4 === 6) decodeIpv6(p, b, at, end, wireEnd);
      else if (end === at) p.truncated = 'ipv6';
      return;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      decodeLoopback(p, linkType, b, at, end, wireEnd, littleEndian, addressText);
      return;
    case LINKTYPE.NFLOG:
      decodeNflog(p, b, at, end, littleEndian, addressText);
      return;
    default:
      return;
  }
}

function decodeEtherType(p: PacketRecord, type: number, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean): void {
  switch (type) {
    case 0x0800:
      decodeIpv4(p, b, at, end, wireEnd, addressText);
      return;
    case 0x86dd:
      if (end - at >= 1 && b[at]! >> 4 !== 6) {
        p.etherType = type;
        return;
      }
      decodeIpv6(p, b, at, end, wireEnd);
      return;
    case 0x0806:
      decodeArp(p, b, at, end);
      return;
    default:
      // Below 0x0600 the field is an 802.3 length (LLC follows), not an EtherType.
      if (type >= 0x0600) p.etherType = type;
  }
}

function decodeEthernet(p: PacketRecord, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean): void {
  const avail = end - at;
  if (avail < 14) {
    p.truncated = 'ethernet';
    if (avail >= 6 && addressText) p.dstMac = macText(b, at);
    if (avail >= 12 && addressText) p.srcMac = macText(b, at + 6);
    return;
  }
  if (addressText) {
    p.dstMac = macText(b, at);
    p.srcMac = macText(b, at + 6);
  }
  let type = (b[at + 12]! << 8) | b[at + 13]!;
  let off = at + 14;
  // `vlan` is the first 802.1Q (C-)tag, as tshark's vlan.id; 802.1ad S-tags are stepped over.
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (end - off < 4) {
      p.truncated = 'vlan';
      return;
    }
    if (type === 0x8100 && p.vlan === null) p.vlan = ((b[off]! << 8) | b[off + 1]!) & 0x0fff;
    type = (b[off + 2]! << 8) | b[off + 3]!;
    off += 4;
  }
  decodeEtherType(p, type, b, off, end, wireEnd, addressText);
}

function directionOf(packetType: number): 'in' | 'out' {
  return packetType === 4 ? 'out' : 'in';
}

function decodeSll(p: PacketRecord, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean): void {
  if (end - at < 16) {
    p.truncated = 'sll';
    if (end - at >= 2) p.direction = directionOf((b[at]! << 8) | b[at + 1]!);
    return;
  }
  p.direction = directionOf((b[at]! << 8) | b[at + 1]!);
  const hwType = (b[at + 2]! << 8) | b[at + 3]!;
  const addrLen = (b[at + 4]! << 8) | b[at + 5]!;
  if (addrLen === 6 && addressText) p.srcMac = macText(b, at + 6);
  decodeSllProtocol(p, hwType, (b[at + 14]! << 8) | b[at + 15]!, b, at + 16, end, wireEnd, addressText);
}

function decodeSll2(p: PacketRecord, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean): void {
  if (end - at < 20) {
    p.truncated = 'sll2';
    return;
  }
  const ifIndex = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  let name = ifaceNames.get(ifIndex);
  if (name === undefined) {
    name = `if${ifIndex}`;
    if (ifaceNames.size >= 4096) ifaceNames.clear();
    ifaceNames.set(ifIndex, name);
  }
  p.iface = name;
  const hwType = (b[at + 8]! << 8) | b[at + 9]!;
  p.direction = directionOf(b[at + 10]!);
  if (b[at + 11] === 6 && addressText) p.srcMac = macText(b, at + 12);
  decodeSllProtocol(p, hwType, (b[at]! << 8) | b[at + 1]!, b, at + 20, end, wireEnd, addressText);
}

/** ARPHRD_NETLINK carries a netlink family, not an EtherType, in the protocol field. */
function decodeSllProtocol(p: PacketRecord, hwType: number, protocol: number, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean): void {
  if (hwType === 824) return;
  decodeEtherType(p, protocol, b, at, end, wireEnd, addressText);
}

function decodeRawIp(p: PacketRecord, b: Uint8Array, at: number, end: number, wireEnd: number, addressText: boolean): void {
  if (end === at) {
    p.truncated = 'ip';
    return;
  }
  const version = b[at]! >> 4;
  if (version === 4) decodeIpv4(p, b, at, end, wireEnd, addressText);
  else if (version === 6) decodeIpv6(p, b, at, end, wireEnd);
}

/** BSD loopback: a 4-byte address family, host order for NULL (0), network order for LOOP (108). */
function decodeLoopback(
  p: PacketRecord, linkType: number, b: Uint8Array, at: number, end: number, wireEnd: number, littleEndian: boolean, addressText: boolean,
): void {
  if (end - at < 4) {
    p.truncated = 'null';
    return;
  }
  const be = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const le = ((b[at + 3]! << 24) | (b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!) >>> 0;
  let family = linkType === LINKTYPE.LOOP || !littleEndian ? be : le;
  // A NULL header written on a host of the other byte order shows up in the high half.
  if (family > 0xffff) family = family === be ? le : be;
  if (family === 2) decodeIpv4(p, b, at + 4, end, wireEnd, addressText);
  else if (family === 10 || family === 24 || family === 28 || family === 30) decodeIpv6(p, b, at + 4, end, wireEnd);
}

/** NFLOG: family, version, resource id, then TLVs (length and type in the writer's byte order). */
function decodeNflog(p: PacketRecord, b: Uint8Array, at: number, end: number, littleEndian: boolean, addressText: boolean): void {
  if (end - at < 4) {
    p.truncated = 'nflog';
    return;
  }
  const family = b[at]!;
  let off = at + 4;
  while (end - off >= 4) {
    const tlvLen = littleEndian ? b[off]! | (b[off + 1]! << 8) : (b[off]! << 8) | b[off + 1]!;
    const tlvType = (littleEndian ? b[off + 2]! | (b[off + 3]! << 8) : (b[off + 2]! << 8) | b[off + 3]!) & 0x7fff;
    if (tlvLen < 4) return;
    if (tlvType === 9) {
      const payloadEnd = Math.min(end, off + tlvLen);
      if (family === 2) decodeIpv4(p, b, off + 4, payloadEnd, off + tlvLen, addressText);
      else if (family === 10) decodeIpv6(p, b, off + 4, payloadEnd, off + tlvLen);
      return;
    }
    off += (tlvLen + 3) & ~3;
  }
}
