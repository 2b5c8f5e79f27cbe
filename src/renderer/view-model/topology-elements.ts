/**
 * The topology graph as plain cytoscape element definitions, from the `topology` answer and nothing
 * else: node boxes holding their interfaces (bridges as boxes holding their ports), namespaces as
 * boxes of their own, veth pairs, routes whose next hop is another node, and Kubernetes services
 * with their endpoints. One pure function, so the graph is tested without a DOM.
 */
import { addressOfCidr, cidrContains, parseIp, sameIp } from '../../shared/contract/ip-text';
import { layoutTopology } from './topology-layout';
import type {
  TopologyInterfaceJson, TopologyJson, TopologyNodeJson, TopologyPodJson, TopologyRouteJson, TopologyServiceJson,
} from '../../shared/contract/topology-json';

export type GraphNodeKind = 'node' | 'namespace' | 'bridge' | 'interface' | 'pod' | 'service'
  /** The overview's aggregates (topology-overview.ts): a bridge with its ports and pods counted, a node's uplink addresses, pods of a namespace, the full mesh of routes. */
  | 'bridge-summary' | 'uplink' | 'service-group' | 'overlay';
export type GraphEdgeKind = 'veth' | 'route' | 'endpoint' | 'pod-link' | 'namespace-of' | 'path';

export interface DetailRow {
  label: string;
  value: string;
}

interface ElementData {
  id: string;
  label: string;
  /** Heading of the details panel. */
  title: string;
  details: DetailRow[];
}

export interface GraphNode {
  group: 'nodes';
  /** `w`/`h`: the box a leaf needs for its label (cytoscape no longer sizes nodes to labels). Positions come from topology-layout.ts. */
  data: ElementData & { kind: GraphNodeKind; parent?: string; w: number; h: number };
  classes: string;
  position: { x: number; y: number };
}

export interface GraphEdge {
  group: 'edges';
  data: ElementData & { kind: GraphEdgeKind; source: string; target: string };
  classes: string;
}

export type GraphElement = GraphNode | GraphEdge;

export interface TopologyOptions {
  showLoopback: boolean;
}

/** Where interfaces live: a node's own namespace, or a namespace captured on it. */
interface Scope {
  key: string;
  node: string;
  namespace: string | null;
  boxId: string;
  interfaces: TopologyInterfaceJson[];
  routes: TopologyRouteJson[];
}

const DASH = '—';
const ORIGIN = { x: 0, y: 0 };

/** Monospace label metrics at the graph's 11px: wide enough for the longest line, tall enough for all. */
const CHAR_WIDTH = 6.8;
const LINE_HEIGHT = 14;

export function labelBox(label: string): { w: number; h: number } {
  const lines = label.split('\n');
  return { w: Math.ceil(Math.max(...lines.map((l) => l.length)) * CHAR_WIDTH + 22), h: lines.length * LINE_HEIGHT + 14 };
}

export const nodeId = (node: string): string => `node|${node}`;
export const interfaceId = (scope: string, name: string): string => `if|${scope}|${name}`;
const namespaceKey = (node: string, ns: string): string => `${node}|ns:${ns}`;

function isLoopback(i: TopologyInterfaceJson): boolean {
  return i.linkType === 'link/loopback' || i.name === 'lo';
}

function scopesOf(node: TopologyNodeJson): Scope[] {
  return [
    { key: node.name, node: node.name, namespace: null, boxId: nodeId(node.name), interfaces: node.interfaces, routes: node.routes },
    ...node.namespaces.map((ns) => ({
      key: namespaceKey(node.name, ns.name),
      node: node.name,
      namespace: ns.name,
      boxId: `ns|${namespaceKey(node.name, ns.name)}`,
      interfaces: ns.interfaces,
      routes: ns.routes,
    })),
  ];
}

