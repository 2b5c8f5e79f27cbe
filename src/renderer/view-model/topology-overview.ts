/**
 * The topology as an overview that stays readable from 2 to 500 nodes: each node a box holding its
 * uplinks and its bridges with ports and pods counted, until it is expanded (then its interfaces,
 * veths, captured namespaces and kubectl pods, as topology-elements.ts draws them); one route edge per
 * pair of nodes that routes into the other's pod networks, or one "overlay" when every node routes to
 * every other; services grouped by namespace, a group expanded on demand; and the path of a trace or
 * flow across nodes highlighted. Pure: state in, element definitions out.
 */
import { cidrContains } from '../../shared/contract/ip-text';
import type { TopologyNodeJson, TopologyRoutePairJson, TopologyServiceJson } from '../../shared/contract/topology-json';
import { labelBox, nodeId, unplacedTopologyElements, type DetailRow, type GraphEdge, type GraphElement, type GraphNode } from './topology-elements';
import { addressKey, nodeOfPodAddress, type NodeFacts, type TopologyIndex } from './topology-index';
import { layoutTopology } from './topology-layout';

/** A trace or flow drawn across the graph: the nodes it crosses, in order. */
export interface TopologyPath {
  label: string;
  nodes: string[];
  /** Addresses it carries (source, destination, rewritten ones): the pods and services holding them are marked. */
  addresses: string[];
}

export interface OverviewState {
  expandedNodes: ReadonlySet<string>;
  expandedNamespaces: ReadonlySet<string>;
  showLoopback: boolean;
  path: TopologyPath | null;
}

export const serviceGroupId = (namespace: string): string => `svcns|${namespace}`;
export const serviceId = (s: { namespace: string; name: string }): string => `svc|${s.namespace}/${s.name}`;
export const kubePodId = (p: { namespace: string; name: string }): string => `kpod|${p.namespace}/${p.name}`;
export const OVERLAY_ID = 'overlay';

const DASH = '—';
const ORIGIN = { x: 0, y: 0 };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function leaf(id: string, kind: GraphNode['data']['kind'], label: string, title: string, details: DetailRow[], classes: string, parent?: string): GraphNode {
  return { group: 'nodes', position: ORIGIN, data: { id, kind, label, title, details, ...labelBox(label), ...(parent === undefined ? {} : { parent }) }, classes };
}

/** `loading`: opened, its details not here yet (topologyNodes). */
function collapsedNode(n: NodeFacts, loading: boolean): GraphNode[] {
  const box = leaf(nodeId(n.name), 'node', n.name, `Node ${n.name}`, [
    { label: 'Interfaces', value: String(n.interfaceCount) },
    { label: 'Pods', value: String(n.pods.length) },
    { label: 'Pod networks', value: n.podNetworks.filter((p) => !/\/(32|128)$/.test(p)).join(', ') || DASH },
    { label: 'Routes to', value: n.routesTo.length === 0 ? DASH : plural(n.routesTo.length, 'node') },
    { label: 'Expand', value: 'click the box again to show its interfaces and pods' },
  ], `node-box collapsed${loading ? ' loading' : ''}`);
  const children: GraphNode[] = [];
  const uplinks = n.uplinks.slice(0, 2);
  if (uplinks.length > 0) {
    const more = n.uplinks.length - uplinks.length;
    const label = [...uplinks.map((i) => `${i.name} ${i.addresses.join(' ')}`), ...(more > 0 ? [`+${more} more`] : [])].join('\n');
    children.push(leaf(`uplink|${n.name}`, 'uplink', label, `Addresses of ${n.name}`, n.uplinks.map((i) => ({ label: i.name, value: i.addresses.join(', ') })), 'uplink', box.data.id));
  }
  for (const b of n.bridges) {
    const pods = n.pods.filter((p) => p.ip !== null && b.addresses.some((a) => cidrContains(a, p.ip ?? ''))).length;
    const label = `${[b.name, ...b.addresses].join(' ')}\n${plural(b.ports, 'port')} · ${plural(pods, 'pod')}`;
    children.push(leaf(`brsum|${n.name}|${b.name}`, 'bridge-summary', label, `Bridge ${b.name} on ${n.name}`, [
      { label: 'Addresses', value: b.addresses.join(', ') || DASH },
      { label: 'Ports', value: String(b.ports) },
      { label: 'Pods behind it', value: String(pods) },
    ], 'bridge-summary', box.data.id));
  }
  if (n.bridges.length === 0 && n.pods.length > 0) {
    children.push(leaf(`podsum|${n.name}`, 'bridge-summary', plural(n.pods.length, 'pod'), `Pods on ${n.name}`, [{ label: 'Pods', value: String(n.pods.length) }], 'bridge-summary', box.data.id));
  }
  return [box, ...children];
}

