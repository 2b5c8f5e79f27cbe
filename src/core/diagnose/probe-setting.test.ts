/** A probe that fails on another node than the one that ran it: the router its packet crosses has forwarding off. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { projectFindings } from '../project/findings';
import { tempProject } from '../../../test/support/temp-project';

const DIR = path.resolve(__dirname, '../../../test/fixtures/probe/forward-off');
const project = tempProject('probe-setting');
afterAll(() => project.cleanup());

describe('a probe dropped by a kernel setting on the way', () => {
  it('ties a timed-out ping and nc to the router that does not forward them, citing its sysctl line', () => {
    const store = project.store();
    expect(importPaths(store, [path.join(DIR, 'router.txt'), path.join(DIR, 'client.txt')]).errors).toEqual([]);
    const probes = projectFindings(store).filter((f) => f.kind.startsWith('probe-'));
    expect(probes.map((f) => [f.kind, f.severity, f.title])).toEqual([
      ['probe-failed', 'error', 'client: nc to 10.9.0.5:80 timed out: router does not forward it (net.ipv4.conf.r1.forwarding = 0)'],
      ['probe-failed', 'error', 'client: ping to 10.9.0.5 timed out: router does not forward it (net.ipv4.conf.r1.forwarding = 0)'],
    ]);
    for (const f of probes) {
      expect(f.nodes).toEqual(['client', 'router']);
      expect(f.evidence.at(-1)).toEqual({ source: expect.stringMatching(/router\.txt:41$/), text: 'net.ipv4.conf.r1.forwarding = 0' });
      expect(f.explanation).toContain('without an ICMP error');
      expect(f.explanation).not.toContain('Note:');
    }
  });
});
