import type { PacketRecord } from '../../records/records';
import { ipv4Text, ipv6Text } from './address-text';
import { decodeTransport } from './transport';

/** IPv6 extension headers walked before the upper layer; more than this is garbage, not a packet. */
const MAX_EXTENSION_HEADERS = 16;

/**
 * IPv4 at `at`. `wireEnd` is where the frame ended on the wire (start + original length): the
 * payload length of a TSO/BIG TCP packet whose total length field is 0 comes from there. `text` false: the
 * addresses are given as numbers only (srcV4/dstV4; src/dst stay null), for a sink that keys on them (the store).
 */
export function decodeIpv4(p: PacketRecord, b: Uint8Array, at: number, end: number, wireEnd: number, text = true): void {
  p.network = 'ipv4';
  const avail = end - at;
  if (avail < 20) {
    p.truncated = 'ip';
    return;
  }
  const headerLen = (b[at]! & 0x0f) * 4;
  // tshark stops at a header length under 20 ("bogus IP header length"): so do we.
  if (headerLen < 20) return;
  const totalLen = (b[at + 2]! << 8) | b[at + 3]!;
  p.ipId = (b[at + 4]! << 8) | b[at + 5]!;
  const frag = (b[at + 6]! << 8) | b[at + 7]!;
  p.fragMf = (frag & 0x2000) !== 0;
  p.fragOffset = frag & 0x1fff;
  p.ttl = b[at + 8]!;
  const proto = b[at + 9]!;
  p.ipProto = proto;
  if (text) {
    p.src = ipv4Text(b, at + 12);
    p.dst = ipv4Text(b, at + 16);
  }
  p.srcV4 = ((b[at + 12]! << 24) | (b[at + 13]! << 16) | (b[at + 14]! << 8) | b[at + 15]!) >>> 0;
  p.dstV4 = ((b[at + 16]! << 24) | (b[at + 17]! << 16) | (b[at + 18]! << 8) | b[at + 19]!) >>> 0;
  if (avail < headerLen) {
    p.truncated = 'ip';
    return;
  }
  let l4Len: number | null;
  if (totalLen >= headerLen) l4Len = totalLen - headerLen;
  else if (totalLen === 0) l4Len = Math.max(0, wireEnd - at - headerLen);
  else return; // total length shorter than the header: nothing above it can be trusted
  if (p.fragOffset !== 0) {
    p.payloadLen = l4Len;
    return;
  }
  decodeTransport(p, proto, b, at + headerLen, end, l4Len, text);
}

/** IPv6 at `at`, with its extension headers; `ipProto` is the upper-layer protocol after them. */
export function decodeIpv6(p: PacketRecord, b: Uint8Array, at: number, end: number, wireEnd: number): void {
  p.network = 'ipv6';
  const avail = end - at;
  if (avail < 40) {
    p.truncated = 'ipv6';
    if (avail >= 7) p.ipProto = b[at + 6]!;
    if (avail >= 8) p.ttl = b[at + 7]!;
    if (avail >= 24) p.src = ipv6Text(b, at + 8);
    return;
  }
  const payloadLen = (b[at + 4]! << 8) | b[at + 5]!;
  let next = b[at + 6]!;
  p.ttl = b[at + 7]!;
  p.src = ipv6Text(b, at + 8);
  p.dst = ipv6Text(b, at + 24);
  p.ipProto = next;
  let off = at + 40;
  let l4Len = payloadLen;
  if (payloadLen === 0) {
    // Length 0 before TCP or a hop-by-hop header is Linux BIG TCP / a jumbogram: the rest of the
    // frame is the payload. Before anything else it means an empty payload (tshark: a trailer).
    if (next === 6 || next === 0) l4Len = Math.max(0, wireEnd - off);
    else end = Math.min(end, off);
  }
  for (let n = 0; n < MAX_EXTENSION_HEADERS; n++) {
    let headerLen: number;
    if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
      if (end - off < 2) {
        p.truncated = 'ipv6';
        return;
      }
      headerLen = (b[off + 1]! + 1) * 8;
    } else if (next === 51) {
      if (end - off < 2) {
        p.truncated = 'ipv6';
        return;
      }
      headerLen = (b[off + 1]! + 2) * 4;
    } else if (next === 44) {
      headerLen = 8;
      if (end - off < 8) {
        p.truncated = 'ipv6';
        return;
      }
      const frag = (b[off + 2]! << 8) | b[off + 3]!;
      p.fragOffset = frag >> 3;
      p.fragMf = (frag & 1) !== 0;
      p.ipId = ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
    } else {
      break;
    }
    if (end - off < headerLen) {
      p.truncated = 'ipv6';
      return;
    }
    next = b[off]!;
    p.ipProto = next;
    off += headerLen;
    l4Len -= headerLen;
  }
  const upperLen = l4Len >= 0 ? l4Len : null;
  if (p.fragOffset !== 0 || next === 59) {
    p.payloadLen = upperLen;
    return;
  }
  decodeTransport(p, next, b, off, end, upperLen);
}
