/** `natlens import` then `natlens flows --json` of a kernel trace with only the node's ruleset beside it: the traced connection is a flow. */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../test/support/temp-project';
import type { FlowView } from '../../core/project/flows';
import type { CliIo } from '../cli-io';
import { flowsCommand } from './flows-command';
import { importCommand } from './import-command';

const FIXTURES = path.resolve('test', 'fixtures', 'kernel-trace');
const project = useTempProject('flows-kernel-trace-cli');

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTty: false };
}

/** Imports the trace and the ruleset as node `s`'s, and answers `flows --json` with what import and flows said on stderr. */
async function traceFlows(trace: string, ruleset: string): Promise<{ flows: FlowView[]; imported: { flows?: { flows: number; tracedFlows?: number } }; err: string }> {
  const dir = project().file('nodes/s');
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(FIXTURES, trace), path.join(dir, trace));
  copyFileSync(path.join(FIXTURES, ruleset), path.join(dir, 'iptables-save.txt'));
  const db = project().dbPath;
  const importing = io();
  expect(await importCommand.run(['--db', db, '--json', project().file('nodes')], importing)).toBe(0);
  const listing = io();
  expect(await flowsCommand.run(['--db', db, '--json'], listing)).toBe(0);
  return { flows: JSON.parse(listing.out.join('')) as FlowView[], imported: JSON.parse(importing.out.join('')), err: importing.err.join('') };
}

const traced = (f: FlowView): Array<[string | null, string | null, string, string | null]> =>
  f.observations.filter((o) => o.kind === 'kernel-trace').map((o) => [o.hook!.table, o.hook!.chain, `${o.packet.dst}:${o.packet.dport}`, o.stage]);

describe('natlens flows --json of a kernel trace and its ruleset alone', () => {
  it('legacy TRACE lines from dmesg: the connection to the Service IP, DNAT\'d by the ruleset\'s KUBE-SVC rule', async () => {
    const { flows, imported, err } = await traceFlows('legacy-dmesg.txt', 'legacy-iptables-save.txt');
    expect(imported.flows).toMatchObject({ flows: 1, tracedFlows: 1 });
    expect(err).toMatch(/into 1 flows \(1 from the kernel trace alone\)/);
    expect(flows).toHaveLength(1);
    const [flow] = flows;
    expect(flow).toMatchObject({
      id: 1, proto: 'tcp', evidence: 'kernel-trace', nat: ['dnat'], service: null,
      original: { src: '10.77.0.1', sport: 52156, dst: '10.96.0.10', dport: 80 },
      reply: { src: '10.77.0.2', sport: 8080, dst: '10.77.0.1', dport: 52156 },
    });
    expect(traced(flow!).slice(0, 4)).toEqual([
      ['raw', 'PREROUTING', '10.96.0.10:80', 'pre-NAT'],
      ['nat', 'PREROUTING', '10.96.0.10:80', 'pre-NAT'],
      ['nat', 'KUBE-SVC', '10.96.0.10:80', 'pre-NAT'],
      ['filter', 'INPUT', '10.77.0.2:8080', 'post-NAT'],
    ]);
    expect(flow!.observations.find((o) => o.hook?.chain === 'KUBE-SVC')!.hook).toMatchObject({ ruleFrom: 'ruleset', ruleSource: expect.stringMatching(/iptables-save\.txt:26$/) });
    expect(flow!.timeline.rewrites.map((r) => [r.kind, r.to, r.chain, r.line, r.evidence])).toEqual([['dnat', '10.77.0.2:8080', 'KUBE-SVC', 26, 'rules']]);
  });

  it.each([
    ['nft monitor trace', 'nft-monitor-trace.txt', 8],
    ['xtables-monitor --trace', 'xtables-monitor-trace.txt', 5],
  ])('%s: the dropped connection to the Service IP, DNAT\'d to port 8081', async (_name, trace, lines) => {
    const { flows } = await traceFlows(trace, 'nft-iptables-save.txt');
    expect(flows.map((f) => [f.evidence, f.nat, f.original, f.reply])).toEqual([[
      'kernel-trace', ['dnat'], { src: '10.77.0.1', sport: 40568, dst: '10.96.0.11', dport: 80 }, { src: '10.77.0.2', sport: 8081, dst: '10.77.0.1', dport: 40568 },
    ]]);
    const hooks = traced(flows[0]!);
    expect(hooks).toHaveLength(lines);
    expect(hooks[hooks.length - 1]).toEqual(['filter', 'INPUT', '10.77.0.2:8081', 'post-NAT']);
    expect(flows[0]!.timeline.rewrites.map((r) => [r.kind, r.to, r.chain])).toEqual([['dnat', '10.77.0.2:8081', 'KUBE-SVC']]);
  });
});
