/**
 * The lab's eth0 and cbr0 pcaps renamed so nothing in them or their names says the interface: without
 * it no rewrite can be replayed from where the packet entered; `import --interface` gives it back, and
 * with it every rewrite of a ClusterIP connection names its kube-proxy rule.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { tempProject } from '../../../test/support/temp-project';
import { stitchFlows } from '../project/flows-stitch';
import { listFlows, type FlowView } from '../project/flows';

const NODES = path.resolve(__dirname, '../../../test/fixtures/lab/nodes');
const project = tempProject('iface');
afterAll(() => project.cleanup());

const STATE = ['ip-addr.txt', 'ip-route.txt', 'iptables-save.txt', 'conntrack.txt'];

function importLab(dbName: string, withOption: boolean): FlowView[] {
  const store = project.store(dbName);
  for (const node of ['nodea', 'nodeb']) {
    const dir = project.file(`${dbName}-files`, node);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of STATE) fs.copyFileSync(path.join(NODES, node, f), path.join(dir, f));
    expect(importPaths(store, [dir]).errors).toEqual([]);
    for (const [iface, name] of [['eth0', 'wire'], ['cbr0', 'pods']] as const) {
      const file = project.file(`${dbName}-files`, `${node}-${name}.pcap`);
      fs.copyFileSync(path.join(NODES, node, `${iface}.pcap`), file);
      expect(importPaths(store, [file], { node, interface: withOption ? iface : null }).errors).toEqual([]);
    }
  }
  stitchFlows(store);
  return listFlows(store);
}

describe('import --interface', () => {
  const clusterIp = (flows: FlowView[]): FlowView => flows.find((f) => f.original.dst === '10.96.0.10' && f.original.dport === 80)!;

  it('names the interface of every packet of a capture that does not say it, and stores it with the capture', () => {
    const flow = clusterIp(importLab('with.db', true));
    const packets = flow.observations.filter((o) => o.kind === 'packet');
    expect(new Set(packets.map((o) => `${o.node} ${o.interface} ${o.interfaceFrom}`))).toEqual(new Set([
      'nodea cbr0 import-option', 'nodea eth0 import-option', 'nodeb eth0 import-option', 'nodeb cbr0 import-option',
    ]));
    expect(flow.timeline.rewrites.filter((r) => r.node === 'nodea').map((r) => [r.kind, r.evidence, r.chain?.replace(/^KUBE-SEP-\w+$/, 'KUBE-SEP-*')])).toEqual([
      ['dnat', 'conntrack+rules', 'KUBE-SEP-*'], ['masquerade', 'conntrack+rules', 'KUBE-POSTROUTING'],
    ]);
  });

  it('without it the interfaces are unknown and the rewrites only conntrack\'s', () => {
    const flow = clusterIp(importLab('without.db', false));
    expect(new Set(flow.observations.filter((o) => o.kind === 'packet').map((o) => o.interface))).toEqual(new Set([null]));
    expect(flow.timeline.rewrites.filter((r) => r.node === 'nodea').every((r) => r.evidence === 'conntrack')).toBe(true);
  });
});
