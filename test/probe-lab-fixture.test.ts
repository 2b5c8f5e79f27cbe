/**
 * The transcript the probe kernel-truth lab wrote (test/fixtures/probe/lab/node-probes.txt, by
 * scripts/lab/make-probe-transcripts.sh): real curl, nc and ping outputs against a working service, a no-endpoints
 * REJECT, an OUTPUT DROP and a missing route, with the node's iptables-save, ip addr and ip route. Checked here
 * without root, as test/kernel-truth/probe.test.ts checks the lab's fresh output.
 */
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { importPaths } from '../src/core/import/import-paths';
import { projectFindings } from '../src/core/project/findings';
import { tempProject } from './support/temp-project';
import { expectProbeFindings, PROBES } from './support/probe-lab';

const FIXTURE = path.resolve(__dirname, 'fixtures/probe/lab/node-probes.txt');
const project = tempProject('probe-lab-fixture');
afterAll(() => project.cleanup());

it('the lab\'s probes are read as the kernel answered them and tied to their rules and routes', () => {
  const store = project.store();
  const result = importPaths(store, [FIXTURE]);
  expect(result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  const probes = store.probeCaptures().flatMap((c) => store.probesOf(c.captureId));
  expect(probes.map((p) => [p.tool, p.dst, p.dport, p.outcome])).toEqual(PROBES.map((p) => [p.tool, p.dst, p.dport, p.outcome]));
  expectProbeFindings(projectFindings(store), 'node-probes.txt');
});
