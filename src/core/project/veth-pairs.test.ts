/** nodes --json `pairedWith`: a node's veth and the namespace's end, when both name each other's ifindex. */
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { listNodes } from './nodes';
import { readTopology } from './topology';
import { vethPairs } from './veth-pairs';

const project = useTempProject('veth-pairs');

const link = (index: number, name: string, peer: string, master = 'cni0'): string[] => [
  `${index}: ${name}@${peer}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master ${master} state UP group default`,
  `    link/ether 6a:1b:2c:3d:4e:${String(index).padStart(2, '0')} brd ff:ff:ff:ff:ff:ff link-netnsid 0`,
];
const podEth0 = (index: number, peer: number, ip: string): string[] => [
  `${index}: eth0@if${peer}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default`,
  '    link/ether 0a:58:0a:f4:01:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
  `    inet ${ip}/24 brd 10.244.1.255 scope global eth0`,
];
const LO = ['1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000', '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00'];

describe('vethPairs', () => {
  const own = [{ name: 'veth1', index: 7, peer: 'if3' }, { name: 'veth2', index: 8, peer: 'if3' }, { name: 'eth0', index: 2, peer: null }];
  it('pairs ends that name each other, never on one side\'s @ifN alone', () => {
    const got = vethPairs(own, new Map([['a', [{ name: 'eth0', index: 3, peer: 'if7' }]], ['b', [{ name: 'eth0', index: 3, peer: 'if9' }]]]));
    expect([...got]).toEqual([['veth1', { netns: 'a', interface: 'eth0' }]]);
  });
  it('pairs nothing when two namespaces name the same end back', () => {
    const got = vethPairs(own, new Map([['a', [{ name: 'eth0', index: 3, peer: 'if7' }]], ['b', [{ name: 'eth0', index: 3, peer: 'if7' }]]]));
    expect(got.size).toBe(0);
  });
});

describe('nodes --json pairedWith', () => {
  it('names the namespace end of each veth captured on the same node, and nothing for a pod of another node', () => {
    const p = project();
    const file = p.write('t.txt', [
      'root@node1:~# ip addr', ...LO, ...link(7, 'veth1a2b3c4d', 'if3'), ...link(8, 'veth9f8e7d6c', 'if3'),
      'root@node1:~# ip netns exec cni-aaaa ip addr', ...LO, ...podEth0(3, 7, '10.244.1.5'),
      // The same indexes on another node's namespace: not this node's pod.
      'root@node2:~# ip netns exec cni-bbbb ip addr', ...LO, ...podEth0(3, 8, '10.244.2.5'),
      '',
    ].join('\n'));
    const store = p.store();
    expect(importPaths(store, [file]).errors).toEqual([]);
    const node1 = listNodes(store).find((n) => n.name === 'node1')!;
    expect(node1.interfaces.map((i) => [i.name, i.peer, i.pairedWith])).toEqual([
      ['lo', null, null],
      ['veth1a2b3c4d', 'if3', { netns: 'cni-aaaa', interface: 'eth0' }],
      ['veth9f8e7d6c', 'if3', null],
    ]);
    // The topology the graph is drawn from says the same, for the node's own interfaces; a namespace's are not paired from inside.
    const topology = readTopology(store).nodes.find((n) => n.name === 'node1')!;
    expect(topology.interfaces.map((i) => [i.name, i.pairedWith])).toEqual(node1.interfaces.map((i) => [i.name, i.pairedWith]));
    expect(topology.namespaces.flatMap((ns) => ns.interfaces.map((i) => i.pairedWith))).toEqual([null, null]);
  });
});
