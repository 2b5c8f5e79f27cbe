/** Hostile use: two processes import into one project at once; the second waits its turn instead of failing "database is locked". */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { natlens } from '../real/natlens-cli';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-concurrent');
const bin = path.join(process.cwd(), 'bin', 'natlens');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `natlens args`; `started` resolves once its stderr has shown `marker` (it is then inside its import). */
function start(args: readonly string[], marker: RegExp): { started: Promise<void>; done: Promise<Finished> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (marker.test(stderr)) onStarted();
  });
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => {
    onStarted();
    resolve({ code, stdout, stderr });
  }));
  return { started, done };
}

describe('two imports into one project at the same time', () => {
  it('lets the second CLI import wait for the first one writing, and both are stored', async () => {
    const p = project();
    const pcap = p.file('big.pcap');
    writeSyntheticPcap(pcap, 300_000);
    const small = p.write('ip-addr.txt', fs.readFileSync(path.join(process.cwd(), 'test/fixtures/text/ip-addr.txt')));
    const first = start(['import', '--db', p.dbPath, '--node', 'a', pcap], /importing .*big\.pcap/);
    await first.started;
    const second = start(['import', '--db', p.dbPath, '--node', 'b', '--json', small], /$^/);
    const [one, two] = await Promise.all([first.done, second.done]);
    expect(one.stderr).not.toContain('locked');
    expect(one.code).toBe(0);
    expect(two.stderr).not.toContain('locked');
    expect(two.code).toBe(0);
    expect(JSON.parse(two.stdout)).toMatchObject({ errors: [], nodes: [{ name: 'b', captures: [{ kind: 'ip-addr' }] }] });
    const nodes = JSON.parse(natlens(['nodes', '--db', p.dbPath, '--json']).stdout) as Array<{ name: string; captures: unknown[] }>;
    expect(nodes.map((n) => [n.name, n.captures.length]).sort()).toEqual([['a', 1], ['b', 1]]);
  });

  it('lets two processes create a new project at the same time (the schema is made once)', async () => {
    const p = project();
    const fixture = path.join(process.cwd(), 'test/fixtures/text');
    const runs = await Promise.all(['ip-addr.txt', 'ip-route.txt', 'conntrack-L.txt'].map((f, i) =>
      start(['import', '--db', p.dbPath, '--node', `n${i}`, path.join(fixture, f)], /$^/).done));
    for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: expect.not.stringContaining('locked') });
  });
});
