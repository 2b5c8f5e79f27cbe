/**
 * Overlapping subnets: two interfaces of one node whose prefixes overlap (the kernel routes the
 * shared part to only one of them), or the same bridge/pod/docker subnet on two nodes (pods there
 * get addresses the other node can never reach). An underlay network shared by the nodes is normal.
 */
import type { InterfaceRecord } from '../records/records';
import { cidrOf, parseIp, type CidrNumber } from '../common/ip';
import type { NodeSnapshot } from '../simulate';
import type { FindingEvidence, ProjectFinding } from './finding';

interface Subnet {
  node: string;
  iface: InterfaceRecord;
  text: string;
  cidr: CidrNumber;
  source: string;
}

const BRIDGE_LIKE = /^(cbr|cni|docker|br-|virbr|kube-bridge|weave|flannel|cali|lxc|podman)/;

export function isBridgeLike(i: InterfaceRecord): boolean {
  return i.details?.kind === 'bridge' || BRIDGE_LIKE.test(i.name);
}

function subnetsOf(node: NodeSnapshot, addrSource: (node: string) => string): Subnet[] {
  const out: Subnet[] = [];
  for (const iface of node.interfaces ?? []) {
    if (iface.name === 'lo' || iface.linkType === 'loopback') continue;
    for (const a of iface.addresses) {
      const [address, len] = a.cidr.split('/');
      const ip = parseIp(address ?? '');
      const prefix = Number(len);
      if (ip === null || !Number.isInteger(prefix)) continue;
      const max = ip.family === 'ipv4' ? 32 : 128;
      // Host routes (kube-ipvs0's service addresses) and link-local addresses overlap by design.
      if (prefix >= max || (ip.family === 'ipv6' && ip.value >> 118n === 0x3fan) || (ip.family === 'ipv4' && ip.value >>> 16 === 0xa9fe)) continue;
      const cidr = cidrOf(ip, prefix);
      out.push({ node: node.name, iface, text: a.cidr, cidr, source: `${addrSource(node.name)}:${a.line}` });
    }
  }
  return out;
}

function overlaps(a: CidrNumber, b: CidrNumber): boolean {
  if (a.family !== b.family) return false;
  if (a.family === 'ipv4') {
    const mask = (a.prefixLength < b.prefixLength ? a.v4mask : b.v4mask) >>> 0;
    return ((a.v4 & mask) >>> 0) === ((b.v4 & mask) >>> 0);
  }
  const mask = a.prefixLength < b.prefixLength ? a.v6mask : b.v6mask;
  return (a.v6 & mask) === (b.v6 & mask);
}

const evidenceOf = (s: Subnet): FindingEvidence => ({ source: s.source, text: `${s.node} ${s.iface.name} inet ${s.text}` });

/** `addrSource(node)`: the file the node's `ip addr` was read from (interface lines are lines of it). */
export function overlappingSubnets(world: readonly NodeSnapshot[], addrSource: (node: string) => string): ProjectFinding[] {
  const all = world.flatMap((n) => subnetsOf(n, addrSource));
  const out: ProjectFinding[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (!overlaps(a.cidr, b.cidr)) continue;
      const sameNode = a.node === b.node;
      if (sameNode ? a.iface.name === b.iface.name : !(isBridgeLike(a.iface) && isBridgeLike(b.iface))) continue;
      const [x, y] = [a, b].sort((p, q) => `${p.node}|${p.iface.name}`.localeCompare(`${q.node}|${q.iface.name}`));
      const id = `overlapping-subnets:${x!.node}/${x!.iface.name}:${x!.text}:${y!.node}/${y!.iface.name}:${y!.text}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        id,
        severity: 'warning',
        kind: 'overlapping-subnets',
        title: sameNode
          ? `${a.node}: ${x!.iface.name} ${x!.text} overlaps ${y!.iface.name} ${y!.text}`
          : `${x!.iface.name} on ${x!.node} (${x!.text}) and ${y!.iface.name} on ${y!.node} (${y!.text}) use overlapping subnets`,
        explanation: sameNode
          ? 'The node routes the shared addresses through only one of the two interfaces, so hosts or pods behind the other are unreachable. Fix: give one of them a non-overlapping subnet.'
          : 'Containers or pods on the two nodes get addresses from the same range, so traffic between nodes to that range stays local and never reaches the other node. Fix: give each node its own pod/bridge subnet (e.g. docker --bip, the CNI\'s per-node podCIDR).',
        nodes: [...new Set([a.node, b.node])].sort(),
        service: null,
        flows: [],
        evidence: [evidenceOf(x!), evidenceOf(y!)],
        trace: null,
      });
    }
  }
  return out;
}
