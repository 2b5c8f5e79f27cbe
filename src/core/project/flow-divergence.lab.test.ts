import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../../../test/support/temp-project';
import { stitchFlows } from './flows-stitch';
import { listFlows } from './flows';
import { importPaths } from '../import/import-paths';
import { loadWorld } from './node-world';
import { projectFlowDivergence } from './flow-divergence';

const lab = path.resolve(process.cwd(), 'test/fixtures/lab/nodes');

/** nodeb's ruleset captured again with its FORWARD policy turned to DROP: the replay now stops there, the packets did not. */
function forwardDropTranscript(): string {
  const rules = fs.readFileSync(path.join(lab, 'nodeb', 'iptables-save.txt'), 'utf8');
  const dropped = rules.replace(/^:FORWARD ACCEPT /m, ':FORWARD DROP ');
  if (dropped === rules) throw new Error('the lab ruleset has no :FORWARD ACCEPT line to change');
  return `root@nodeb:~# iptables-save\n${dropped}root@nodeb:~# \n`;
}

const firstClusterIpFlow = (p: TempProject): number => {
  const flow = listFlows(p.store()).find((f) => f.original.sport === 40001 && f.original.dst === '10.96.0.10');
  if (flow === undefined) throw new Error('the lab has no 10.40.1.3:40001 → 10.96.0.10:80 flow');
  return flow.id;
};

describe('divergence view on the kernel lab', () => {
  const healthy = tempProject('divergence-lab');
  const faulty = tempProject('divergence-drop');
  beforeAll(() => {
    importPaths(healthy.store(), [lab]);
    stitchFlows(healthy.store());
    importPaths(faulty.store(), [lab]);
    importPaths(faulty.store(), [faulty.write('nodeb-after.txt', forwardDropTranscript())]);
    stitchFlows(faulty.store());
  });
  afterAll(() => {
    healthy.cleanup();
    faulty.cleanup();
  });

  it('the ClusterIP connection agrees with its replay at every captured point, bridge ports counted as their bridge', () => {
    const view = projectFlowDivergence(healthy.store(), firstClusterIpFlow(healthy));
    if (view?.kind !== 'replayed') throw new Error(`not replayed: ${JSON.stringify(view)}`);
    expect(view.start).toMatchObject({ node: 'nodea', in: 'veth-a2', local: false });
    expect(view.trace).toEqual({ node: 'nodea', proto: 'tcp', src: '10.40.1.3:40001', dst: '10.96.0.10:80', in: 'veth-a2' });
    const c = view.comparison!;
    expect(c.firstDivergence).toBeNull();
    expect(c.rows.map((r) => `${r.status} ${r.predicted?.node} ${r.predicted?.interface} ${r.predicted?.side}`)).toEqual([
      'agree nodea veth-a2 in', 'agree nodea eth0 out', 'agree nodeb eth0 in', 'agree nodeb cbr0 out',
    ]);
    expect(c.rows[0]!.also.map((a) => a.interface)).toContain('cbr0');
    expect(c.rows[1]!.predicted!.packet).toMatchObject({ src: '192.168.56.11', sport: 40001, dst: c.rows[1]!.captured!.packet.dst, dport: 8080 });
    expect(view.replies).toBeGreaterThan(0);
  });

  it('a FORWARD DROP the packets never met: the first difference is nodeb delivering what the replay drops', () => {
    const view = projectFlowDivergence(faulty.store(), firstClusterIpFlow(faulty));
    if (view?.kind !== 'replayed') throw new Error(`not replayed: ${JSON.stringify(view)}`);
    const c = view.comparison!;
    expect(c.verdict).toBe('drop');
    const first = c.rows[c.firstDivergence!]!;
    expect(first.status).toBe('unpredicted');
    expect(first.captured).toMatchObject({ node: 'nodeb', interface: 'cbr0' });
    expect(c.rows.slice(0, c.firstDivergence!).map((r) => r.status)).toEqual(['agree', 'agree', 'agree']);
    expect(c.headline).toMatch(/^First difference at nodeb cbr0: the capture shows 192\.168\.56\.11:40001 → 10\.40\.2\.\d+:8080 where the replay does not take the packet\.$/);
  });

  it('gives the same view on a world kept across requests', () => {
    const id = firstClusterIpFlow(faulty);
    const world = loadWorld(faulty.store());
    expect(projectFlowDivergence(faulty.store(), id, { world })).toEqual(projectFlowDivergence(faulty.store(), id));
    expect(projectFlowDivergence(faulty.store(), id, { world })).toEqual(projectFlowDivergence(faulty.store(), id, { world }));
  });

  it('answers null for a flow the project does not have', () => {
    expect(projectFlowDivergence(healthy.store(), 9999)).toBeNull();
  });
});
