/**
 * Choosing a capture's interface after the import (the UI's control): the lab's pcaps renamed so nothing says
 * their interface, then each one's interface chosen; the flows are stitched again and every rewrite of the
 * ClusterIP connection names its kube-proxy rule, as with `import --interface`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { tempProject } from '../../../test/support/temp-project';
import { listFlows, type FlowView } from './flows';
import { Store } from '../model/store';
import { stitchFlows } from './flows-stitch';
import { captureInterfaces, setCaptureInterface } from './capture-interfaces';

const NODES = path.resolve(__dirname, '../../../test/fixtures/lab/nodes');
const project = tempProject('chosen-iface');
afterAll(() => project.cleanup());

const STATE = ['ip-addr.txt', 'ip-route.txt', 'iptables-save.txt', 'conntrack.txt'];

/** Imports the lab with its pcaps under `names` (interface → file name); returns the store and each pcap's capture id. */
function importLab(dbName: string, names: Record<'eth0' | 'cbr0', string>): { store: Store; ids: Map<string, number> } {
  const store = project.store(dbName);
  const ids = new Map<string, number>();
  for (const node of ['nodea', 'nodeb']) {
    const dir = project.file(`${dbName}-files`, node);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of STATE) fs.copyFileSync(path.join(NODES, node, f), path.join(dir, f));
    expect(importPaths(store, [dir]).errors).toEqual([]);
    for (const iface of ['eth0', 'cbr0'] as const) {
      const file = project.file(`${dbName}-files`, `${node}-${names[iface]}.pcap`);
      fs.copyFileSync(path.join(NODES, node, `${iface}.pcap`), file);
      const report = importPaths(store, [file], { node });
      expect(report.errors).toEqual([]);
      const id = store.listNodes().flatMap((n) => store.capturesOf(n.id)).find((c) => c.sourceFile === file)!.id;
      ids.set(`${node} ${iface}`, id);
    }
  }
  stitchFlows(store);
  return { store, ids };
}

const clusterIp = (flows: FlowView[]): FlowView => flows.find((f) => f.original.dst === '10.96.0.10' && f.original.dport === 80)!;
const packetPlaces = (flow: FlowView): Set<string> =>
  new Set(flow.observations.filter((o) => o.kind === 'packet').map((o) => `${o.node} ${o.interface} ${o.interfaceFrom}`));

describe('setCaptureInterface', () => {
  it('names the packets of a capture whose interface was unknown and stitches the flows again with it', () => {
    const { store, ids } = importLab('unknown.db', { eth0: 'wire', cbr0: 'pods' });
    expect([...captureInterfaces(store).values()].map((v) => v.name)).toEqual([null, null, null, null]);
    expect(new Set([...packetPlaces(clusterIp(listFlows(store)))].map((p) => p.split(' ')[1]))).toEqual(new Set(['null']));

    for (const [key, id] of ids) {
      const result = setCaptureInterface(store, id, key.split(' ')[1]!);
      expect(result).toMatchObject({ kind: 'set', view: { captureId: id, name: key.split(' ')[1], from: 'chosen' } });
    }
    const flow = clusterIp(listFlows(store));
    expect(packetPlaces(flow)).toEqual(new Set(['nodea cbr0 chosen', 'nodea eth0 chosen', 'nodeb eth0 chosen', 'nodeb cbr0 chosen']));
    expect(flow.timeline.rewrites.filter((r) => r.node === 'nodea').map((r) => [r.kind, r.evidence, r.chain?.replace(/^KUBE-SEP-\w+$/, 'KUBE-SEP-*')])).toEqual([
      ['dnat', 'conntrack+rules', 'KUBE-SEP-*'], ['masquerade', 'conntrack+rules', 'KUBE-POSTROUTING'],
    ]);

    // Forgetting the choices brings the unknown interfaces back.
    for (const id of ids.values()) expect(setCaptureInterface(store, id, null)).toMatchObject({ kind: 'set', view: { name: null, from: null } });
    expect(new Set([...packetPlaces(clusterIp(listFlows(store)))].map((p) => p.split(' ')[1]))).toEqual(new Set(['null']));
  });

  it('outranks a guess from the file name, and the choice survives reopening the project', () => {
    // Each pcap named after the other interface: the file name guesses wrong.
    const { store, ids } = importLab('guess.db', { eth0: 'cbr0', cbr0: 'eth0' });
    const id = ids.get('nodea eth0')!;
    expect(captureInterfaces(store).get(id)).toMatchObject({ name: 'cbr0', from: 'file-name' });
    expect(setCaptureInterface(store, id, 'eth0')).toMatchObject({ kind: 'set', view: { name: 'eth0', from: 'chosen' } });
    const reopened = Store.open(project.file('guess.db'));
    try {
      expect(captureInterfaces(reopened).get(id)).toMatchObject({ name: 'eth0', from: 'chosen' });
      const nodeaEth0 = clusterIp(listFlows(reopened)).observations.filter((o) => o.kind === 'packet' && o.node === 'nodea' && o.interfaceFrom === 'chosen');
      expect(nodeaEth0.length).toBeGreaterThan(0);
      expect(new Set(nodeaEth0.map((o) => o.interface))).toEqual(new Set(['eth0']));
    } finally {
      reopened.close();
    }
  });

  it('refuses an unknown capture, a capture that holds no packets and a name Linux would refuse, changing nothing', () => {
    const { store } = importLab('refuse.db', { eth0: 'wire', cbr0: 'pods' });
    const rules = store.listNodes().flatMap((n) => store.capturesOf(n.id)).find((c) => c.kind === 'iptables-save')!;
    const before = JSON.stringify([...captureInterfaces(store).values()]);
    expect(setCaptureInterface(store, 99_999, 'eth0')).toEqual({ kind: 'not-found' });
    expect(setCaptureInterface(store, rules.id, 'eth0')).toEqual({ kind: 'not-packets', captureKind: 'iptables-save' });
    for (const bad of ['', 'has space', 'a/b', 'eth0:1', 'x'.repeat(16), '..']) {
      expect(setCaptureInterface(store, [...captureInterfaces(store).keys()][0]!, bad)).toEqual({ kind: 'invalid-name', name: bad });
    }
    expect(JSON.stringify([...captureInterfaces(store).values()])).toBe(before);
  });
});
