import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../../core/import/import-paths';
import { readTopology } from '../../core/project/topology';
import type { TopologyView } from '../../core/views/topology';
import { generatedCluster } from '../../core/project/topology-cluster.fixture';
import { summariseTopology } from '../../core/project/topology-summary';
import { FULL_MESH_SUMMARY_MIN_NODES, type TopologyNodeJson } from '../../shared/contract/topology-json';
import { tempProject } from '../../../test/support/temp-project';
import type { GraphEdge, GraphElement, GraphNode } from './topology-elements';
import { homeOfAddress, indexTopology } from './topology-index';
import { OVERLAY_ID, overviewSummary, tapAction, topologyOverview, type OverviewState } from './topology-overview';
import { expansionOf, searchTopology } from './topology-search';

const summaryOf = (t: TopologyView) => summariseTopology(t, FULL_MESH_SUMMARY_MIN_NODES);
const detailsOf = (t: TopologyView, ...names: string[]): Map<string, TopologyNodeJson> => new Map(t.nodes.filter((n) => names.includes(n.name)).map((n) => [n.name, n]));
const NONE = new Map<string, TopologyNodeJson>();
const closed = (more: Partial<OverviewState> = {}): OverviewState => ({ expandedNodes: new Set(), expandedNamespaces: new Set(), showLoopback: false, path: null, ...more });
const nodesOf = (els: GraphElement[]): GraphNode[] => els.filter((e): e is GraphNode => e.group === 'nodes');
const edgesOf = (els: GraphElement[]): GraphEdge[] => els.filter((e): e is GraphEdge => e.group === 'edges');
const byId = (els: GraphElement[], id: string): GraphElement | undefined => els.find((e) => e.data.id === id);

describe('topology overview at 200 nodes', () => {
  const big = generatedCluster(200, 25, 500);
  const index = indexTopology(summaryOf(big));

  it('draws 200 nodes, 5,000 pods and 500 services in a bounded number of elements, routes as one overlay', () => {
    const els = topologyOverview(index, NONE, closed());
    expect(els.length).toBeLessThan(2000);
    expect(nodesOf(els).filter((n) => n.data.kind === 'node')).toHaveLength(200);
    expect(edgesOf(els).filter((e) => e.data.kind === 'route')).toHaveLength(0);
    expect(byId(els, OVERLAY_ID)?.data.label).toBe('overlay: every node routes to every other\n200 nodes · 39,800 routes');
    expect(byId(els, 'brsum|node-000|cbr0')?.data).toMatchObject({ parent: 'node|node-000', label: 'cbr0 10.244.0.1/24\n25 ports · 25 pods' });
    expect(nodesOf(els).filter((n) => n.data.kind === 'service-group').map((n) => n.data.label)).toContain('team-3\n25 services');
    expect(overviewSummary(index, els)).toBe(`200 nodes · 5,000 pods · 500 services in 20 namespaces · routes: full-mesh overlay · ${els.length.toLocaleString('en-US')} elements drawn`);
  });

  it('places node boxes in a near-square grid, not one row', () => {
    const els = topologyOverview(index, NONE, closed());
    const ys = new Set(nodesOf(els).filter((n) => n.data.kind === 'uplink').map((n) => n.position.y));
    expect(ys.size).toBeGreaterThan(5);
    const xs = nodesOf(els).map((n) => n.position.x);
    const yr = nodesOf(els).map((n) => n.position.y);
    const width = Math.max(...xs) - Math.min(...xs);
    const height = Math.max(...yr) - Math.min(...yr);
    expect(width / height).toBeGreaterThan(1);
    expect(width / height).toBeLessThan(2.5);
  });

  it('expands a node on demand into its interfaces and its kubectl pods, and a namespace into its services with endpoint edges', () => {
    expect(byId(topologyOverview(index, NONE, closed({ expandedNodes: new Set(['node-007']) })), 'node|node-007')?.classes).toContain('loading');
    const els = topologyOverview(index, detailsOf(big, 'node-007'), closed({ expandedNodes: new Set(['node-007']), expandedNamespaces: new Set(['team-1']) }));
    expect(byId(els, 'if|node-007|veth3')?.data).toMatchObject({ parent: 'if|node-007|cbr0' });
    expect(byId(els, 'kpod|team-3/app-7-3')?.data).toMatchObject({ kind: 'pod', parent: 'node|node-007', label: 'app-7-3\n10.244.7.5' });
    expect(byId(els, 'brsum|node-007|cbr0')).toBeUndefined();
    expect(byId(els, 'svc|team-1/svc-1')?.data).toMatchObject({ parent: 'svcns|team-1' });
    // svc-1's endpoints: pods on node-007 (expanded: the pod itself), node-068 and node-129 (collapsed: the node box).
    expect(edgesOf(els).filter((e) => e.data.source === 'svc|team-1/svc-1').map((e) => e.data.target).sort()).toEqual(['kpod|team-1/app-7-1', 'node|node-068', 'node|node-129']);
    expect(byId(els, 'svc|team-2/svc-2')).toBeUndefined();
    expect(els.length).toBeLessThan(2000);
  });

  it('highlights a path across nodes with its own edges when the routes are summarised', () => {
    const els = topologyOverview(index, NONE, closed({ path: { label: 'trace', nodes: ['node-001', 'node-002'], addresses: ['10.96.0.10'] } }));
    expect(byId(els, 'node|node-001')?.classes).toContain('on-path');
    expect(byId(els, 'node|node-003')?.classes).not.toContain('on-path');
    expect(edgesOf(els).filter((e) => e.data.kind === 'path').map((e) => [e.data.source, e.data.target])).toEqual([['node|node-001', 'node|node-002']]);
  });

  it('finds a node, a pod by address, a service by cluster IP and by name, and says what to expand', () => {
    expect(searchTopology(index, 'node-042')[0]).toMatchObject({ kind: 'node', focus: 'node|node-042' });
    expect(expansionOf(searchTopology(index, 'node-042')[0]!)).toEqual({ node: 'node-042', namespace: null });
    const pod = searchTopology(index, '10.244.9.4')[0];
    expect(pod).toMatchObject({ kind: 'pod', focus: 'kpod|team-2/app-9-2' });
    expect(pod && expansionOf(pod)).toEqual({ node: 'node-009', namespace: null });
    const svc = searchTopology(index, '10.96.0.12')[0];
    expect(svc).toMatchObject({ kind: 'service', focus: 'svc|team-2/svc-2' });
    expect(svc && expansionOf(svc)).toEqual({ node: null, namespace: 'team-2' });
    expect(searchTopology(index, 'team-4/svc-24')[0]).toMatchObject({ kind: 'service', focus: 'svc|team-4/svc-24' });
    expect(searchTopology(index, '172.16.0.5')[0]).toMatchObject({ kind: 'interface', node: 'node-004', focus: 'if|node-004|eth0' });
    expect(searchTopology(index, '10.244.3.200')[0]).toMatchObject({ kind: 'node', focus: 'node|node-003' });
    expect(searchTopology(index, 'nothing-like-it')).toEqual([]);
    expect([homeOfAddress(index, '172.16.0.5'), homeOfAddress(index, '10.244.3.9'), homeOfAddress(index, '192.0.2.1')]).toEqual(['node-004', 'node-003', null]);
  });
});

