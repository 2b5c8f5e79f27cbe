/**
 * What the overview needs to know about each node, from the `topologySummary` answer: its uplinks,
 * bridges, pod networks, the kubectl pods that run on it, and the nodes it routes to. Plain data,
 * computed once per answer, so drawing, searching and highlighting share it.
 */
import { addressOfCidr, cidrContains, parseIp } from '../../shared/contract/ip-text';
import type { TopologyNodeSummaryJson, TopologyPodJson, TopologyRoutePairJson, TopologyServiceJson, TopologySummaryJson } from '../../shared/contract/topology-json';

export interface NodeFacts extends TopologyNodeSummaryJson {
  pods: TopologyPodJson[];
  /** Pairs this node routes along (empty under a full mesh, which the summary sends as one entry). */
  routesTo: TopologyRoutePairJson[];
}

export interface TopologyIndex {
  summary: TopologySummaryJson;
  nodes: NodeFacts[];
  byName: ReadonlyMap<string, NodeFacts>;
  /** Service namespaces with their services, in order. */
  serviceNamespaces: ReadonlyMap<string, TopologyServiceJson[]>;
  /** Canonical pod address → the pod. */
  podOfAddress: ReadonlyMap<string, TopologyPodJson>;
  /** Pods on no captured node: counted, not drawn. */
  unplacedPods: TopologyPodJson[];
}

/** One key per address whatever its spelling (`fd00::1` and `fd00:0::1` alike). */
export function addressKey(ip: string): string {
  const parsed = parseIp(addressOfCidr(ip));
  return parsed === null ? ip : `${parsed.family}|${parsed.value}`;
}

export function indexTopology(summary: TopologySummaryJson): TopologyIndex {
  const names = new Set(summary.nodes.map((n) => n.name));
  const podsOfNode = new Map<string, TopologyPodJson[]>();
  const unplacedPods: TopologyPodJson[] = [];
  const podOfAddress = new Map<string, TopologyPodJson>();
  for (const p of summary.pods) {
    if (p.ip !== null) podOfAddress.set(addressKey(p.ip), p);
    if (p.node === null || !names.has(p.node)) {
      unplacedPods.push(p);
      continue;
    }
    const list = podsOfNode.get(p.node) ?? [];
    list.push(p);
    podsOfNode.set(p.node, list);
  }
  const routesOf = new Map<string, TopologyRoutePairJson[]>();
  if (summary.routes.kind === 'pairs') {
    for (const pair of summary.routes.pairs) {
      const list = routesOf.get(pair.from) ?? [];
      list.push(pair);
      routesOf.set(pair.from, list);
    }
  }
  const nodes: NodeFacts[] = summary.nodes.map((n) => ({ ...n, pods: podsOfNode.get(n.name) ?? [], routesTo: routesOf.get(n.name) ?? [] }));
  const serviceNamespaces = new Map<string, TopologyServiceJson[]>();
  for (const s of summary.services) {
    const list = serviceNamespaces.get(s.namespace) ?? [];
    list.push(s);
    serviceNamespaces.set(s.namespace, list);
  }
  return { summary, nodes, byName: new Map(nodes.map((n) => [n.name, n])), serviceNamespaces, podOfAddress, unplacedPods };
}

/** The node whose pod networks hold `ip` (longest prefix), for a pod kubectl did not list. */
export function nodeOfPodAddress(index: TopologyIndex, ip: string): string | null {
  let best: { node: string; length: number } | null = null;
  for (const n of index.nodes) {
    for (const net of n.podNetworks) {
      if (!cidrContains(net, ip)) continue;
      const length = Number(net.split('/')[1] ?? 32);
      if (best === null || length > best.length) best = { node: n.name, length };
    }
  }
  return best?.node ?? null;
}

/** The node an address lives on: one of its own addresses, else its pod networks. */
export function homeOfAddress(index: TopologyIndex, ip: string): string | null {
  const key = addressKey(ip);
  for (const n of index.nodes) {
    if ([...n.uplinks, ...n.bridges].some((i) => i.addresses.some((a) => addressKey(a) === key))) return n.name;
  }
  return nodeOfPodAddress(index, ip);
}
