import { describe, expect, it } from 'vitest';
import { fixtureRoute, generatedCluster } from './topology-cluster.fixture';
import { summariseTopology } from './topology-summary';

describe('topology summary', () => {
  it('reduces a full mesh of 200 nodes to one entry and keeps each node small', () => {
    const view = generatedCluster(200, 25, 500);
    const summary = summariseTopology(view, 4);
    expect(summary.routes).toEqual({ kind: 'full-mesh', nodes: 200, routes: 39_800 });
    expect(summary.nodes[3]).toEqual({
      name: 'node-003', uplinks: [{ name: 'eth0', addresses: ['172.16.0.4/16'] }], bridges: [{ name: 'cbr0', addresses: ['10.244.3.1/24'], ports: 25 }],
      podNetworks: ['10.244.3.0/24'], interfaceCount: 28, namespaceCount: 0,
    });
    expect(JSON.stringify(summary).length).toBeLessThan(JSON.stringify(view).length / 5);
  });

  it('sends a full mesh below the threshold pair by pair', () => {
    const summary = summariseTopology(generatedCluster(3, 1, 0), 4);
    expect(summary.routes.kind === 'pairs' && summary.routes.pairs.map((p) => `${p.from}>${p.to}`)).toEqual([
      'node-000>node-001', 'node-000>node-002', 'node-001>node-000', 'node-001>node-002', 'node-002>node-000', 'node-002>node-001',
    ]);
  });

  it('counts a route via another node only when it reaches that node’s pod networks', () => {
    const view = generatedCluster(2, 1, 0, () => []);
    view.nodes[0]?.routes.push(fixtureRoute('192.0.2.0/24', '172.16.0.2', 'eth0'));
    expect(summariseTopology(view, 4).routes).toEqual({ kind: 'pairs', pairs: [] });
    view.nodes[0]?.routes.push(fixtureRoute('10.244.1.0/24', '172.16.0.2', 'eth0'));
    expect(summariseTopology(view, 4).routes).toEqual({ kind: 'pairs', pairs: [{ from: 'node-000', to: 'node-001', prefixes: [{ dst: '10.244.1.0/24', source: 'ip-route.txt:1' }] }] });
  });

  it('takes a routed pod’s veth (no address of its own) as a pod network, and not a node uplink that is a veth', () => {
    const view = generatedCluster(1, 1, 0);
    const node = view.nodes[0]!;
    node.interfaces.push({ ...node.interfaces[1]!, name: 'cali1', peer: 'if3', linkNetns: 'cni-1', addresses: ['fe80::ecee:eeff:feee:eeee/64'] });
    node.interfaces[1] = { ...node.interfaces[1]!, peer: 'if7', linkNetns: 'switch' };
    node.routes.push(fixtureRoute('10.250.0.7', null, 'cali1'));
    expect(summariseTopology(view, 4).nodes[0]?.podNetworks).toEqual(['10.244.0.0/24', '10.250.0.7/32']);
  });

  it('adds the /32 of a kubectl pod outside the node’s connected pod networks', () => {
    const view = generatedCluster(1, 1, 0);
    view.pods.push({ namespace: 'x', name: 'host-net', ip: '192.0.2.9', node: 'node-000', status: 'Running' });
    expect(summariseTopology(view, 4).nodes[0]?.podNetworks).toEqual(['10.244.0.0/24', '192.0.2.9/32']);
  });
});
