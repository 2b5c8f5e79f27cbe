import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import type { Store } from '../model/store';
import { readTopology } from './topology';
import { useTempProject } from '../../../test/support/temp-project';

const lab = path.resolve(process.cwd(), 'test/fixtures/lab');

describe('topology view', () => {
  let dir: string;
  let store: Store;

  const project = useTempProject('topology');
  beforeEach(() => {
    dir = project().dir;
    store = project().store();
  });

  it('reads the lab nodes with interface indexes, peers, masters, bridge ports and routes', () => {
    importPaths(store, [path.join(lab, 'nodes')]);
    const topology = readTopology(store);
    expect(topology.nodes.map((n) => n.name)).toEqual(['nodea', 'nodeb']);
    const nodea = topology.nodes[0]!;
    expect(nodea.interfaces.map((i) => [i.name, i.index, i.peer, i.master])).toEqual([
      ['lo', 1, null, null],
      ['eth0', 2, 'if3', null],
      ['cbr0', 3, null, null],
      ['veth-a1', 4, 'if2', 'cbr0'],
      ['veth-a2', 5, 'if2', 'cbr0'],
    ]);
    expect(nodea.interfaces.find((i) => i.name === 'veth-a1')).toMatchObject({ linkNetns: 'nl-a1-5ce1', addresses: [], source: expect.stringMatching(/ip-addr\.txt:\d+$/) });
    expect(nodea.interfaces.find((i) => i.name === 'cbr0')?.addresses).toEqual(['10.40.1.1/24']);
    expect(nodea.bridgePorts.map((p) => `${p.bridge}:${p.port}`).sort()).toEqual(['cbr0:veth-a1', 'cbr0:veth-a2']);
    expect(nodea.routes.find((r) => r.dst === '10.40.2.0/24')).toMatchObject({ via: '192.168.56.12', dev: 'eth0' });
    expect(nodea.namespaces).toEqual([]);
  });

  it('derives the lab service from both nodes’ kube-proxy rules with its two endpoints', () => {
    importPaths(store, [path.join(lab, 'nodes')]);
    const { services } = readTopology(store);
    expect(services).toHaveLength(1);
    const hello = services[0]!;
    expect(hello).toMatchObject({ namespace: 'default', name: 'hello', clusterIP: '10.96.0.10', origins: ['kube-proxy'], programmedOn: ['nodea', 'nodeb'] });
    expect(hello.ports).toContainEqual(expect.objectContaining({ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }));
    expect(hello.endpoints.map((e) => `${e.address}:${e.port}`).sort()).toEqual(['10.40.1.2:8080', '10.40.2.2:8080']);
  });

  it('puts interfaces and routes captured inside a namespace under that namespace, not the node', () => {
    const transcript = path.join(dir, 'host1.txt');
    fs.writeFileSync(
      transcript,
      [
        'root@host1:~# ip addr',
        '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
        '    inet 127.0.0.1/8 scope host lo',
        '7: veth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
        '    link/ether 6a:1f:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netns demo',
        '    inet 10.9.0.1/24 scope global veth0',
        'root@host1:~# ip netns exec demo ip addr',
        '2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
        '    link/ether 6a:1f:00:00:00:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
        '    inet 10.9.0.2/24 scope global eth0',
        'root@host1:~# ip netns exec demo ip route',
        'default via 10.9.0.1 dev eth0',
        'root@host1:~# ',
        '',
      ].join('\n'),
    );
    const report = importPaths(store, [transcript]);
    expect(report.errors).toEqual([]);
    const [host] = readTopology(store).nodes;
    expect(host?.interfaces.map((i) => i.name)).toEqual(['lo', 'veth0']);
    expect(host?.namespaces).toEqual([
      expect.objectContaining({
        name: 'demo',
        via: 'ip-netns',
        interfaces: [expect.objectContaining({ name: 'eth0', index: 2, peer: 'if7', addresses: ['10.9.0.2/24'] })],
        routes: [expect.objectContaining({ dst: 'default', via: '10.9.0.1', dev: 'eth0' })],
      }),
    ]);
  });

  it('is empty for a project without captures', () => {
    expect(readTopology(store)).toEqual({ nodes: [], services: [], pods: [] });
  });
});
