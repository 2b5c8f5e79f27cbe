/**
 * A probe's symptom tied to its cause on the node that ran it (test/fixtures/probe/probes-hand.txt, written by hand):
 * refused ↔ kube-proxy's no-endpoints REJECT, timed out ↔ an OUTPUT DROP, no route ↔ the missing route (also after a
 * service's DNAT), and a failed probe the captured rules deliver said as such; an answered probe is no finding.
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import type { Store } from '../model/store';
import { projectFindings } from '../project/findings';
import { tempProject } from '../../../test/support/temp-project';
import type { ProjectFinding } from './finding';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/probe/probes-hand.txt');
const project = tempProject('probe-findings');
afterAll(() => project.cleanup());

describe('findings of the probes in a transcript', () => {
  let store: Store;
  let probes: ProjectFinding[];
  beforeAll(() => {
    store = project.store();
    expect(importPaths(store, [FIXTURE]).errors).toEqual([]);
    probes = projectFindings(store).filter((f) => f.kind.startsWith('probe-'));
  });
  const about = (dst: string) => probes.find((f) => f.id.includes(`:${dst}:`));
  const at = (line: number) => expect.stringMatching(new RegExp(`probes-hand\\.txt:${line}$`));

  it('a refused curl is kube-proxy\'s REJECT of a service without endpoints, with both lines', () => {
    expect(about('10.96.0.10')).toMatchObject({
      kind: 'probe-failed', severity: 'error', service: 'default/web:http',
      title: 'node-a: curl to 10.96.0.10:80 was refused: default/web:http has no endpoints',
      evidence: [
        { source: at(37), text: 'curl: (7) Failed to connect to 10.96.0.10 port 80 after 0 ms: Connection refused' },
        { source: at(23), text: expect.stringContaining('"default/web:http has no endpoints"') },
      ],
      trace: { node: 'node-a', proto: 'tcp', src: '10.0.0.2:40000', dst: '10.96.0.10:80', local: true },
    });
  });

  it('a timed-out nc is the OUTPUT DROP rule', () => {
    expect(about('10.0.0.99')).toMatchObject({
      kind: 'probe-failed', title: 'node-a: nc to 10.0.0.99:443 timed out: node-a drops it in filter/OUTPUT',
      evidence: [{ source: at(39) }, { source: at(22), text: '-A OUTPUT -d 10.0.0.99/32 -j DROP' }],
    });
  });

  it('unreachable network: the missing route, directly and after a service DNAT to an unrouted pod', () => {
    expect(about('10.244.1.5')).toMatchObject({ kind: 'probe-failed', title: 'node-a: ping to 10.244.1.5 found no route: node-a has no route to 10.244.1.5' });
    const dnat = about('10.96.0.20')!;
    expect(dnat).toMatchObject({ kind: 'probe-failed', service: 'default/api:http', title: 'node-a: curl to 10.96.0.20:80 found no route: node-a has no route to 10.244.1.5' });
    expect(dnat.explanation).toContain('after DNAT to 10.244.1.5:8080 for default/api:http');
  });

  it('a failure the captured rules and routes do not explain is said, with what lies outside them', () => {
    const refused = about('10.0.0.3')!;
    expect(refused).toMatchObject({ kind: 'probe-unexplained', severity: 'warning', title: 'node-a: nc to 10.0.0.3:22 was refused, yet the captured rules and routes deliver it' });
    expect(refused.explanation).toContain('the cause is outside what was captured: nothing listening on 10.0.0.3:22');
    expect(about('10.0.0.7')!.explanation).toContain('the packet or its answer lost beyond the captured nodes');
  });

  it('a probe run in a pod (kubectl exec) is not replayed as the node\'s own packet', () => {
    const pod = project.store('pod.db');
    const file = project.file('pod.txt');
    writeFileSync(file, 'me@ws:~$ kubectl exec -it web-0 -- curl -sS -m 2 10.96.0.10\ncurl: (28) Connection timed out after 2001 milliseconds\n');
    expect(importPaths(pod, [FIXTURE, file]).errors).toEqual([]);
    const f = projectFindings(pod).find((x) => x.kind.startsWith('probe-') && x.evidence.some((e) => e.source.endsWith('pod.txt:2')));
    expect(f).toMatchObject({ kind: 'probe-unexplained', trace: null });
    expect(f!.explanation).toContain('it ran in network namespace web-0');
  });

  it('an answered probe (curl -I 10.0.0.3 got HTTP 200) is no finding', () => {
    expect(probes.filter((f) => f.id.includes(':10.0.0.3:80:'))).toEqual([]);
    expect(probes).toHaveLength(6);
  });
});