describe('route edges of a partial mesh', () => {
  it('draws one edge per node pair that routes into the other’s pod network, both ways on one edge', () => {
    // 0 ↔ 1 both ways, 2 → 3 one way, 3 routes nowhere; 6 nodes so a full mesh would be an overlay.
    const routes: Record<number, number[]> = { 0: [1], 1: [0], 2: [3], 3: [], 4: [], 5: [] };
    const t = generatedCluster(6, 2, 0, (i) => routes[i] ?? []);
    const els = topologyOverview(indexTopology(summaryOf(t)), NONE, closed());
    const edges = edgesOf(els).filter((e) => e.data.kind === 'route');
    expect(edges.map((e) => [e.data.id, e.data.source, e.data.target, e.classes])).toEqual([
      ['nroute|node-000|node-001', 'node|node-000', 'node|node-001', 'route-link both-ways'],
      ['nroute|node-002|node-003', 'node|node-002', 'node|node-003', 'route-link'],
    ]);
    expect(byId(els, OVERLAY_ID)).toBeUndefined();
  });
});

describe('topology overview of the kernel lab', () => {
  let lab: TopologyView;
  beforeAll(() => {
    const project = tempProject('overview');
    try {
      const store = project.store();
      importPaths(store, [path.resolve(process.cwd(), 'test/fixtures/lab/nodes')]);
      lab = readTopology(store);
    } finally {
      project.cleanup();
    }
  });

  it('draws both nodes collapsed with one route edge both ways between them and the service in its namespace group', () => {
    const index = indexTopology(summaryOf(lab));
    const els = topologyOverview(index, NONE, closed());
    expect(edgesOf(els).filter((e) => e.data.kind === 'route').map((e) => [e.data.source, e.data.target, e.data.label])).toEqual([['node|nodea', 'node|nodeb', '10.40.2.0/24\n10.40.1.0/24']]);
    expect(byId(els, 'brsum|nodea|cbr0')?.data.label).toMatch(/^cbr0 10\.40\.1\.1\/24\n\d+ ports · 0 pods$/);
    expect(byId(els, 'svcns|default')?.data.label).toBe('default\n1 service');
    const open = topologyOverview(index, NONE, closed({ expandedNamespaces: new Set(['default']) }));
    expect(edgesOf(open).filter((e) => e.data.source === 'svc|default/hello').map((e) => e.data.target).sort()).toEqual(['node|nodea', 'node|nodeb']);
  });
});

describe('clicks on the overview', () => {
  it('open a node from its box or its aggregates, a service namespace from its group, and only select anything else', () => {
    expect(tapAction({ id: 'node|node-001', kind: 'node' })).toEqual({ kind: 'toggle-node', node: 'node-001' });
    expect(tapAction({ id: 'brsum|node-001|cbr0', kind: 'bridge-summary', parent: 'node|node-001' })).toEqual({ kind: 'toggle-node', node: 'node-001' });
    expect(tapAction({ id: 'svcns|team-1', kind: 'service-group' })).toEqual({ kind: 'toggle-namespace', namespace: 'team-1' });
    expect(tapAction({ id: 'svc|team-1/svc-1', kind: 'service', parent: 'svcns|team-1' })).toEqual({ kind: 'select' });
  });
});
