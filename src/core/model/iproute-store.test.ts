import { describe, it, expect, beforeEach } from 'vitest';
import { parseBridgeFdb } from '../capture/iproute/bridge-fdb';
import { parseIpAddr } from '../capture/iproute/ip-addr';
import { parseIpNeigh } from '../capture/iproute/ip-neigh';
import { parseIpRoute } from '../capture/iproute/ip-route';
import { parseIpRule } from '../capture/iproute/ip-rule';
import type { CaptureKind, ParsedCapture } from '../records/records';
import { textFixture } from '../../../test/fixtures/text/fixture-input';
import { loadWorld } from '../project/node-world';
import { listNodes } from '../project/nodes';
import { Store } from './store';
import { useTempProject } from '../../../test/support/temp-project';

const project = useTempProject('iproute');
let dir: string;
let store: Store;
beforeEach(() => {
  dir = project().dir;
  store = project().store();
});

function put(nodeId: number, kind: CaptureKind, parsed: ParsedCapture, hash: string, netns: string | null = null): number {
  const id = store.insertCapture({
    nodeId, sourceId: null, kind, namespace: netns === null ? null : { via: 'ip-netns', name: netns }, sourceFile: 'a.txt',
    firstLine: 1, lastLine: 9, command: null, partial: false, contentHash: hash, takenAt: null,
  });
  store.insertRecords(id, parsed);
  return id;
}

describe('iproute2 records in the store', () => {
  it('reads back rules, neighbours and fdb entries exactly as parsed', () => {
    const node = store.ensureNode('n1');
    const rules = parseIpRule(textFixture('ip-rule.txt'));
    const neigh = parseIpNeigh(textFixture('ip-neigh.txt'));
    const fdb = parseBridgeFdb(textFixture('bridge-fdb.txt'));
    expect(store.ipRulesOf(put(node, 'ip-rule', rules, 'r'))).toEqual(rules.rules);
    expect(store.neighboursOf(put(node, 'ip-neigh', neigh, 'n'))).toEqual(neigh.neighbours);
    expect(store.fdbEntriesOf(put(node, 'bridge-fdb', fdb, 'f'))).toEqual(fdb.entries);
    expect([store.count('ip_rules'), store.count('neighbours'), store.count('fdb_entries')]).toEqual([9, 6, 22]);
  });

  it('keeps ip -d details and multipath hops through the store', () => {
    const node = store.ensureNode('n1');
    const addr = parseIpAddr(textFixture('ip-d-addr.txt'));
    const routes = parseIpRoute(textFixture('ip-route-nh-table-all.txt'));
    expect(store.interfacesOf(put(node, 'ip-addr', addr, 'a'))).toEqual(addr.interfaces);
    expect(store.routesOf(put(node, 'ip-route', routes, 'r'))).toEqual(routes.routes);
  });

  it('deletes rules, neighbours and fdb entries with their capture', () => {
    const node = store.ensureNode('n1');
    const id = put(node, 'ip-rule', parseIpRule(textFixture('ip-rule.txt')), 'r');
    store.deleteCapture(id);
    expect(store.count('ip_rules')).toBe(0);
  });
});