/** The node as topology-elements.ts draws it, plus its kubectl pods inside its box. */
function expandedNode(node: TopologyNodeJson, n: NodeFacts, showLoopback: boolean): GraphElement[] {
  const drawn = unplacedTopologyElements({ nodes: [node], services: [], pods: [] }, { showLoopback });
  const pods = n.pods.map((p) => leaf(kubePodId(p), 'pod', `${p.name}\n${p.ip ?? 'no IP'}`, `Pod ${p.namespace}/${p.name}`, [
    { label: 'Namespace', value: p.namespace },
    { label: 'Address', value: p.ip ?? DASH },
    { label: 'Node', value: n.name },
    { label: 'Status', value: p.status ?? DASH },
  ], 'pod', nodeId(n.name)));
  for (const e of drawn) if (e.data.id === nodeId(n.name)) e.classes = `${e.classes} expanded`;
  return [...drawn, ...pods];
}

interface Pair {
  a: string;
  b: string;
  ab: TopologyRoutePairJson | null;
  ba: TopologyRoutePairJson | null;
}

function routePairs(index: TopologyIndex): Pair[] {
  const pairs = new Map<string, Pair>();
  for (const n of index.nodes) {
    for (const r of n.routesTo) {
      const [a, b] = n.name < r.to ? [n.name, r.to] : [r.to, n.name];
      const key = `${a}\u0000${b}`;
      const pair = pairs.get(key) ?? { a, b, ab: null, ba: null };
      if (n.name === a) pair.ab = r;
      else pair.ba = r;
      pairs.set(key, pair);
    }
  }
  return [...pairs.values()];
}

function routeElements(index: TopologyIndex): GraphElement[] {
  const mesh = index.summary.routes;
  if (mesh.kind === 'full-mesh') {
    const routes = mesh.routes;
    const label = `overlay: every node routes to every other\n${plural(index.nodes.length, 'node')} · ${plural(routes, 'route')}`;
    return [leaf(OVERLAY_ID, 'overlay', label, 'Pod network overlay (full mesh)', [
      { label: 'Nodes', value: String(index.nodes.length) },
      { label: 'Routes', value: `${routes.toLocaleString('en-US')} routes, each via another node's address into its pod networks` },
      { label: 'Drawn as', value: 'one element: each node routes to every other, so edges would only hide the graph' },
    ], 'overlay')];
  }
  return routePairs(index).map((p): GraphEdge => {
    const details: DetailRow[] = [];
    for (const [from, to, r] of [[p.a, p.b, p.ab], [p.b, p.a, p.ba]] as const) {
      if (r !== null) for (const x of r.prefixes) details.push({ label: `${from} → ${to}`, value: `${x.dst} (${x.source})` });
    }
    const labelOf = (r: Pair['ab']): string => r?.prefixes.map((x) => x.dst).join('\n') ?? '';
    return {
      group: 'edges',
      data: {
        id: `nroute|${p.a}|${p.b}`, kind: 'route',
        // Drawn from the side that routes: a one-way pair points where its traffic goes.
        source: nodeId(p.ab === null ? p.b : p.a), target: nodeId(p.ab === null ? p.a : p.b),
        label: [labelOf(p.ab), labelOf(p.ba)].filter((x) => x !== '').join('\n'),
        title: `Routes between ${p.a} and ${p.b}`, details,
      },
      classes: `route-link${p.ab !== null && p.ba !== null ? ' both-ways' : ''}`,
    };
  });
}