/** Bridge name → its ports, from `master` and from `brctl show`/`bridge link`. */
function bridgesOf(scope: Scope, node: TopologyNodeJson | null): Map<string, string[]> {
  const bridges = new Map<string, string[]>();
  const add = (bridge: string, port: string): void => {
    const ports = bridges.get(bridge) ?? [];
    if (!ports.includes(port)) ports.push(port);
    bridges.set(bridge, ports);
  };
  for (const i of scope.interfaces) if (i.master !== null) add(i.master, i.name);
  for (const p of node?.bridgePorts ?? []) add(p.bridge, p.port);
  return bridges;
}

/** The interface at the other end of a veth pair, when it was captured. */
function peerOf(scope: Scope, i: TopologyInterfaceJson, scopes: readonly Scope[]): { scope: Scope; iface: TopologyInterfaceJson; why: string } | null {
  if (i.pairedWith !== null && scope.namespace === null) {
    const { netns, interface: name } = i.pairedWith;
    const target = scopes.find((s) => s.node === scope.node && s.namespace === netns);
    const found = target?.interfaces.find((x) => x.name === name);
    if (target !== undefined && found !== undefined) return { scope: target, iface: found, why: 'both ends name each other’s interface index (@ifN)' };
  }
  if (i.peer === null) return null;
  const index = /^if(\d+)$/.exec(i.peer);
  let target: Scope | undefined;
  if (i.linkNetns === null) target = scope;
  else if (scope.namespace === null) target = scopes.find((s) => s.node === scope.node && s.namespace === i.linkNetns);
  // From inside a namespace, `link-netnsid 0` (or the name of another namespace) points back out.
  else target = scopes.find((s) => s.node === scope.node && s.namespace === i.linkNetns) ?? scopes.find((s) => s.node === scope.node && s.namespace === null);
  if (target === undefined) return null;
  const found = index ? target.interfaces.find((x) => x.index === Number(index[1])) : target.interfaces.find((x) => x.name === i.peer);
  if (found === undefined || (target === scope && found === i)) return null;
  return { scope: target, iface: found, why: `${i.name} names its peer ${i.peer}${i.linkNetns === null ? '' : ` (link-netns ${i.linkNetns})`}` };
}

type VethEnd = NonNullable<ReturnType<typeof peerOf>>;

/**
 * Each interface's other veth end (by interfaceId), found from either end: a pod's `eth0@if7` finds the node's veth
 * even where the veth's own `link-netnsid 0` names no captured namespace, and then the veth names the pod's end too.
 * Each edge is drawn from the end that found it (veth pairs below), so two pods naming one veth are two edges.
 */
function vethEnds(scopes: readonly Scope[]): { ends: Map<string, VethEnd>; contested: Map<string, VethEnd[]> } {
  const ends = new Map<string, VethEnd>();
  const found: Array<[Scope, TopologyInterfaceJson, VethEnd]> = [];
  for (const scope of scopes) {
    for (const i of scope.interfaces) {
      const peer = peerOf(scope, i, scopes);
      if (peer === null) continue;
      ends.set(interfaceId(scope.key, i.name), peer);
      found.push([scope, i, peer]);
    }
  }
  // An end that names no peer of its own takes the one interface naming it; of two (a pod and its replacement), neither.
  const naming = new Map<string, VethEnd[]>();
  for (const [scope, i, peer] of found) {
    const back = interfaceId(peer.scope.key, peer.iface.name);
    if (ends.has(back)) continue;
    const list = naming.get(back);
    if (list === undefined) naming.set(back, [{ scope, iface: i, why: peer.why }]);
    else list.push({ scope, iface: i, why: peer.why });
  }
  // Of two or more, the end is contested: captured on every side, paired with none.
  const contested = new Map<string, VethEnd[]>();
  for (const [back, list] of naming) {
    if (list.length === 1) ends.set(back, list[0]!);
    else contested.set(back, list);
  }
  return { ends, contested };
}

