/**
 * What the overview needs to know about each node, computed once per `topology` answer: its uplink
 * addresses, bridges with their ports counted, the networks its pods live in, the kubectl pods that
 * run on it, and which other nodes it routes to (a route via another node's address that reaches
 * that node's pod networks). Plain data, so drawing, searching and highlighting share it.
 */
import { addressOfCidr, cidrContains, parseIp } from '../../shared/contract/ip-text';
import type { TopologyInterfaceJson, TopologyJson, TopologyNodeJson, TopologyPodJson, TopologyServiceJson } from '../../shared/contract/topology-json';

export interface BridgeFacts {
  name: string;
  addresses: string[];
  ports: number;
}

export interface RouteToNode {
  node: string;
  /** The route prefixes, with where each was captured. */
  prefixes: Array<{ dst: string; source: string }>;
}

export interface NodeFacts {
  name: string;
  uplinks: TopologyInterfaceJson[];
  bridges: BridgeFacts[];
  /** Connected prefixes behind a bridge or a veth, and the /32 of each kubectl pod on the node. */
  podNetworks: string[];
  pods: TopologyPodJson[];
  /** Interfaces in the node's own namespace (loopback included) and in its captured namespaces. */
  interfaceCount: number;
  namespaceCount: number;
  routesTo: RouteToNode[];
}

export interface TopologyIndex {
  nodes: NodeFacts[];
  byName: ReadonlyMap<string, NodeFacts>;
  /** Canonical address → the node holding it on one of its own interfaces. */
  nodeOfAddress: ReadonlyMap<string, string>;
  /** Service namespaces with their services, in order. */
  serviceNamespaces: ReadonlyMap<string, TopologyServiceJson[]>;
  /** Canonical pod address → the pod. */
  podOfAddress: ReadonlyMap<string, TopologyPodJson>;
  /** Pods whose node is not a captured node (or unknown), by the node kubectl named. */
  unplacedPods: TopologyPodJson[];
}

/** One key per address whatever its spelling (`fd00::1` and `fd00:0::1` alike). */
export function addressKey(ip: string): string {
  const parsed = parseIp(addressOfCidr(ip));
  return parsed === null ? ip : `${parsed.family}|${parsed.value}`;
}

const isLoopback = (i: TopologyInterfaceJson): boolean => i.linkType === 'link/loopback' || i.name === 'lo';

/** Two prefixes overlap when one holds the other's network address (kernel routes are aligned). */
export function prefixesOverlap(a: string, b: string): boolean {
  if (a === 'default' || b === 'default') return true;
  return cidrContains(a, addressOfCidr(b)) || cidrContains(b, addressOfCidr(a));
}

function bridgesOf(node: TopologyNodeJson): Map<string, Set<string>> {
  const bridges = new Map<string, Set<string>>();
  const add = (bridge: string, port: string): void => {
    const ports = bridges.get(bridge) ?? new Set<string>();
    ports.add(port);
    bridges.set(bridge, ports);
  };
  for (const i of node.interfaces) if (i.master !== null) add(i.master, i.name);
  for (const p of node.bridgePorts) add(p.bridge, p.port);
  return bridges;
}

function podNetworksOf(node: TopologyNodeJson, bridges: ReadonlyMap<string, Set<string>>, pods: readonly TopologyPodJson[]): string[] {
  const vethNames = new Set(node.interfaces.filter((i) => i.peer !== null && i.master === null).map((i) => i.name));
  const networks = node.routes
    .filter((r) => r.via === null && r.dev !== null && r.dst !== 'default' && r.type === 'unicast' && (bridges.has(r.dev) || vethNames.has(r.dev)))
    .map((r) => (r.dst.includes('/') ? r.dst : `${r.dst}/${parseIp(r.dst)?.family === 'ipv6' ? 128 : 32}`));
  for (const p of pods) {
    if (p.ip === null || networks.some((n) => cidrContains(n, p.ip ?? ''))) continue;
    networks.push(`${p.ip}/${parseIp(p.ip)?.family === 'ipv6' ? 128 : 32}`);
  }
  return [...new Set(networks)];
}

export function indexTopology(topology: TopologyJson): TopologyIndex {
  const nodeOfAddress = new Map<string, string>();
  for (const n of topology.nodes) {
    for (const i of n.interfaces) {
      if (isLoopback(i)) continue;
      for (const a of i.addresses) if (!nodeOfAddress.has(addressKey(a))) nodeOfAddress.set(addressKey(a), n.name);
    }
  }
  const names = new Set(topology.nodes.map((n) => n.name));
  const podsOfNode = new Map<string, TopologyPodJson[]>();
  const unplacedPods: TopologyPodJson[] = [];
  const podOfAddress = new Map<string, TopologyPodJson>();
  for (const p of topology.pods) {
    if (p.ip !== null) podOfAddress.set(addressKey(p.ip), p);
    if (p.node === null || !names.has(p.node)) {
      unplacedPods.push(p);
      continue;
    }
    const list = podsOfNode.get(p.node) ?? [];
    list.push(p);
    podsOfNode.set(p.node, list);
  }

  const partial = topology.nodes.map((n) => {
    const bridges = bridgesOf(n);
    const pods = podsOfNode.get(n.name) ?? [];
    return { node: n, bridges, pods, podNetworks: podNetworksOf(n, bridges, pods) };
  });
  const networksOf = new Map(partial.map((p) => [p.node.name, p.podNetworks]));

  const nodes: NodeFacts[] = partial.map(({ node: n, bridges, pods, podNetworks }) => {
    const routesTo = new Map<string, RouteToNode>();
    for (const r of n.routes) {
      if (r.via === null) continue;
      const other = nodeOfAddress.get(addressKey(r.via));
      if (other === undefined || other === n.name) continue;
      const theirs = networksOf.get(other) ?? [];
      // Where the other node's pod networks are known, only a route into them links the two.
      if (theirs.length > 0 && !theirs.some((net) => prefixesOverlap(r.dst, net))) continue;
      const entry = routesTo.get(other) ?? { node: other, prefixes: [] };
      entry.prefixes.push({ dst: r.dst, source: r.source });
      routesTo.set(other, entry);
    }
    return {
      name: n.name,
      uplinks: n.interfaces.filter((i) => !isLoopback(i) && i.addresses.length > 0 && !bridges.has(i.name) && i.master === null),
      bridges: [...bridges.entries()].map(([name, ports]) => ({ name, addresses: n.interfaces.find((i) => i.name === name)?.addresses ?? [], ports: ports.size })),
      podNetworks,
      pods,
      interfaceCount: n.interfaces.length + n.namespaces.reduce((k, ns) => k + ns.interfaces.length, 0),
      namespaceCount: n.namespaces.length,
      routesTo: [...routesTo.values()],
    };
  });

  const serviceNamespaces = new Map<string, TopologyServiceJson[]>();
  for (const s of topology.services) {
    const list = serviceNamespaces.get(s.namespace) ?? [];
    list.push(s);
    serviceNamespaces.set(s.namespace, list);
  }
  return { nodes, byName: new Map(nodes.map((n) => [n.name, n])), nodeOfAddress, serviceNamespaces, podOfAddress, unplacedPods };
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
