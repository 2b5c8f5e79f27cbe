import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importPaths } from '../../core/import/import-paths';
import { traceProject } from '../../core/project/project-trace';
import { Store } from '../../core/model/store';
import { UsageError } from '../command';
import { traceRequestFromArgv } from './trace-command';

const repo = process.cwd();
const LAB = path.join(repo, 'test/fixtures/lab/nodes');
// A pod's packet entering nodea through veth-a1, a port of bridge cbr0.
const FROM_POD = ['--node', 'nodea', '--proto', 'tcp', '--src', '10.40.1.3:40001', '--dst', '10.96.0.10:80', '--in', 'veth-a1'];

let dir: string;
let store: Store;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-trace-brnf-'));
  store = Store.open(path.join(dir, 'lab.db'));
  expect(importPaths(store, [LAB]).errors).toEqual([]);
});
afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const caveats = (argv: string[]): string[] => traceProject(store, traceRequestFromArgv(argv).request, { snapshot: null }).outcomes.flatMap((o) => o.caveats);

describe('trace --bridge-nf', () => {
  it('leaves br_netfilter unset (assumed on) without the flag, and reads on and off', () => {
    expect(traceRequestFromArgv(FROM_POD).request.bridgeNetfilter).toBeUndefined();
    expect(traceRequestFromArgv([...FROM_POD, '--bridge-nf', 'on']).request.bridgeNetfilter).toBe(true);
    expect(traceRequestFromArgv([...FROM_POD, '--bridge-nf=OFF']).request.bridgeNetfilter).toBe(false);
  });

  it('refuses a value other than on or off as a usage error', () => {
    expect(() => traceRequestFromArgv([...FROM_POD, '--bridge-nf', 'maybe'])).toThrow(UsageError);
    expect(() => traceRequestFromArgv([...FROM_POD, '--bridge-nf', 'maybe'])).toThrow(/--bridge-nf takes on or off, not "maybe"/);
    expect(() => traceRequestFromArgv([...FROM_POD, '--bridge-nf'])).toThrow(UsageError);
    const r = spawnSync(process.execPath, [path.join(repo, 'bin', 'natlens'), 'trace', '--db', path.join(dir, 'lab.db'), ...FROM_POD, '--bridge-nf', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--bridge-nf takes on or off/);
  });

  it('reaches the simulator: the br_netfilter caveat only when it is assumed', () => {
    const assumed = /bridge-nf-call-iptables is not in the captures; assumed 1/;
    expect(caveats(FROM_POD).some((c) => assumed.test(c))).toBe(true);
    expect(caveats([...FROM_POD, '--bridge-nf', 'on']).some((c) => assumed.test(c))).toBe(false);
    expect(caveats([...FROM_POD, '--bridge-nf', 'off']).some((c) => assumed.test(c))).toBe(false);
  });
});
