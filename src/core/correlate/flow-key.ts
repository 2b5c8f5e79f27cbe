/** Connection tuples and the keys that let pre-NAT and post-NAT sightings of one connection meet. */
import type { ConntrackEntry, ConntrackTuple } from '../records/records';

/** One direction of a connection as seen at one point: protocol number, addresses, ports (null for icmp/other). */
export interface FlowTuple {
  proto: number;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  /**
   * icmp/icmpv6 only: the echo (query) id conntrack keys the connection on, both directions alike; absent or null
   * when the sighting does not tell it. Two sightings with known, different ids are two connections; one without
   * an id meets a connection of its addresses (flow-stitch.ts).
   */
  echoId?: number | null;
}

/** Protocols whose conntrack tuples carry an echo id instead of ports. */
export function isIcmpProto(proto: number): boolean {
  return proto === 1 || proto === 58;
}

export function reverseTuple(t: FlowTuple): FlowTuple {
  const r: FlowTuple = { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
  if (t.echoId != null) r.echoId = t.echoId;
  return r;
}

/** The echo id a tuple is keyed on: an icmp tuple's (port-less, as conntrack's and the decoders' are), else null. */
export function keyedEchoId(t: FlowTuple): number | null {
  return isIcmpProto(t.proto) && t.sport === null && t.dport === null ? t.echoId ?? null : null;
}

/** An end's port slot in a key: the port, else `#` and the echo id, else empty. */
function slot(port: number | null, t: FlowTuple): string {
  if (port !== null) return `${port}`;
  const id = keyedEchoId(t);
  return id === null ? '' : `#${id}`;
}

export function directedKey(t: FlowTuple): string {
  return `${t.proto}|${t.src}|${slot(t.sport, t)}|${t.dst}|${slot(t.dport, t)}`;
}

/**
 * The key of the unordered pair {t, reverse(t)}: a packet and its answer share it.
 * `forward` tells whether `t` itself is the orientation the key was written in.
 */
export function pairKey(t: FlowTuple): { key: string; forward: boolean } {
  const a = `${t.src}|${slot(t.sport, t)}`;
  const b = `${t.dst}|${slot(t.dport, t)}`;
  return a <= b ? { key: `${t.proto}|${a}|${b}`, forward: true } : { key: `${t.proto}|${b}|${a}`, forward: false };
}

/** Equal addresses and ports, and echo ids where both tell one (a packet's tuple rarely does; conntrack's does). */
export function sameTuple(a: FlowTuple, b: FlowTuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport
    && (a.echoId == null || b.echoId == null || a.echoId === b.echoId);
}

/** A conntrack tuple as a flow tuple: icmp stays port-less, its id (NAT may have rewritten it in the reply) kept as echoId. */
export function tupleFromConntrack(
  proto: number,
  t: Pick<ConntrackTuple, 'src' | 'sport' | 'dst' | 'dport'> & { icmp?: { id: number } | null },
): FlowTuple {
  const out: FlowTuple = { proto, src: t.src, sport: t.sport, dst: t.dst, dport: t.dport };
  if (isIcmpProto(proto) && t.icmp != null) out.echoId = t.icmp.id;
  return out;
}

/** The same tuple with its echo id forgotten: how a sighting that does not know the id would name it. */
export function withoutEchoId(t: FlowTuple): FlowTuple {
  return { proto: t.proto, src: t.src, sport: t.sport, dst: t.dst, dport: t.dport };
}

export type NatKind = 'dnat' | 'snat';

/** What the kernel rewrote on this connection, read from conntrack's two tuples. */
export function natOf(entry: ConntrackEntry): NatKind[] {
  return natBetween(entry.original, entry.reply);
}

/** Rewrites implied by an original tuple and the reply tuple that answers it. */
export function natBetween(
  o: { src: string; sport: number | null; dst: string; dport: number | null },
  r: { src: string; sport: number | null; dst: string; dport: number | null },
): NatKind[] {
  const nat: NatKind[] = [];
  if (r.src !== o.dst || r.sport !== o.dport) nat.push('dnat');
  if (r.dst !== o.src || r.dport !== o.sport) nat.push('snat');
  return nat;
}

/** The tuple a packet of the original direction carries after the kernel's NAT: the reply tuple reversed. */
export function translatedOriginal(entry: ConntrackEntry): FlowTuple {
  return reverseTuple(tupleFromConntrack(entry.protoNumber, entry.reply));
}
