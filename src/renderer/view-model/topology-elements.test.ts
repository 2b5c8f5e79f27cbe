import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../../core/import/import-paths';
import { readTopology } from '../../core/project/topology';
import type { TopologyInterfaceJson, TopologyJson, TopologyNodeJson } from '../../shared/contract/topology-json';
import { topologyElements, type GraphEdge, type GraphElement, type GraphNode } from './topology-elements';
import { tempProject } from '../../../test/support/temp-project';

const iface = (name: string, more: Partial<TopologyInterfaceJson> = {}): TopologyInterfaceJson => ({
  name, index: null, peer: null, linkNetns: null, master: null, state: 'UP', mac: null, linkType: 'link/ether', mtu: 1500, addresses: [], source: 'x.txt:1', knownFrom: 'addresses', pairedWith: null, ...more,
});
const node = (name: string, more: Partial<TopologyNodeJson> = {}): TopologyNodeJson => ({ name, interfaces: [], routes: [], bridgePorts: [], namespaces: [], ...more });
const route = (dst: string, via: string | null, dev: string) => ({ dst, via, dev, src: null, metric: null, type: 'unicast', table: 'main', source: 'r.txt:1' });

const nodesOf = (els: GraphElement[]): GraphNode[] => els.filter((e): e is GraphNode => e.group === 'nodes');
const edgesOf = (els: GraphElement[]): GraphEdge[] => els.filter((e): e is GraphEdge => e.group === 'edges');
const byId = (els: GraphElement[], id: string): GraphElement | undefined => els.find((e) => e.data.id === id);

describe('topology elements of the kernel lab', () => {
  let lab: TopologyJson;
  beforeAll(() => {
    const project = tempProject('graph');
    try {
      const store = project.store();
      importPaths(store, [path.resolve(process.cwd(), 'test/fixtures/lab/nodes')]);
      lab = readTopology(store);
    } finally {
      project.cleanup();
    }
  });

  it('draws both nodes as boxes holding their interfaces, the bridge holding its veth ports, loopback hidden', () => {
    const els = topologyElements(lab, { showLoopback: false });
    expect(nodesOf(els).filter((n) => n.data.kind === 'node').map((n) => n.data.label)).toEqual(['nodea', 'nodeb']);
    expect(byId(els, 'if|nodea|eth0')?.data).toMatchObject({ parent: 'node|nodea', label: 'eth0\n192.168.56.11/24' });
    expect(byId(els, 'if|nodea|cbr0')?.data).toMatchObject({ kind: 'bridge', parent: 'node|nodea', label: 'cbr0 · 10.40.1.1/24' });
    expect(byId(els, 'if|nodea|veth-a1')?.data).toMatchObject({ kind: 'interface', parent: 'if|nodea|cbr0' });
    expect(byId(els, 'if|nodea|lo')).toBeUndefined();
    expect(byId(topologyElements(lab, { showLoopback: true }), 'if|nodea|lo')?.data).toMatchObject({ parent: 'node|nodea' });
  });

  it('links the nodes by their routes to each other’s pod CIDR, labelled with the prefix', () => {
    const routes = edgesOf(topologyElements(lab, { showLoopback: false })).filter((e) => e.data.kind === 'route');
    expect(routes.map((e) => [e.data.source, e.data.target, e.data.label])).toEqual([
      ['if|nodea|eth0', 'if|nodeb|eth0', '10.40.2.0/24'],
      ['if|nodeb|eth0', 'if|nodea|eth0', '10.40.1.0/24'],
    ]);
  });

  it('draws the service with an edge to each endpoint, placed inside the node that routes to it', () => {
    const els = topologyElements(lab, { showLoopback: false });
    expect(byId(els, 'svc|default/hello')?.data).toMatchObject({ kind: 'service', label: 'default/hello\n10.96.0.10 · 80/TCP' });
    expect(byId(els, 'pod|nodea|10.40.1.2')?.data).toMatchObject({ kind: 'pod', parent: 'node|nodea' });
    expect(byId(els, 'pod|nodeb|10.40.2.2')?.data).toMatchObject({ kind: 'pod', parent: 'node|nodeb' });
    const endpoints = edgesOf(els).filter((e) => e.data.kind === 'endpoint');
    expect(endpoints.map((e) => `${e.data.target} ${e.data.label}`).sort()).toEqual(['pod|nodea|10.40.1.2 :8080', 'pod|nodeb|10.40.2.2 :8080']);
    expect(byId(els, 'podlink|pod|nodea|10.40.1.2')?.data).toMatchObject({ source: 'pod|nodea|10.40.1.2', target: 'if|nodea|cbr0' });
  });

  it('gives every element a unique id, and every edge ends that exist', () => {
    const els = topologyElements(lab, { showLoopback: true });
    const ids = els.map((e) => e.data.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of edgesOf(els)) {
      expect(ids).toContain(e.data.source);
      expect(ids).toContain(e.data.target);
    }
    for (const n of nodesOf(els)) if (n.data.parent !== undefined) expect(ids).toContain(n.data.parent);
  });

  it('is the same for the same input (deterministic layout start)', () => {
    expect(topologyElements(lab, { showLoopback: false })).toEqual(topologyElements(lab, { showLoopback: false }));
  });
});

