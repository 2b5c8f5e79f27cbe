/**
 * The two ends of a veth pair on one node: the node's `veth1a2b@if3` (ifindex 7) and, in a network namespace
 * captured on the same node (`ip netns exec X ip addr`, `nsenter`), `eth0@if7` (ifindex 3). Ifindexes are per
 * namespace and small, so one side's `@ifN` alone proves nothing: both ends must name each other. Namespaces of
 * other nodes, or pods seen through kubectl (no node), are never searched.
 */
import type { InterfaceRecord } from '../records/records';

export interface VethEnd {
  netns: string;
  interface: string;
}

type Ends = Pick<InterfaceRecord, 'name' | 'index' | 'peer'>;

const PEER_INDEX = /^if(\d+)$/;

function peerIndexOf(i: Ends): number | null {
  const m = i.peer === null ? null : PEER_INDEX.exec(i.peer);
  return m === null ? null : Number(m[1]);
}

/** For each of `own` (the node's interfaces) with a match, the one interface of `namespaces` that names it back. */
export function vethPairs(own: readonly Ends[], namespaces: ReadonlyMap<string, readonly Ends[]>): Map<string, VethEnd> {
  const pairs = new Map<string, VethEnd>();
  for (const i of own) {
    const want = peerIndexOf(i);
    if (want === null || i.index === null) continue;
    const found: VethEnd[] = [];
    for (const [netns, list] of namespaces) {
      for (const other of list) if (other.index === want && peerIndexOf(other) === i.index) found.push({ netns, interface: other.name });
    }
    // Two namespaces both naming it back (captures of a pod and of its replacement): no guess.
    if (found.length === 1) pairs.set(i.name, found[0]!);
  }
  return pairs;
}
