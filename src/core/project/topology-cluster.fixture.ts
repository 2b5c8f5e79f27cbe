/** A generated host-gw cluster as the topology view has it, for tests of the overview at scale (no store needed). */
import type { TopologyInterface, TopologyNode, TopologyPod, TopologyRoute, TopologyService, TopologyView } from '../views/topology';

const iface = (name: string, more: Partial<TopologyInterface> = {}): TopologyInterface => ({
  name, index: null, peer: null, linkNetns: null, master: null, state: 'UP', mac: null, linkType: 'link/ether', mtu: 1500, addresses: [], source: 'ip-addr.txt:1', knownFrom: 'addresses', pairedWith: null, ...more,
});
export const fixtureRoute = (dst: string, via: string | null, dev: string): TopologyRoute => ({ dst, via, dev, src: null, metric: null, type: 'unicast', table: 'main', source: 'ip-route.txt:1' });

/**
 * Node i (`node-00i`) has eth0 172.16.0.(i+1)/16, cbr0 10.244.i.1/24 with one veth per pod, and routes
 * via eth0 to the pod CIDR of each node in `routesTo(i)` (default: every other node). Pod k of node i
 * is team-(k%20)/app-i-k at 10.244.i.(k+2); service s (team-(s%20)/svc-s) has three endpoints.
 */
export function generatedCluster(nodes: number, podsPerNode: number, services: number, routesTo: (i: number) => number[] = (i) => Array.from({ length: nodes }, (_, j) => j).filter((j) => j !== i)): TopologyView {
  const name = (i: number): string => `node-${String(i).padStart(3, '0')}`;
  const eth0 = (i: number): string => `172.16.${i >> 8}.${(i & 255) + 1}`;
  const cidr = (i: number): string => `10.${244 + (i >> 8)}.${i & 255}.0/24`;
  const podIp = (i: number, k: number): string => `10.${244 + (i >> 8)}.${i & 255}.${k + 2}`;
  const topoNodes: TopologyNode[] = Array.from({ length: nodes }, (_, i) => ({
    name: name(i),
    interfaces: [
      iface('lo', { linkType: 'link/loopback', addresses: ['127.0.0.1/8'] }),
      iface('eth0', { addresses: [`${eth0(i)}/16`] }),
      iface('cbr0', { addresses: [`${podIp(i, -1)}/24`] }),
      ...Array.from({ length: podsPerNode }, (_, k) => iface(`veth${k}`, { master: 'cbr0', peer: 'if2', linkNetns: `cni-${k}` })),
    ],
    routes: [fixtureRoute('default', '172.16.255.254', 'eth0'), fixtureRoute(cidr(i), null, 'cbr0'), fixtureRoute('172.16.0.0/16', null, 'eth0'), ...routesTo(i).map((j) => fixtureRoute(cidr(j), eth0(j), 'eth0'))],
    bridgePorts: [],
    namespaces: [],
  }));
  const pods: TopologyPod[] = topoNodes.flatMap((n, i) => Array.from({ length: podsPerNode }, (_, k) => ({ namespace: `team-${k % 20}`, name: `app-${i}-${k}`, ip: podIp(i, k), node: n.name, status: 'Running' })));
  const svc: TopologyService[] = Array.from({ length: services }, (_, s) => ({
    namespace: `team-${s % 20}`, name: `svc-${s}`, type: 'ClusterIP', clusterIP: `10.96.${(s + 10) >> 8}.${(s + 10) & 255}`, externalIPs: [],
    ports: [{ name: null, port: 80, protocol: 'TCP', targetPort: null, nodePort: null }],
    endpoints: [0, 1, 2].map((e) => ({ address: podIp((s * 7 + e * 61) % nodes, s % Math.max(1, podsPerNode)), port: 8080, portName: null })),
    origins: ['kubectl'], programmedOn: [],
  }));
  return { nodes: topoNodes, services: svc, pods };
}