/** What an interface's details say of its peer: the captured end, the ends that all name it back, or that it was not captured. */
function peerText(i: TopologyInterfaceJson, peer: VethEnd | null, contested: readonly VethEnd[] | undefined): string {
  if (peer !== null) return `${peer.iface.name} ${placeOf(peer.scope)}`;
  if (contested !== undefined) {
    const names = contested.map((c) => `${c.iface.name} ${placeOf(c.scope)}`);
    const list = `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
    return `${i.peer ?? '?'}: ${list} ${names.length === 2 ? 'both' : 'all'} name it back (a pod and its replacement?), so neither is taken for its pair`;
  }
  return `${i.peer}${i.linkNetns === null ? '' : ` in netns ${i.linkNetns}`} (not captured)`;
}

/** Where an interface is, as the details panel and a veth edge name it: `on node1`, `in cni-aaaa`. */
const placeOf = (scope: Scope): string => (scope.namespace === null ? `on ${scope.node}` : `in ${scope.namespace}`);

function interfaceLabel(i: TopologyInterfaceJson): string {
  return [i.name, ...i.addresses].join('\n');
}

function interfaceDetails(i: TopologyInterfaceJson, peer: string | null, ports: readonly string[] | undefined): DetailRow[] {
  const rows: DetailRow[] = [
    { label: 'Addresses', value: i.addresses.join(', ') || DASH },
    { label: 'State', value: i.state ?? DASH },
    { label: 'MAC', value: i.mac ?? DASH },
    { label: 'Index', value: i.index === null ? DASH : String(i.index) },
    { label: 'MTU', value: i.mtu === null ? DASH : String(i.mtu) },
  ];
  if (ports !== undefined) rows.push({ label: 'Bridge ports', value: ports.join(', ') || DASH });
  if (i.master !== null) rows.push({ label: 'Master', value: i.master });
  if (peer !== null) rows.push({ label: 'Peer', value: peer });
  rows.push({ label: 'Source', value: i.source });
  return rows;
}

export function routeText(r: TopologyRouteJson): string {
  return [r.dst, r.via === null ? null : `via ${r.via}`, r.dev === null ? null : `dev ${r.dev}`, r.table === 'main' ? null : `table ${r.table}`]
    .filter((x) => x !== null)
    .join(' ');
}

function servicePorts(s: TopologyServiceJson): string {
  return s.ports.map((p) => `${p.port}/${p.protocol}${p.nodePort === null ? '' : ` (node port ${p.nodePort})`}`).join(', ');
}

/** A scope and interface holding `ip`, anywhere in the project. */
function ownerOf(ip: string, scopes: readonly Scope[]): { scope: Scope; iface: TopologyInterfaceJson } | null {
  for (const scope of scopes) {
    for (const iface of scope.interfaces) if (iface.addresses.some((a) => sameIp(addressOfCidr(a), ip))) return { scope, iface };
  }
  return null;
}

/** The node whose directly connected route (no `via`) holds `ip`, longest prefix first: where a pod without captures lives. */
function connectedNodeOf(ip: string, scopes: readonly Scope[]): { scope: Scope; dev: string } | null {
  let best: { scope: Scope; dev: string; length: number } | null = null;
  for (const scope of scopes) {
    if (scope.namespace !== null) continue;
    for (const r of scope.routes) {
      if (r.via !== null || r.dev === null || r.dst === 'default' || r.type !== 'unicast' || !cidrContains(r.dst, ip)) continue;
      const length = Number(r.dst.split('/')[1] ?? (parseIp(r.dst)?.family === 'ipv6' ? 128 : 32));
      if (best === null || length > best.length) best = { scope, dev: r.dev, length };
    }
  }
  return best;
}

export function topologyElements(topology: TopologyJson, options: TopologyOptions): GraphElement[] {
  return layoutTopology(unplacedTopologyElements(topology, options));
}

/** The same elements before layout, for builders that draw part of the project this way (topology-overview.ts). */
export function unplacedTopologyElements(topology: TopologyJson, options: TopologyOptions): GraphElement[] {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const scopes = topology.nodes.flatMap(scopesOf);
  const nodeByName = new Map(topology.nodes.map((n) => [n.name, n]));
  const drawn = new Set<string>();
  const { ends, contested } = vethEnds(scopes);
  const addNode = (n: { data: Omit<GraphNode['data'], 'w' | 'h'>; classes: string }): void => {
    if (drawn.has(n.data.id)) return;
    drawn.add(n.data.id);
    nodes.push({ group: 'nodes', position: ORIGIN, data: { ...n.data, ...labelBox(n.data.label) }, classes: n.classes });
  };

  for (const scope of scopes) {
    const node = scope.namespace === null ? (nodeByName.get(scope.node) ?? null) : null;
    if (scope.namespace === null) {
      addNode({
        data: {
          id: scope.boxId, kind: 'node', label: scope.node, title: `Node ${scope.node}`,
          details: [
            { label: 'Interfaces', value: String(scope.interfaces.length) },
            { label: 'Namespaces', value: node?.namespaces.map((ns) => ns.name).join(', ') || DASH },
            ...scope.routes.map((r) => ({ label: 'Route', value: routeText(r) })),
          ],
        },
        classes: 'node-box',
      });
    } else {
      addNode({
        data: {
          id: scope.boxId, kind: 'namespace', label: `${scope.namespace} · on ${scope.node}`, title: `Namespace ${scope.namespace}`,
          details: [
            { label: 'Node', value: scope.node },
            { label: 'Entered with', value: node?.namespaces.find((ns) => ns.name === scope.namespace)?.via ?? DASH },
            ...scope.routes.map((r) => ({ label: 'Route', value: routeText(r) })),
          ],
        },
        classes: 'namespace-box',
      });
    }
    const bridges = bridgesOf(scope, scope.namespace === null ? (nodeByName.get(scope.node) ?? null) : null);
    const bridgeOfPort = new Map<string, string>();
    for (const [bridge, ports] of bridges) for (const p of ports) bridgeOfPort.set(p, bridge);
    // Bridges first, so their ports can name them as parent.
    const ordered = [...scope.interfaces].sort((a, b) => Number(bridges.has(b.name)) - Number(bridges.has(a.name)));
    for (const i of ordered) {
      if (isLoopback(i) && !options.showLoopback) continue;
      const peer = ends.get(interfaceId(scope.key, i.name)) ?? null;
      const rivals = contested.get(interfaceId(scope.key, i.name));
      const bridge = bridgeOfPort.get(i.name);
      const isBridge = bridges.has(i.name);
      const classes = [isBridge ? 'bridge' : 'interface', i.peer !== null || peer !== null ? 'veth' : '', isLoopback(i) ? 'loopback' : '', i.addresses.length > 0 ? 'addressed' : '', (i.state ?? '').toUpperCase() === 'DOWN' ? 'down' : '']
        .filter((c) => c !== '')
        .join(' ');
      addNode({
        data: {
          id: interfaceId(scope.key, i.name),
          kind: isBridge ? 'bridge' : 'interface',
          parent: bridge !== undefined && scope.interfaces.some((x) => x.name === bridge) ? interfaceId(scope.key, bridge) : scope.boxId,
          label: isBridge ? [i.name, ...i.addresses].join(' · ') : interfaceLabel(i),
          title: `${isBridge ? 'Bridge' : 'Interface'} ${i.name} on ${scope.namespace ?? scope.node}`,
          details: interfaceDetails(i, peer === null && i.peer === null && rivals === undefined ? null : peerText(i, peer, rivals), bridges.get(i.name)),
        },
        classes,
      });
    }
  }

  // veth pairs, each once, whichever end lists the other.
  const pairs = new Set<string>();
  for (const scope of scopes) {
    for (const i of scope.interfaces) {
      const peer = ends.get(interfaceId(scope.key, i.name));
      if (peer === undefined) continue;
      const a = interfaceId(scope.key, i.name);
      const b = interfaceId(peer.scope.key, peer.iface.name);
      if (!drawn.has(a) || !drawn.has(b)) continue;
      const key = [a, b].sort().join('~');
      if (pairs.has(key)) continue;
      pairs.add(key);
      // A pair between the node and a namespace is labelled: it is how a pod's interface reaches the node.
      const crosses = scope.namespace !== peer.scope.namespace;
      edges.push({
        group: 'edges',
        data: {
          id: `veth|${key}`, kind: 'veth', source: a, target: b, label: crosses ? 'veth pair' : '', title: `veth pair ${i.name} ↔ ${peer.iface.name}`,
          details: [
            { label: 'Ends', value: `${i.name} (${scope.namespace ?? scope.node}) ↔ ${peer.iface.name} (${peer.scope.namespace ?? peer.scope.node})` },
            { label: 'Paired by', value: peer.why },
          ],
        },
        classes: 'veth-link',
      });
    }
  }

  // A namespace no veth ties to its node still belongs to it.
  for (const scope of scopes) {
    if (scope.namespace === null) continue;
    const tied = edges.some((e) => e.data.kind === 'veth' && (e.data.source.startsWith(`if|${scope.key}|`) || e.data.target.startsWith(`if|${scope.key}|`)));
    if (!tied) {
      edges.push({
        group: 'edges',
        data: { id: `nsof|${scope.key}`, kind: 'namespace-of', source: scope.boxId, target: nodeId(scope.node), label: 'on', title: `Namespace ${scope.namespace} on ${scope.node}`, details: [{ label: 'Why', value: 'captured on this node; no veth pair between them was captured' }] },
        classes: 'namespace-link',
      });
    }
  }

  edges.push(...routeEdges(scopes, drawn));
  const services = serviceElements(topology.services, topology.pods, scopes, drawn);
  return [...nodes, ...services.nodes, ...edges, ...services.edges];
}

/** Routes whose next hop is an address of another node: one edge per (from interface, to interface), labelled with the prefixes. */
function routeEdges(scopes: readonly Scope[], drawn: ReadonlySet<string>): GraphEdge[] {
  const byPair = new Map<string, GraphEdge>();
  for (const scope of scopes) {
    if (scope.namespace !== null) continue;
    for (const r of scope.routes) {
      if (r.via === null) continue;
      const owner = ownerOf(r.via, scopes.filter((s) => s.node !== scope.node && s.namespace === null));
      if (owner === null) continue;
      const fromIface = r.dev === null ? null : interfaceId(scope.key, r.dev);
      const source = fromIface !== null && drawn.has(fromIface) ? fromIface : nodeId(scope.node);
      const target = interfaceId(owner.scope.key, owner.iface.name);
      const id = `route|${source}|${target}`;
      const edge = byPair.get(id);
      if (edge === undefined) {
        byPair.set(id, {
          group: 'edges',
          data: { id, kind: 'route', source, target: drawn.has(target) ? target : nodeId(owner.scope.node), label: r.dst, title: `Routes from ${scope.node} to ${owner.scope.node}`, details: [{ label: 'Route', value: `${routeText(r)} (${r.source})` }] },
          classes: 'route-link',
        });
      } else {
        edge.data.label = `${edge.data.label}\n${r.dst}`;
        edge.data.details.push({ label: 'Route', value: `${routeText(r)} (${r.source})` });
      }
    }
  }
  return [...byPair.values()];
}

function serviceElements(
  services: readonly TopologyServiceJson[], pods: readonly TopologyPodJson[], scopes: readonly Scope[], drawn: Set<string>,
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const podName = (ip: string): TopologyPodJson | undefined => pods.find((p) => p.ip !== null && sameIp(p.ip, ip));
  for (const s of services) {
    const id = `svc|${s.namespace}/${s.name}`;
    const front = [s.clusterIP, s.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')].filter((x) => x !== null && x !== '').join(' · ');
    const label = `${s.namespace}/${s.name}${front === '' ? '' : `\n${front}`}`;
    nodes.push({
      group: 'nodes',
      position: ORIGIN,
      data: {
        id, kind: 'service', label, ...labelBox(label), title: `Service ${s.namespace}/${s.name}`,
        details: [
          { label: 'Type', value: s.type ?? DASH },
          { label: 'Cluster IP', value: s.clusterIP ?? DASH },
          { label: 'External IPs', value: s.externalIPs.join(', ') || DASH },
          { label: 'Ports', value: servicePorts(s) || DASH },
          { label: 'Endpoints', value: s.endpoints.map((e) => `${e.address}${e.port === null ? '' : `:${e.port}`}`).join(', ') || DASH },
          { label: 'Read from', value: s.origins.join(', ') },
          { label: 'Programmed on', value: s.programmedOn.join(', ') || DASH },
        ],
      },
      classes: 'service',
    });
    drawn.add(id);
    for (const e of s.endpoints) {
      const target = endpointTarget(e.address, podName(e.address), scopes, drawn, nodes, edges);
      const edgeId = `ep|${id}|${target}|${e.port ?? ''}`;
      if (edges.some((x) => x.data.id === edgeId)) continue;
      edges.push({
        group: 'edges',
        data: { id: edgeId, kind: 'endpoint', source: id, target, label: e.port === null ? '' : `:${e.port}`, title: `Endpoint of ${s.namespace}/${s.name}`, details: [{ label: 'Endpoint', value: `${e.address}${e.port === null ? '' : `:${e.port}`}${e.portName === null ? '' : ` (${e.portName})`}` }] },
        classes: 'endpoint-link',
      });
    }
  }
  return { nodes, edges };
}

/** The element an endpoint address is drawn at: the interface holding it, else a pod inside the node routing to it, else a free point. */
function endpointTarget(
  ip: string, pod: TopologyPodJson | undefined, scopes: readonly Scope[], drawn: Set<string>, nodes: GraphNode[], edges: GraphEdge[],
): string {
  const owner = ownerOf(ip, scopes);
  if (owner !== null) {
    const id = interfaceId(owner.scope.key, owner.iface.name);
    if (drawn.has(id)) return id;
  }
  const podRows: DetailRow[] = [
    { label: 'Address', value: ip },
    { label: 'Pod', value: pod === undefined ? 'not in any kubectl capture' : `${pod.namespace}/${pod.name}` },
    ...(pod?.status ? [{ label: 'Status', value: pod.status }] : []),
  ];
  const home = connectedNodeOf(ip, scopes);
  const label = pod === undefined ? `pod\n${ip}` : `${pod.name}\n${ip}`;
  if (home !== null) {
    const id = `pod|${home.scope.node}|${ip}`;
    if (!drawn.has(id)) {
      drawn.add(id);
      nodes.push({ group: 'nodes', position: ORIGIN, data: { id, kind: 'pod', parent: home.scope.boxId, label, ...labelBox(label), title: `Endpoint ${ip} on ${home.scope.node}`, details: [...podRows, { label: 'Reached', value: `through ${home.dev} on ${home.scope.node}` }] }, classes: 'pod' });
      const dev = interfaceId(home.scope.key, home.dev);
      if (drawn.has(dev)) edges.push({ group: 'edges', data: { id: `podlink|${id}`, kind: 'pod-link', source: id, target: dev, label: '', title: `${ip} behind ${home.dev}`, details: podRows }, classes: 'pod-link' });
    }
    return id;
  }
  const id = `endpoint|${ip}`;
  if (!drawn.has(id)) {
    drawn.add(id);
    nodes.push({ group: 'nodes', position: ORIGIN, data: { id, kind: 'pod', label, ...labelBox(label), title: `Endpoint ${ip}`, details: [...podRows, { label: 'Reached', value: 'no captured node routes to it directly' }] }, classes: 'pod outside' });
  }
  return id;
}
