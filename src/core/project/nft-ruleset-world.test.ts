import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { loadWorld } from './node-world';
import { tracePacket } from '../simulate/trace-packet';
import { useTempProject } from '../../../test/support/temp-project';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/nft');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

describe('a node whose rules natlens read from nft list ruleset', () => {
  const project = useTempProject('nft-world');

  it('replays on them, quoting the line nft printed with its file:line', () => {
    const p = project();
    const store = p.store();
    const report = importPaths(store, [p.write('n1/nft.txt', fixture('kube-proxy/LabClusterIP.nft'))], { node: 'n1' });
    expect(report.errors).toEqual([]);
    const [n1] = loadWorld(store);
    expect(n1!.ruleset!.origin).toMatchObject({ format: 'nft', partial: false });
    const result = tracePacket([n1!], { node: 'n1', proto: 'tcp', src: '10.0.0.5', sport: 40000, dst: '10.96.0.10', dport: 80, in: 'eth0', follow: false });
    const dnat = result.outcomes.flatMap((o) => o.steps).find((s) => s.nat?.kind === 'dnat');
    expect(dnat?.rule).toMatch(/^meta l4proto tcp +counter packets \d+ bytes \d+ dnat to 10\.244\.\d+\.\d+:8080$/);
    expect(dnat?.line).toBeGreaterThan(0);
  });

  it('beside iptables-save of the same node (a collector bundle holds both), the iptables-save reading stands alone', () => {
    const p = project();
    const store = p.store();
    const files = [p.write('n1/iptables-nft-save.txt', fixture('kube-proxy/LabClusterIP.nft-save')), p.write('n1/nft-ruleset.txt', fixture('kube-proxy/LabClusterIP.nft'))];
    const report = importPaths(store, files, { node: 'n1' });
    expect(report.errors).toEqual([]);
    expect(report.nodes[0]!.captures.map((c) => c.kind).sort()).toEqual(['iptables-save', 'nft-ruleset']);
    const [n1] = loadWorld(store);
    expect(n1!.ruleset!.origin.format).toBe('iptables-save');
    expect(n1!.ruleset!.tables.flatMap((t) => t.chains.flatMap((c) => c.rules)).every((r) => r.text.startsWith('-A '))).toBe(true);
  });
});
