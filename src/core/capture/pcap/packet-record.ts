import type { PacketRecord } from '../../records/records';

/** A record with every field present (one object shape for all packets), layers still undecoded. */
export function newPacketRecord(
  frame: number,
  tsSec: number,
  tsNsec: number,
  iface: string | null,
  linkType: number,
  capLen: number,
  origLen: number,
  offset: number,
): PacketRecord {
  return {
    frame,
    tsSec,
    tsNsec,
    iface,
    direction: null,
    linkType,
    capLen,
    origLen,
    srcMac: null,
    dstMac: null,
    vlan: null,
    network: 'other',
    etherType: null,
    src: null,
    dst: null,
    srcV4: null,
    dstV4: null,
    ipProto: null,
    ipId: null,
    ttl: null,
    fragMf: false,
    fragOffset: 0,
    sport: null,
    dport: null,
    tcpFlags: null,
    seq: null,
    ack: null,
    payloadLen: null,
    icmpType: null,
    icmpCode: null,
    icmpId: null,
    tunnel: null,
    tunnelProblem: null,
    arpOp: null,
    truncated: null,
    line: null,
    offset,
  };
}

/** Makes the record of each frame a reader decodes (newPacketRecord's arguments). */
export type RecordMaker = (
  frame: number, tsSec: number, tsNsec: number, iface: string | null, linkType: number, capLen: number, origLen: number, offset: number,
) => PacketRecord;

/**
 * A new record per frame, or, when `reuse` (the sink keeps nothing of a record once it returns: the store copies
 * what it stores), one record set afresh for every frame: no object made and collected per packet.
 */
export function recordMaker(reuse: boolean): RecordMaker {
  if (!reuse) return newPacketRecord;
  const p = newPacketRecord(0, 0, 0, null, 0, 0, 0, 0);
  return (frame, tsSec, tsNsec, iface, linkType, capLen, origLen, offset) => {
    p.frame = frame;
    p.tsSec = tsSec;
    p.tsNsec = tsNsec;
    p.iface = iface;
    p.direction = null;
    p.linkType = linkType;
    p.capLen = capLen;
    p.origLen = origLen;
    p.srcMac = null;
    p.dstMac = null;
    p.vlan = null;
    clearNetworkFields(p);
    p.tunnel = null;
    p.tunnelProblem = null;
    p.line = null;
    p.offset = offset;
    // Set only for an ICMP error by the decoder; a later frame must not inherit it.
    if (p.icmpError !== undefined) p.icmpError = undefined;
    return p;
  };
}

/**
 * Clears what decoding a frame fills in from the network layer on (addresses, ports, flags, ICMP, ARP); the
 * frame's own fields (times, lengths, link layer), its tunnel and its ICMP error are the caller's to set.
 */
export function clearNetworkFields(p: PacketRecord): void {
  p.network = 'other';
  p.etherType = null;
  p.src = null;
  p.dst = null;
  p.srcV4 = null;
  p.dstV4 = null;
  p.ipProto = null;
  p.ipId = null;
  p.ttl = null;
  p.fragMf = false;
  p.fragOffset = 0;
  p.sport = null;
  p.dport = null;
  p.tcpFlags = null;
  p.seq = null;
  p.ack = null;
  p.payloadLen = null;
  p.icmpType = null;
  p.icmpCode = null;
  p.icmpId = null;
  p.arpOp = null;
  p.truncated = null;
}
