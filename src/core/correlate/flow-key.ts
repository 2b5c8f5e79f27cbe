/** Connection tuples and the keys that let pre-NAT and post-NAT sightings of one connection meet. */
import type { ConntrackEntry, ConntrackTuple } from '../records/records';

/** One direction of a connection as seen at one point: protocol number, addresses, ports (null for icmp/other). */
export interface FlowTuple {
  proto: number;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
}

export function reverseTuple(t: FlowTuple): FlowTuple {
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

export function directedKey(t: FlowTuple): string {
  return `${t.proto}|${t.src}|${t.sport ?? ''}|${t.dst}|${t.dport ?? ''}`;
}

/**
 * The key of the unordered pair {t, reverse(t)}: a packet and its answer share it.
 * `forward` tells whether `t` itself is the orientation the key was written in.
 */
export function pairKey(t: FlowTuple): { key: string; forward: boolean } {
  const a = `${t.src}|${t.sport ?? ''}`;
  const b = `${t.dst}|${t.dport ?? ''}`;
  return a <= b ? { key: `${t.proto}|${a}|${b}`, forward: true } : { key: `${t.proto}|${b}|${a}`, forward: false };
}

export function sameTuple(a: FlowTuple, b: FlowTuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport;
}

export function tupleFromConntrack(proto: number, t: Pick<ConntrackTuple, 'src' | 'sport' | 'dst' | 'dport'>): FlowTuple {
  // conntrack keys icmp on the echo id; natlens keeps icmp tuples port-less so they meet packets of any decoder.
  return { proto, src: t.src, sport: t.sport, dst: t.dst, dport: t.dport };
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
