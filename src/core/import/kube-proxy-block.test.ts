/** What an import stores of kube-proxy's services: one block per capture, kubectl's as rows. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import type { Store } from '../model/store';
import { importPaths } from './import-paths';
import { useTempProject } from '../../../test/support/temp-project';

const project = useTempProject('kube-proxy-block');
const store = (): Store => project().store();
const rows = (table: string): number => store().db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const blocks = (): unknown[] => store().db.prepare('SELECT capture_id, origin, services, endpoints FROM service_blocks ORDER BY capture_id').raw(true).all();

describe('kube-proxy services on import', () => {
  it('are one block per iptables capture (iptables-save and iptables -L), no service, port or endpoint rows', () => {
    const report = importPaths(store(), [path.join('test', 'fixtures', 'lab', 'nodes')]);
    expect(report.errors).toEqual([]);
    const ids = report.nodes.flatMap((n) => n.captures.filter((c) => c.kind === 'iptables-save' || c.kind === 'iptables-list').map((c) => c.id));
    expect(ids).toHaveLength(4);
    expect(blocks()).toEqual(ids.sort((a, b) => a - b).map((id) => [id, 'kube-proxy', 1, 2]));
    expect([rows('services'), rows('service_ports'), rows('endpoints')]).toEqual([0, 0, 0]);
    expect([store().count('services'), store().count('endpoints')]).toEqual([4, 8]);
  });

  it('store nothing for a ruleset without kube-proxy chains', () => {
    const file = project().write('plain.save', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n');
    expect(importPaths(store(), [file]).errors).toEqual([]);
    expect(blocks()).toEqual([]);
  });

  it('leave kubectl\'s services and endpoints as rows', () => {
    const report = importPaths(store(), [path.join('test', 'fixtures', 'kubectl', 'get-all-wide.txt')]);
    expect(report.errors).toEqual([]);
    expect(blocks()).toEqual([]);
    expect(rows('services')).toBeGreaterThan(0);
  });
});
