/**
 * The wire between captured namespaces: a veth whose other end lives in another network
 * namespace shows as `eth0@if7 ... link-netns X` (or `link-netnsid N`), the peer's ifindex over
 * there. A packet leaving by such an interface enters the namespace at the other end on that
 * peer, and when the peer is a bridge port (`master cbr0`), it enters that node's bridge.
 */
import type { InterfaceRecord } from '../records/records';
import type { CompiledNode } from './compiled-node';
import type { IpNumber } from '../common/ip';
import { lookupRoute, SCOPE_LINK } from './routing';

export type VethPeer =
  | { kind: 'peer'; node: CompiledNode; iface: string }
  /** Several captured interfaces could be the other end: the replay does not guess. */
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'none' };

const NONE: VethPeer = { kind: 'none' };
const PEER_INDEX = /^if(\d+)$/;

function peerIndex(rec: InterfaceRecord): number | null {
  const m = rec.peer === null ? null : PEER_INDEX.exec(rec.peer);
  return m === null ? null : Number(m[1]);
}

/** Addresses of `devs` that name a host on a link (not link-local or host scope). */
function linkAddresses(node: CompiledNode, devs: Array<string | null>): IpNumber[] {
  const out: IpNumber[] = [];
  for (const fr of [node.routing.v4, node.routing.v6]) {
    for (const a of fr.addresses) if (a.scope < SCOPE_LINK && devs.includes(a.dev)) out.push(a.ip);
  }
  return out;
}

/** `node` reaches one of `addresses` directly (no gateway) out `port` or the bridge it belongs to. */
function reachesOnLink(node: CompiledNode, port: InterfaceRecord, addresses: IpNumber[]): boolean {
  for (const ip of addresses) {
    const look = lookupRoute(node.routing, ip);
    if (look.kind === 'unicast' && look.route.via === null && look.dev !== null && (look.dev === port.name || look.dev === port.master)) return true;
  }
  return false;
}

/**
 * The interface at the other end of `iface` on `from`, in another captured node. Ifindexes are
 * per namespace and small, so equal numbers across namespaces are common: besides the mutual
 * `@ifN` indexes, the two ends must form one layer-3 link, one side reaching an address of the
 * other directly through it (a pod's subnet on the node's bridge, a /32 route to the pod's veth).
 */
export function vethPeer(world: CompiledNode[], from: CompiledNode, iface: string): VethPeer {
  const rec = from.routing.interfaces.get(iface);
  if (rec === undefined || rec.index === null) return NONE;
  const want = peerIndex(rec);
  if (want === null) return NONE;
  const mine = linkAddresses(from, [rec.name, rec.master]);
  const found: Array<{ node: CompiledNode; iface: string }> = [];
  for (const node of world) {
    if (node === from) continue;
    for (const c of node.routing.interfaces.values()) {
      if (c.index !== want || peerIndex(c) !== rec.index) continue;
      if (reachesOnLink(node, c, mine) || reachesOnLink(from, rec, linkAddresses(node, [c.name, c.master]))) found.push({ node, iface: c.name });
    }
  }
  const only = found[0];
  if (only === undefined) return NONE;
  if (found.length === 1) return { kind: 'peer', node: only.node, iface: only.iface };
  return { kind: 'ambiguous', candidates: found.map((f) => `${f.iface} on ${f.node.name}`) };
}
