/**
 * Kernel truth for the fault lab: scripts/lab/faults.sh rerun in fresh namespaces must reproduce every
 * committed scenario of test/fixtures/lab-faults — each fault ends its traffic the same way (refused, timed
 * out, answered), and the expected findings cite the same rules at the same file:line. Needs root, `ip netns`
 * and the lab's tools; skipped with one line otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kernelLabUnavailable } from './netns';
import { FAULT_SCENARIOS, LAB_FAULTS_DIR, readFaultScenario, scenarioShape } from '../real/lab-faults';

const LAB_TOOLS = ['tcpdump', 'brctl', 'bridge', 'nstat', 'iptables-restore', 'conntrack'];

function unavailable(): string | null {
  const kernel = kernelLabUnavailable();
  if (kernel !== null) return kernel;
  const missing = LAB_TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  return missing.length > 0 ? `missing ${missing.join(', ')}` : null;
}

const why = unavailable();
if (why !== null) console.warn(`fault lab kernel-truth test skipped: ${why}`);

describe.skipIf(why !== null)('scripts/lab/faults.sh rerun in the kernel', () => {
  let out: string;
  let run: { status: number | null; stderr: string };

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-faults-'));
    const r = spawnSync('bash', [path.resolve('scripts/lab/faults.sh'), out], { encoding: 'utf8', timeout: 240_000 });
    run = { status: r.status, stderr: r.stderr };
  }, 250_000);

  afterAll(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('runs every scenario and every fault reproduces', () => {
    expect(run.stderr).not.toMatch(/did not reproduce/);
    expect(run.status, run.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([...FAULT_SCENARIOS].sort());
  });

  it.each(FAULT_SCENARIOS.map((s) => [s]))('%s: same outcomes and the same cited rules as the committed fixture', (name) => {
    const fresh = readFaultScenario(out, name);
    const committed = readFaultScenario(path.resolve(LAB_FAULTS_DIR), name);
    expect(scenarioShape(fresh)).toEqual(scenarioShape(committed));
  });

  it('leaves none of its namespaces behind', () => {
    const suffixes = [...run.stderr.matchAll(/namespaces suffix ([0-9a-f]{4})/g)].map((m) => m[1]!);
    expect(suffixes).toHaveLength(FAULT_SCENARIOS.length);
    const names = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
    expect(names.filter((n) => suffixes.some((s) => n.startsWith('nl-') && n.endsWith(`-${s}`)))).toEqual([]);
  });
});
