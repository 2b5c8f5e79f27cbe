/**
 * The topology as the overview draws it before any node is opened: per node its uplinks, its bridges
 * with their ports counted and the networks its pods live in; the routes between nodes reduced to
 * node pairs — a route via another node's address counts when it reaches that node's pod networks —
 * or, when every node routes to every other, to one full mesh. At 200 nodes that is ~0.7 MB where the
 * whole topology is ~9 MB (a route per pair of nodes, a veth per pod). Pure over a TopologyView.
 */
import { addressOfCidr, cidrTextContains, parseCidr, parseIp, type CidrNumber } from '../common/ip';
import type {
  TopologyInterface, TopologyNode, TopologyNodeSummary, TopologyPod, TopologyRoutePair, TopologyRoutes, TopologyService, TopologySummary, TopologyView,
} from '../views/topology';

/** One key per address whatever its spelling (`fd00::1` and `fd00:0::1` alike). */
function addressKey(ip: string): string {
  const parsed = parseIp(addressOfCidr(ip));
  return parsed === null ? ip : `${parsed.family}|${parsed.value}`;
}

const isLoopback = (i: TopologyInterface): boolean => i.linkType === 'link/loopback' || i.name === 'lo';
const hostPrefix = (ip: string): string => `${ip}/${parseIp(ip)?.family === 'ipv6' ? 128 : 32}`;

/** Two prefixes overlap when the shorter holds the other's network. */
function prefixesOverlap(a: CidrNumber, b: CidrNumber): boolean {
  if (a.family !== b.family) return false;
  const [short, long] = a.prefixLength <= b.prefixLength ? [a, b] : [b, a];
  return short.family === 'ipv4' ? ((long.v4 & short.v4mask) >>> 0) === short.v4 : (long.v6 & short.v6mask) === short.v6;
}

const ANY: readonly CidrNumber[] = [parseCidr('0.0.0.0/0'), parseCidr('::/0')].filter((c): c is CidrNumber => c !== null);

/** `default` is every address of both families; null: not a prefix natlens can read. */
function prefixesOf(dst: string): readonly CidrNumber[] | null {
  if (dst === 'default') return ANY;
  const cidr = parseCidr(dst.includes('/') ? dst : hostPrefix(dst));
  return cidr === null ? null : [cidr];
}

function bridgesOf(node: TopologyNode): Map<string, Set<string>> {
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

function podNetworksOf(node: TopologyNode, bridges: ReadonlyMap<string, Set<string>>, pods: readonly TopologyPod[]): string[] {
  // A pod's host-side veth (Calico's cali*, a routed CNI) carries no address of its own beyond link-local;
  // a node's uplink may be a veth too (kind, the lab), but it holds the node's address.
  const veths = new Set(node.interfaces.filter((i) => i.peer !== null && i.master === null && i.addresses.every((a) => a.toLowerCase().startsWith('fe80:'))).map((i) => i.name));
  const networks = node.routes
    .filter((r) => r.via === null && r.dev !== null && r.dst !== 'default' && r.type === 'unicast' && (bridges.has(r.dev) || veths.has(r.dev)))
    .map((r) => (r.dst.includes('/') ? r.dst : hostPrefix(r.dst)));
  for (const p of pods) {
    const ip = p.ip;
    if (ip === null || networks.some((n) => cidrTextContains(n, ip))) continue;
    networks.push(hostPrefix(ip));
  }
  return [...new Set(networks)];
}

/** `minFullMeshNodes`: below it a full mesh is still sent pair by pair (two nodes read best as two edges). */
export function summariseTopology(view: TopologyView, minFullMeshNodes: number): TopologySummary {
  const nodeOfAddress = new Map<string, string>();
  for (const n of view.nodes) {
    for (const i of n.interfaces) {
      if (isLoopback(i)) continue;
      for (const a of i.addresses) if (!nodeOfAddress.has(addressKey(a))) nodeOfAddress.set(addressKey(a), n.name);
    }
  }
  const podsOf = new Map<string, TopologyPod[]>();
  for (const p of view.pods) {
    if (p.node === null) continue;
    const list = podsOf.get(p.node) ?? [];
    list.push(p);
    podsOf.set(p.node, list);
  }
  const facts = view.nodes.map((n) => {
    const bridges = bridgesOf(n);
    return { node: n, bridges, podNetworks: podNetworksOf(n, bridges, podsOf.get(n.name) ?? []) };
  });
  // Parsed once: a full mesh of 200 nodes checks 39,800 routes against them.
  const networksOf = new Map(facts.map((f) => [f.node.name, f.podNetworks.flatMap((n) => prefixesOf(n) ?? [])]));

  const pairs: TopologyRoutePair[] = [];
  let routes = 0;
  for (const { node: n } of facts) {
    const to = new Map<string, TopologyRoutePair>();
    for (const r of n.routes) {
      if (r.via === null) continue;
      const other = nodeOfAddress.get(addressKey(r.via));
      if (other === undefined || other === n.name) continue;
      const theirs = networksOf.get(other) ?? [];
      // Where the other node's pod networks are known, only a route into them links the two.
      if (theirs.length > 0) {
        const dst = prefixesOf(r.dst);
        if (dst === null || !theirs.some((net) => dst.some((d) => prefixesOverlap(d, net)))) continue;
      }
      const pair = to.get(other) ?? { from: n.name, to: other, prefixes: [] };
      pair.prefixes.push({ dst: r.dst, source: r.source });
      to.set(other, pair);
      routes++;
    }
    pairs.push(...to.values());
  }
  const count = view.nodes.length;
  const fullMesh = count >= Math.max(2, minFullMeshNodes) && pairs.length === count * (count - 1);

  return {
    nodes: facts.map(({ node: n, bridges, podNetworks }) => ({
      name: n.name,
      uplinks: n.interfaces
        .filter((i) => !isLoopback(i) && i.addresses.length > 0 && !bridges.has(i.name) && i.master === null)
        .map((i) => ({ name: i.name, addresses: i.addresses })),
      bridges: [...bridges.entries()].map(([name, ports]) => ({ name, addresses: n.interfaces.find((i) => i.name === name)?.addresses ?? [], ports: ports.size })),
      podNetworks,
      interfaceCount: n.interfaces.length + n.namespaces.reduce((k, ns) => k + ns.interfaces.length, 0),
      namespaceCount: n.namespaces.length,
    })),
    routes: fullMesh ? { kind: 'full-mesh', nodes: count, routes } : { kind: 'pairs', pairs },
    services: view.services,
    pods: view.pods,
  };
}
