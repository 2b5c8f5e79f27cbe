/**
 * A tunnelled packet's record: the inner packet's network and transport fields over the outer's (the frame, its times,
 * its place in the file, the capture interface and link layer stay those of the frame captured), the outer kept as
 * `tunnel`. One function for the pcap decoder and the tcpdump text reader, so both make the same record.
 */
import type { PacketRecord, PacketTunnel } from '../records/records';

export function takeInnerPacket(p: PacketRecord, inner: PacketRecord, tunnel: PacketTunnel): void {
  p.network = inner.network;
  p.etherType = inner.etherType;
  p.src = inner.src;
  p.dst = inner.dst;
  p.srcV4 = inner.srcV4 ?? null;
  p.dstV4 = inner.dstV4 ?? null;
  p.ipProto = inner.ipProto;
  p.ipId = inner.ipId;
  p.ttl = inner.ttl;
  p.fragMf = inner.fragMf;
  p.fragOffset = inner.fragOffset;
  p.sport = inner.sport;
  p.dport = inner.dport;
  p.tcpFlags = inner.tcpFlags;
  p.seq = inner.seq;
  p.ack = inner.ack;
  p.payloadLen = inner.payloadLen;
  p.icmpType = inner.icmpType;
  p.icmpCode = inner.icmpCode;
  if (inner.icmpId != null || p.icmpId !== undefined) p.icmpId = inner.icmpId ?? null;
  if (inner.icmpError != null || p.icmpError !== undefined) p.icmpError = inner.icmpError ?? null;
  p.arpOp = inner.arpOp;
  p.truncated = inner.truncated;
  p.tunnel = tunnel;
}

/** Whether the inner packet was read as far as its addresses (else the record stays the outer packet). */
export function innerHasAddresses(inner: PacketRecord): boolean {
  return inner.src !== null || inner.srcV4 != null;
}
