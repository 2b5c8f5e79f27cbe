import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../../core/import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import type { CliIo } from '../cli-io';
import { flowsCommand } from './flows-command';

const project = useTempProject('flows-command');

describe('natlens flows', () => {
  it('says which captures are twins counted once, and keeps names and counts in --json', async () => {
    const store = project().store();
    expect(importPaths(store, [path.resolve('test/fixtures/lab/nodes')]).errors).toEqual([]);
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: () => undefined, stderrIsTty: false };
    expect(await flowsCommand.run(['--db', project().dbPath], io)).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/nodea\/eth0\.tcpdump\.txt:1: the same packets as \S*nodea\/eth0\.pcap, counted once/);
    expect(text).not.toContain('retransmissions');
    out.length = 0;
    expect(await flowsCommand.run(['--db', project().dbPath, '--json'], io)).toBe(0);
    const flows = JSON.parse(out.join('')) as Array<{ proto: string; observations: Array<{ source: string; interface: string | null; time: string | null }> }>;
    expect(flows.map((f) => f.proto)).toContain('icmp');
    for (const f of flows) {
      for (const o of f.observations) {
        expect(o.source).not.toMatch(/tcpdump\.txt/);
        expect(o.time?.startsWith('1970') ?? false).toBe(false);
      }
    }
  });

  it('keeps only the flows a --filter expression matches, and refuses one it cannot read as a usage error naming the column', async () => {
    const store = project().store();
    expect(importPaths(store, [path.resolve('test/fixtures/lab/nodes')]).errors).toEqual([]);
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: () => undefined, stderrIsTty: false };
    expect(await flowsCommand.run(['--db', project().dbPath, '--json', '--observations', '0'], io)).toBe(0);
    const all = JSON.parse(out.join('')) as Array<{ id: number; proto: string }>;
    out.length = 0;
    expect(await flowsCommand.run(['--db', project().dbPath, '--json', '--observations', '0', '--filter', 'icmp'], io)).toBe(0);
    const icmp = JSON.parse(out.join('')) as Array<{ id: number; proto: string }>;
    expect(icmp.length).toBeGreaterThan(0);
    expect(icmp).toEqual(all.filter((f) => f.proto === 'icmp'));
    out.length = 0;
    expect(await flowsCommand.run(['--db', project().dbPath, '--filter', 'host 192.0.2.99'], io)).toBe(0);
    expect(out.join('')).toContain('no flow matches the filter');
    await expect(flowsCommand.run(['--db', project().dbPath, '--filter', 'port 8080 and'], io)).rejects.toThrow('--filter does not read at column 14: the expression ends after an operator');
  });

  it('names the tunnel a hop was seen in, in the text and in the --json timeline', async () => {
    const store = project().store();
    expect(importPaths(store, [path.resolve('test/fixtures/pcap-overlay/overlay-vxlan-8472.pcap')]).errors).toEqual([]);
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: () => undefined, stderrIsTty: false };
    expect(await flowsCommand.run(['--db', project().dbPath, '--filter', 'tcp'], io)).toBe(0);
    const hops = out.join('').split('\n').filter((l) => /^ {2}\d\d:/.test(l));
    expect(hops).toHaveLength(2);
    expect(hops[0]).toMatch(/10\.244\.1\.5:\d+ > 10\.244\.2\.7:80 .* ×6 {2}in VXLAN 1 \(192\.168\.77\.1 → 192\.168\.77\.2\)$/);
    expect(hops[1]).toMatch(/10\.244\.2\.7:80 > 10\.244\.1\.5:\d+ .* ×4 {2}in VXLAN 1 \(192\.168\.77\.2 → 192\.168\.77\.1\)$/);
    out.length = 0;
    expect(await flowsCommand.run(['--db', project().dbPath, '--json', '--filter', 'tcp'], io)).toBe(0);
    const [flow] = JSON.parse(out.join('')) as Array<{ timeline: { hops: Array<{ direction: string; tunnel: unknown }> } }>;
    expect(flow!.timeline.hops.map((h) => [h.direction, h.tunnel])).toEqual([
      ['original', { kind: 'vxlan', vni: 1, src: '192.168.77.1', dst: '192.168.77.2', dport: 8472 }],
      ['reply', { kind: 'vxlan', vni: 1, src: '192.168.77.2', dst: '192.168.77.1', dport: 8472 }],
    ]);
  });
});
