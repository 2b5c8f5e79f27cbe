/**
 * The probes of the probe kernel-truth lab (test/kernel-truth/probe.test.ts) and what natlens must say of them: shared
 * by that test and by test/probe-lab-fixture.test.ts, which checks the transcript the lab wrote (test/fixtures/probe/lab).
 */
import { expect } from 'vitest';
import type { ProjectFinding } from '../../src/core/diagnose/finding';
import type { ProbeOutcome, ProbeTool } from '../../src/core/records/records';

export const NODE_NAME = 'node-a';

export interface LabProbe {
  command: string;
  tool: ProbeTool;
  dst: string;
  dport: number | null;
  /** What the kernel made of it, as the tool printed it. */
  outcome: ProbeOutcome;
}

export const PROBES: readonly LabProbe[] = [
  // (a) the service DNAT that works
  { command: 'curl -sS -I -m 3 http://10.96.0.10/', tool: 'curl', dst: '10.96.0.10', dport: 80, outcome: 'answered' },
  { command: 'nc -zv -w 2 10.77.1.5 8080', tool: 'nc', dst: '10.77.1.5', dport: 8080, outcome: 'answered' },
  { command: 'ping -c 1 -W 1 10.77.1.5', tool: 'ping', dst: '10.77.1.5', dport: null, outcome: 'answered' },
  // (b) kube-proxy's REJECT of a service without endpoints
  // curl 8 says only "Couldn't connect to server"; with -v its connect line names the errno.
  { command: 'curl -sS -m 3 http://10.96.0.20/', tool: 'curl', dst: '10.96.0.20', dport: 80, outcome: 'failed' },
  { command: 'curl -sv -m 3 http://10.96.0.20/', tool: 'curl', dst: '10.96.0.20', dport: 80, outcome: 'refused' },
  { command: 'nc -zv -w 2 10.96.0.20 80', tool: 'nc', dst: '10.96.0.20', dport: 80, outcome: 'refused' },
  // (c) an OUTPUT DROP
  { command: 'nc -zv -w 2 10.77.1.5 9000', tool: 'nc', dst: '10.77.1.5', dport: 9000, outcome: 'timed-out' },
  { command: 'curl -sS -m 2 http://10.77.1.5:9000/', tool: 'curl', dst: '10.77.1.5', dport: 9000, outcome: 'timed-out' },
  // (d) no route: to the address, and to a service DNAT'd to it
  { command: 'ping -c 1 -W 1 10.55.0.5', tool: 'ping', dst: '10.55.0.5', dport: null, outcome: 'no-route' },
  // DNATed in OUTPUT to an address with no route: the rerouted SYN is lost, the connect times out.
  { command: 'curl -sS -m 3 http://10.96.0.30/', tool: 'curl', dst: '10.96.0.30', dport: 80, outcome: 'timed-out' },
];

/** The findings natlens must give the lab's probes: each failed one tied to its rule or route, the answered ones none. */
export function expectProbeFindings(findings: readonly ProjectFinding[], file: string): void {
  const probe = findings.filter((f) => f.kind === 'probe-failed' || f.kind === 'probe-unexplained');
  const of = (dst: string, dport: number | null, outcome: ProbeOutcome, tool: ProbeTool) =>
    probe.find((f) => f.id === `probe-failed:${NODE_NAME}:${tool}:${dst}${dport === null ? '' : `:${dport}`}:${outcome}`);
  const inFile = expect.stringMatching(new RegExp(`${file.replace('.', '\\.')}:\\d+$`));
  const reject = expect.stringContaining('--comment "default/empty:http has no endpoints"');
  for (const [tool, outcome] of [['curl', 'failed'], ['curl', 'refused'], ['nc', 'refused']] as const) {
    expect(of('10.96.0.20', 80, outcome, tool)).toMatchObject({
      severity: 'error', service: 'default/empty:http', title: expect.stringContaining('default/empty:http has no endpoints'),
      evidence: expect.arrayContaining([{ source: inFile, text: reject }]),
    });
  }
  for (const tool of ['curl', 'nc'] as const) {
    expect(of('10.77.1.5', 9000, 'timed-out', tool)).toMatchObject({
      severity: 'error', title: expect.stringContaining('drops it in filter/OUTPUT'),
      evidence: expect.arrayContaining([{ source: inFile, text: '-A OUTPUT -d 10.77.1.5/32 -p tcp -m tcp --dport 9000 -j DROP' }]),
    });
  }
  expect(of('10.55.0.5', null, 'no-route', 'ping')).toMatchObject({ severity: 'error', title: `${NODE_NAME}: ping to 10.55.0.5 found no route: ${NODE_NAME} has no route to 10.55.0.5` });
  const moved = of('10.96.0.30', 80, 'timed-out', 'curl')!;
  expect(moved).toMatchObject({ severity: 'error', service: 'default/moved:http', title: expect.stringContaining(`${NODE_NAME} has no route to 10.55.0.5`) });
  expect(moved.explanation).toContain('after DNAT to 10.55.0.5:8080 for default/moved:http');
  expect(moved.evidence).toContainEqual({ source: inFile, text: '-A KUBE-SEP-MOVED -p tcp -m comment --comment "default/moved:http" -m tcp -j DNAT --to-destination 10.55.0.5:8080' });
  // The answered probes are no finding, and nothing is left unexplained.
  expect(probe.map((f) => f.id).sort()).toHaveLength(7);
  expect(probe.filter((f) => f.kind === 'probe-unexplained')).toEqual([]);
}