describe('nodes view of iproute2 state', () => {
  it('shows rules of both families from `ip rule` and a later `ip -6 rule`, neighbours and fdb', () => {
    const node = store.ensureNode('n1');
    put(node, 'ip-rule', parseIpRule(textFixture('ip-rule.txt')), 'r4');
    put(node, 'ip-rule', parseIpRule(textFixture('ip-6-rule.txt'), { family: 'ipv6' }), 'r6');
    put(node, 'ip-neigh', parseIpNeigh(textFixture('ip-neigh.txt')), 'n');
    put(node, 'bridge-fdb', parseBridgeFdb(textFixture('bridge-fdb.txt')), 'f');
    put(node, 'ip-neigh', parseIpNeigh({ file: 'pod.txt', text: '10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 REACHABLE', firstLine: 1 }), 'p', 'pod');
    const [view] = listNodes(store);
    expect(view?.rules.map((r) => [r.family, r.priority])).toEqual([
      ['ipv4', 0], ['ipv4', 100], ['ipv4', 110], ['ipv4', 120], ['ipv4', 130], ['ipv4', 140], ['ipv4', 200], ['ipv4', 32766], ['ipv4', 32767],
      ['ipv6', 0], ['ipv6', 100], ['ipv6', 32766],
    ]);
    expect(view?.rules[2]).toMatchObject({ fwmark: '0x4000/0x4000', action: 'lookup', table: '200', goto: null });
    expect(view?.rules[5]).toMatchObject({ from: '10.88.2.0/24', action: 'goto', goto: 200, table: null });
    expect(view?.rules[3]).toMatchObject({ to: '10.64.0.0/16', iif: 'br0', action: 'blackhole' });
    expect(view?.neighbours.map((n) => n.address)).toEqual(['10.88.0.2', '10.88.1.11', '10.88.1.9', '10.88.0.3', 'fd00:88::2', 'fd00:88::9']);
    expect(view?.neighbours[0]).toEqual({ address: '10.88.0.2', family: 'ipv4', dev: 'eth0', lladdr: '96:55:07:3a:f0:a0', state: 'REACHABLE', router: false });
    expect(view?.fdb.find((e) => e.dst === '10.88.0.3')).toEqual({ mac: '00:00:00:00:00:00', dev: 'vxlan0', master: null, vlan: null, dst: '10.88.0.3', vni: null, self: true, state: 'permanent' });
  });

  it('shows device kinds and multipath hops, and empty lists for a node without these captures', () => {
    const node = store.ensureNode('n1');
    put(node, 'ip-addr', parseIpAddr(textFixture('ip-d-addr.txt')), 'a');
    put(node, 'ip-route', parseIpRoute(textFixture('ip-route-nh-table-all.txt')), 'r');
    store.ensureNode('n2');
    const [n1, n2] = listNodes(store);
    expect(n1?.interfaces.map((i) => [i.name, i.kind])).toEqual([['lo', null], ['br0', 'bridge'], ['eth0', 'veth'], ['vp2', 'veth'], ['vp1', 'veth'], ['vxlan0', 'vxlan']]);
    expect(n1?.routes.find((r) => r.dst === '10.62.0.0/16')?.nexthops).toEqual([{ via: '10.88.0.2', dev: 'eth0', weight: 1 }, { via: '10.88.1.2', dev: 'br0', weight: 3 }]);
    expect([n2?.rules, n2?.neighbours, n2?.fdb]).toEqual([[], [], []]);
  });
});

describe('the replay world', () => {
  it('gives each node its rules of both families, none from its namespaces, and null when ip rule was not captured', () => {
    const node = store.ensureNode('n1');
    put(node, 'ip-rule', parseIpRule(textFixture('ip-rule.txt')), 'r4');
    put(node, 'ip-rule', parseIpRule(textFixture('ip-6-rule.txt'), { family: 'ipv6' }), 'r6');
    put(node, 'ip-rule', parseIpRule({ file: 'pod.txt', text: '0:\tfrom all lookup local\n5:\tfrom all lookup 5', firstLine: 1 }), 'pod', 'pod');
    store.ensureNode('n2');
    const [n1, n2] = loadWorld(store);
    expect(n1?.rules?.map((r) => `${r.family} ${r.priority}`)).toEqual([
      'ipv4 0', 'ipv4 100', 'ipv4 110', 'ipv4 120', 'ipv4 130', 'ipv4 140', 'ipv4 200', 'ipv4 32766', 'ipv4 32767', 'ipv6 0', 'ipv6 100', 'ipv6 32766',
    ]);
    expect(n2?.rules).toBeNull();
  });
});