function serviceLabel(s: TopologyServiceJson): string {
  const front = [s.clusterIP, s.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')].filter((x) => x !== null && x !== '').join(' · ');
  return `${s.name}${front === '' ? '' : `\n${front}`}`;
}

function serviceElements(index: TopologyIndex, state: OverviewState, present: ReadonlySet<string>): GraphElement[] {
  const out: GraphElement[] = [];
  for (const [namespace, services] of index.serviceNamespaces) {
    const group = serviceGroupId(namespace);
    if (!state.expandedNamespaces.has(namespace)) {
      const endpoints = services.reduce((k, s) => k + s.endpoints.length, 0);
      out.push(leaf(group, 'service-group', `${namespace}\n${plural(services.length, 'service')}`, `Services in ${namespace}`, [
        { label: 'Services', value: services.map((s) => s.name).join(', ') },
        { label: 'Endpoints', value: String(endpoints) },
        { label: 'Expand', value: 'click the group again to draw its services and endpoints' },
      ], 'service-group collapsed'));
      continue;
    }
    const box = leaf(group, 'service-group', `${namespace} · ${plural(services.length, 'service')}`, `Services in ${namespace}`, [{ label: 'Services', value: String(services.length) }], 'service-group expanded');
    out.push(box);
    for (const s of services) {
      const id = serviceId(s);
      out.push(leaf(id, 'service', serviceLabel(s), `Service ${s.namespace}/${s.name}`, [
        { label: 'Type', value: s.type ?? DASH },
        { label: 'Cluster IP', value: s.clusterIP ?? DASH },
        { label: 'Ports', value: s.ports.map((p) => `${p.port}/${p.protocol}${p.nodePort === null ? '' : ` (node port ${p.nodePort})`}`).join(', ') || DASH },
        { label: 'Endpoints', value: s.endpoints.map((e) => `${e.address}${e.port === null ? '' : `:${e.port}`}`).join(', ') || DASH },
        { label: 'Read from', value: s.origins.join(', ') },
      ], 'service', group));
      const targets = new Map<string, string[]>();
      for (const e of s.endpoints) {
        const pod = index.podOfAddress.get(addressKey(e.address));
        const podTarget = pod === undefined ? undefined : kubePodId(pod);
        const node = pod?.node !== null && pod?.node !== undefined && index.byName.has(pod.node) ? pod.node : nodeOfPodAddress(index, e.address);
        const target = podTarget !== undefined && present.has(podTarget) ? podTarget : node === null ? null : nodeId(node);
        if (target === null) continue;
        const list = targets.get(target) ?? [];
        list.push(`${e.address}${e.port === null ? '' : `:${e.port}`}`);
        targets.set(target, list);
      }
      for (const [target, addresses] of targets) {
        out.push({
          group: 'edges',
          data: { id: `ep|${id}|${target}`, kind: 'endpoint', source: id, target, label: addresses.length === 1 ? '' : String(addresses.length), title: `Endpoints of ${s.namespace}/${s.name}`, details: addresses.map((a) => ({ label: 'Endpoint', value: a })) },
          classes: 'endpoint-link',
        });
      }
    }
  }
  return out;
}

/** Marks the path's nodes and the hops between them; a hop no drawn edge carries gets an edge of its own. */
function markPath(elements: GraphElement[], path: TopologyPath, index: TopologyIndex): GraphElement[] {
  const onPath = new Set(path.nodes.filter((n) => index.byName.has(n)).map(nodeId));
  const addressKeys = new Set(path.addresses.map(addressKey));
  const extra: GraphEdge[] = [];
  const byId = new Map(elements.map((e) => [e.data.id, e]));
  for (let i = 1; i < path.nodes.length; i++) {
    const from = path.nodes[i - 1] ?? '';
    const to = path.nodes[i] ?? '';
    if (from === to || !index.byName.has(from) || !index.byName.has(to)) continue;
    const [a, b] = from < to ? [from, to] : [to, from];
    const route = byId.get(`nroute|${a}|${b}`);
    if (route !== undefined) {
      route.classes = `${route.classes} on-path`;
      continue;
    }
    extra.push({
      group: 'edges',
      data: { id: `path|${i}|${from}|${to}`, kind: 'path', source: nodeId(from), target: nodeId(to), label: `${i}`, title: `${path.label}: hop ${i}`, details: [{ label: 'Hop', value: `${from} → ${to}` }] },
      classes: 'path-link on-path',
    });
  }
  for (const e of elements) {
    if (e.group !== 'nodes') continue;
    const pod = e.data.kind === 'pod' && e.data.details.some((d) => d.label === 'Address' && addressKeys.has(addressKey(d.value)));
    const service = e.data.kind === 'service' && e.data.details.some((d) => d.label === 'Cluster IP' && addressKeys.has(addressKey(d.value)));
    if (onPath.has(e.data.id) || pod || service) e.classes = `${e.classes} on-path`;
  }
  return [...elements, ...extra];
}

/** `details`: the nodes fetched so far with topologyNodes; an opened node not among them is drawn collapsed, marked loading. */
export function topologyOverview(index: TopologyIndex, details: ReadonlyMap<string, TopologyNodeJson>, state: OverviewState): GraphElement[] {
  const elements: GraphElement[] = [];
  for (const n of index.nodes) {
    const open = state.expandedNodes.has(n.name);
    const node = open ? details.get(n.name) : undefined;
    elements.push(...(node === undefined ? collapsedNode(n, open) : expandedNode(node, n, state.showLoopback)));
  }
  elements.push(...routeElements(index));
  const present = new Set(elements.map((e) => e.data.id));
  elements.push(...serviceElements(index, state, present));
  return layoutTopology(state.path === null ? elements : markPath(elements, state.path, index));
}

/** One line counting what the project holds and what is drawn of it. */
export function overviewSummary(index: TopologyIndex, elements: readonly GraphElement[]): string {
  const pods = index.nodes.reduce((k, n) => k + n.pods.length, 0) + index.unplacedPods.length;
  const services = [...index.serviceNamespaces.values()].reduce((k, s) => k + s.length, 0);
  const routeEdges = elements.filter((e) => e.group === 'edges' && e.data.kind === 'route').length;
  const overlay = elements.some((e) => e.data.id === OVERLAY_ID);
  return [
    plural(index.nodes.length, 'node'),
    plural(pods, 'pod'),
    `${plural(services, 'service')} in ${plural(index.serviceNamespaces.size, 'namespace')}`,
    overlay ? 'routes: full-mesh overlay' : plural(routeEdges, 'route link'),
    `${plural(elements.length, 'element')} drawn`,
  ].join(' · ');
}

/** What a click on an element does besides showing its details: open or close a node or a service namespace. */
export type TapAction = { kind: 'toggle-node'; node: string } | { kind: 'toggle-namespace'; namespace: string } | { kind: 'select' };

export function tapAction(data: { id: string; kind: GraphNode['data']['kind'] | GraphEdge['data']['kind']; parent?: string }): TapAction {
  switch (data.kind) {
    case 'node':
      return data.id.startsWith('node|') ? { kind: 'toggle-node', node: data.id.slice('node|'.length) } : { kind: 'select' };
    case 'uplink':
    case 'bridge-summary':
      // The aggregates of a closed node open it.
      return data.parent?.startsWith('node|') ? { kind: 'toggle-node', node: data.parent.slice('node|'.length) } : { kind: 'select' };
    case 'service-group':
      return data.id.startsWith('svcns|') ? { kind: 'toggle-namespace', namespace: data.id.slice('svcns|'.length) } : { kind: 'select' };
    case 'namespace':
    case 'bridge':
    case 'interface':
    case 'pod':
    case 'service':
    case 'overlay':
    case 'veth':
    case 'route':
    case 'endpoint':
    case 'pod-link':
    case 'namespace-of':
    case 'path':
      return { kind: 'select' };
    default: {
      const never: never = data.kind;
      return never;
    }
  }
}