describe('topology elements: namespaces and veth pairs', () => {
  const host = node('host1', {
    interfaces: [iface('lo', { index: 1, linkType: 'link/loopback', addresses: ['127.0.0.1/8'] }), iface('veth0', { index: 7, peer: 'if2', linkNetns: 'demo', addresses: ['10.9.0.1/24'] }), iface('vx', { index: 8, peer: 'if3', linkNetns: 'gone' })],
    namespaces: [
      { name: 'demo', via: 'ip-netns', interfaces: [iface('eth0', { index: 2, peer: 'if7', linkNetns: '0', addresses: ['10.9.0.2/24'] })], routes: [route('default', '10.9.0.1', 'eth0')] },
      { name: 'lonely', via: 'nsenter', interfaces: [iface('eth0', { index: 2 })], routes: [] },
    ],
  });

  it('draws a captured namespace as its own box joined to the node by its veth pair, once', () => {
    const els = topologyElements({ nodes: [host], services: [], pods: [] }, { showLoopback: false });
    expect(byId(els, 'ns|host1|ns:demo')?.data).toMatchObject({ kind: 'namespace', label: 'demo · on host1' });
    expect(byId(els, 'if|host1|ns:demo|eth0')?.data).toMatchObject({ parent: 'ns|host1|ns:demo', label: 'eth0\n10.9.0.2/24' });
    const veths = edgesOf(els).filter((e) => e.data.kind === 'veth');
    expect(veths).toHaveLength(1);
    expect([veths[0]?.data.source, veths[0]?.data.target].sort()).toEqual(['if|host1|ns:demo|eth0', 'if|host1|veth0']);
  });

  it('ties a namespace without a captured veth pair to its node, and says when a peer was not captured', () => {
    const els = topologyElements({ nodes: [host], services: [], pods: [] }, { showLoopback: false });
    expect(byId(els, 'nsof|host1|ns:lonely')?.data).toMatchObject({ source: 'ns|host1|ns:lonely', target: 'node|host1' });
    expect(byId(els, 'nsof|host1|ns:demo')).toBeUndefined();
    expect(byId(els, 'if|host1|vx')?.data.details).toContainEqual({ label: 'Peer', value: 'if3 in netns gone (not captured)' });
    expect(byId(els, 'if|host1|veth0')?.data.details).toContainEqual({ label: 'Peer', value: 'eth0 in demo' });
  });

  it('joins a node veth to the pod interface it is paired with (both name each other\'s ifindex), labelled, each end naming the other', () => {
    // As `ip addr` prints a CNI pod's veth on the node: link-netnsid 0 names no captured namespace, so only the pairing finds the end.
    const cni = node('node1', {
      interfaces: [iface('veth1a2b3c4d', { index: 7, peer: 'if3', linkNetns: '0', master: 'cni0', pairedWith: { netns: 'web-7d9', interface: 'eth0' } }), iface('cni0', { index: 5, addresses: ['10.244.1.1/24'] })],
      namespaces: [{ name: 'web-7d9', via: 'kubectl', interfaces: [iface('eth0', { index: 3, peer: 'if7', linkNetns: '0', addresses: ['10.244.1.5/24'] })], routes: [] }],
    });
    const els = topologyElements({ nodes: [cni], services: [], pods: [] }, { showLoopback: false });
    const veths = edgesOf(els).filter((e) => e.data.kind === 'veth');
    expect(veths.map((e) => [[e.data.source, e.data.target].sort(), e.data.label])).toEqual([[['if|node1|ns:web-7d9|eth0', 'if|node1|veth1a2b3c4d'], 'veth pair']]);
    expect(veths[0]!.data.details).toEqual([
      { label: 'Ends', value: 'veth1a2b3c4d (node1) ↔ eth0 (web-7d9)' },
      { label: 'Paired by', value: 'both ends name each other’s interface index (@ifN)' },
    ]);
    expect(byId(els, 'if|node1|veth1a2b3c4d')?.data.details).toContainEqual({ label: 'Peer', value: 'eth0 in web-7d9' });
    expect(byId(els, 'if|node1|ns:web-7d9|eth0')?.data.details).toContainEqual({ label: 'Peer', value: 'veth1a2b3c4d on node1' });
    // Tied by its veth, the namespace needs no 'on' edge to its node.
    expect(byId(els, 'nsof|node1|ns:web-7d9')).toBeUndefined();
    // Without the pairing, the pod end's @if7 alone still finds the node's veth (link-netnsid 0 points out of the
    // namespace), and the veth then names the pod's end: the same edge, said to rest on one end's word.
    const unpaired = topologyElements({ nodes: [{ ...cni, interfaces: cni.interfaces.map((i) => ({ ...i, pairedWith: null })) }], services: [], pods: [] }, { showLoopback: false });
    const named = edgesOf(unpaired).filter((e) => e.data.kind === 'veth');
    expect(named.map((e) => e.data.details[1])).toEqual([{ label: 'Paired by', value: 'eth0 names its peer if7 (link-netns 0)' }]);
    expect(byId(unpaired, 'if|node1|veth1a2b3c4d')?.data.details).toContainEqual({ label: 'Peer', value: 'eth0 in web-7d9' });
    // A replaced pod's namespace captured too, its eth0 also @if7: the veth names neither (both are drawn as they say),
    // and says both were captured and name it back, not that its peer was not captured.
    const twice = { ...cni, interfaces: cni.interfaces.map((i) => ({ ...i, pairedWith: null })), namespaces: [...cni.namespaces, { ...cni.namespaces[0]!, name: 'web-old' }] };
    const both = topologyElements({ nodes: [twice], services: [], pods: [] }, { showLoopback: false });
    expect(edgesOf(both).filter((e) => e.data.kind === 'veth')).toHaveLength(2);
    expect(byId(both, 'if|node1|veth1a2b3c4d')?.data.details).toContainEqual({
      label: 'Peer', value: 'if3: eth0 in web-7d9 and eth0 in web-old both name it back (a pod and its replacement?), so neither is taken for its pair',
    });
  });

  it('says a veth two captured namespaces both name back has two candidates, not an uncaptured peer (from ip addr as printed)', () => {
    const LO = ['1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000', '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00'];
    const pod = (ip: string): string[] => [
      '3: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default',
      '    link/ether 0a:58:0a:f4:01:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0', `    inet ${ip}/24 brd 10.244.1.255 scope global eth0`,
    ];
    const project = tempProject('veth-twice');
    try {
      const file = project.write('t.txt', [
        'root@node1:~# ip addr', ...LO,
        '7: veth1a2b3c4d@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default',
        '    link/ether 6a:1b:2c:3d:4e:07 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
        // The pod, and the pod that replaced it, captured in turn: each eth0@if7 with index 3.
        'root@node1:~# ip netns exec cni-aaaa ip addr', ...LO, ...pod('10.244.1.5'),
        'root@node1:~# ip netns exec cni-bbbb ip addr', ...LO, ...pod('10.244.1.6'),
        '',
      ].join('\n'));
      const store = project.store();
      expect(importPaths(store, [file]).errors).toEqual([]);
      const topology = readTopology(store);
      expect(topology.nodes[0]!.interfaces.find((i) => i.name === 'veth1a2b3c4d')!.pairedWith).toBeNull();
      const details = byId(topologyElements(topology, { showLoopback: false }), 'if|node1|veth1a2b3c4d')?.data.details;
      expect(details).toContainEqual({
        label: 'Peer', value: 'if3: eth0 in cni-aaaa and eth0 in cni-bbbb both name it back (a pod and its replacement?), so neither is taken for its pair',
      });
    } finally {
      project.cleanup();
    }
  });

  it('pairs veths inside one namespace by index or by name', () => {
    const solo = node('n', { interfaces: [iface('veth0', { index: 3, peer: 'if4' }), iface('veth1', { index: 4, peer: 'if3' }), iface('a', { index: 5, peer: 'b' }), iface('b', { index: 6, peer: 'a' })] });
    const veths = edgesOf(topologyElements({ nodes: [solo], services: [], pods: [] }, { showLoopback: false })).filter((e) => e.data.kind === 'veth');
    expect(veths.map((e) => e.data.id).sort()).toEqual(['veth|if|n|a~if|n|b', 'veth|if|n|veth0~if|n|veth1']);
  });

  it('points an endpoint at the interface that holds its address, names pods from kubectl, and keeps unknown ones outside', () => {
    const els = topologyElements(
      {
        nodes: [host],
        services: [{ namespace: 'ns', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.20', externalIPs: [], ports: [{ name: null, port: 443, protocol: 'TCP', targetPort: '8443', nodePort: null }], endpoints: [{ address: '10.9.0.2', port: 8443, portName: null }, { address: '172.16.0.9', port: 8443, portName: null }], origins: ['kubectl'], programmedOn: [] }],
        pods: [{ namespace: 'ns', name: 'web-7d9', ip: '172.16.0.9', node: 'elsewhere', status: 'Running' }],
      },
      { showLoopback: false },
    );
    const targets = edgesOf(els).filter((e) => e.data.kind === 'endpoint').map((e) => e.data.target).sort();
    expect(targets).toEqual(['endpoint|172.16.0.9', 'if|host1|ns:demo|eth0']);
    expect(byId(els, 'endpoint|172.16.0.9')?.data).toMatchObject({ label: 'web-7d9\n172.16.0.9' });
    expect(byId(els, 'endpoint|172.16.0.9')?.data.details).toContainEqual({ label: 'Pod', value: 'ns/web-7d9' });
  });

  it('draws nothing for an empty project', () => {
    const els = topologyElements({ nodes: [], services: [], pods: [] }, { showLoopback: false });
    expect(els).toEqual([]);
  });
});
