import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../contract/api-error';
import { runOperation, sharedHandlers, type OperationContext, type OperationOffload } from './handlers';
import { JobRegistry } from './jobs';
import { OperationPool } from './operation-pool';
import { Project, type ProjectStore } from './project';

// A stand-in worker speaking the pool's protocol: it answers `listFlows` with its own thread id and how many
// tasks it has run, blocks (synchronously, as stitching does) while the request's `limit` says so, and dies on `flowDetail`.
const FAKE_WORKER = `
const { parentPort, threadId } = require('node:worker_threads');
let ran = 0;
const park = new Int32Array(new SharedArrayBuffer(4));
parentPort.on('message', (task) => {
  ran++;
  if (task.name === 'flowDetail') process.exit(3);
  if (task.name === 'findings') return parentPort.postMessage({ kind: 'failed', id: task.id, error: { code: 'rejected', message: 'no findings here' } });
  if (task.request.limit > 1) Atomics.wait(park, 0, 0, task.request.limit);
  parentPort.postMessage({ kind: 'result', id: task.id, value: { threadId, ran, name: task.name, changes: task.changes } });
});
`;

let dir: string;
let script: string;
const pools: OperationPool[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-operation-pool-'));
  script = path.join(dir, 'fake-worker.cjs');
  fs.writeFileSync(script, FAKE_WORKER);
  fs.writeFileSync(path.join(dir, 'p.db'), '');
});
afterEach(async () => {
  for (const pool of pools.splice(0)) {
    pool.dispose();
    await pool.settled();
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function pool(size = 2): OperationPool {
  const p = new OperationPool({ script, size });
  pools.push(p);
  return p;
}

function project(): Project {
  return new Project(path.join(dir, 'p.db'), () => ({ close: () => undefined }) as unknown as ProjectStore);
}

const NEVER = new AbortController().signal;
type Echo = { threadId: number; ran: number; name: string; changes: number };
const flows = (p: OperationPool, limit: number, signal = NEVER): Promise<Echo> =>
  p.run(project(), 'web', 'listFlows', { offset: 0, limit }, signal) as unknown as Promise<Echo>;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('OperationPool', () => {
  it('answers a second request on another worker while the first one blocks its thread', async () => {
    const p = pool(2);
    let slowDone = false;
    const slow = flows(p, 400).then((r) => ((slowDone = true), r));
    await until(() => p.stats().running === 1);
    const quick = await p.run(project(), 'web', 'topologySummary', {}, NEVER) as unknown as Echo;
    expect(slowDone).toBe(false);
    expect(quick.threadId).not.toBe((await slow).threadId);
    expect(p.stats()).toMatchObject({ workers: 2, running: 0, queued: 0 });
  });

  it('queues past its size, in order, and sends an operation back to the worker that ran it last', async () => {
    const p = pool(1);
    const first = flows(p, 50);
    const second = flows(p, 1);
    expect(p.stats()).toMatchObject({ workers: 1, running: 1, queued: 1 });
    const [a, b] = await Promise.all([first, second]);
    expect(b.threadId).toBe(a.threadId);
    expect(b.ran).toBe(2);
  });

  it('tells the worker how many writes (imports) the project has seen, so it reopens its connection after one', async () => {
    const p = pool(1);
    const shared = project();
    const before = (await p.run(shared, 'web', 'listFlows', { offset: 0, limit: 1 }, NEVER)) as unknown as Echo;
    await shared.write(() => Promise.resolve());
    const after = (await p.run(shared, 'web', 'listFlows', { offset: 0, limit: 1 }, NEVER)) as unknown as Echo;
    expect([before.changes, after.changes]).toEqual([0, 1]);
  });

  it('terminates the worker of a cancelled request and starts a fresh one for the next', async () => {
    const p = pool(1);
    const warm = await flows(p, 1);
    const stop = new AbortController();
    const cancelled = flows(p, 60_000, stop.signal);
    await until(() => p.stats().running === 1);
    stop.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    await p.settled();
    expect(p.stats()).toEqual({ workers: 0, running: 0, queued: 0, cancelled: 1 });
    const next = await flows(p, 1);
    expect(next.threadId).not.toBe(warm.threadId);
    expect(next.ran).toBe(1);
  });

  it('drops a cancelled request that was still queued without touching the busy worker', async () => {
    const p = pool(1);
    const busy = flows(p, 100);
    const stop = new AbortController();
    const queued = flows(p, 1, stop.signal);
    stop.abort();
    await expect(queued).rejects.toBeInstanceOf(ApiError);
    expect((await busy).ran).toBe(1);
    expect(p.stats()).toMatchObject({ workers: 1, cancelled: 1 });
  });

  it('passes the worker\'s refusal on as the same ApiError, and a worker that dies as an internal error', async () => {
    const p = pool(1);
    await expect(p.run(project(), 'web', 'findings', {}, NEVER)).rejects.toMatchObject({ code: 'rejected', message: 'no findings here' });
    await expect(p.run(project(), 'web', 'flowDetail', { id: 1 }, NEVER)).rejects.toMatchObject({ code: 'internal' });
    expect((await flows(p, 1)).ran).toBe(1);
  });

  it('on dispose rejects running and queued requests as cancelled and terminates its workers', async () => {
    const p = pool(1);
    const running = flows(p, 60_000);
    const queued = flows(p, 1);
    await until(() => p.stats().running === 1);
    p.dispose();
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    await expect(queued).rejects.toMatchObject({ code: 'cancelled' });
    await p.settled();
    expect(p.stats().workers).toBe(0);
    await expect(flows(p, 1)).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('runOperation with an offload', () => {
  const calls: string[] = [];
  const offload: OperationOffload = {
    run: (_project, _shell, name) => {
      calls.push(name);
      return Promise.resolve([] as never);
    },
  };
  const store = { listNodes: () => [], close: () => undefined } as unknown as ProjectStore;
  const ctx = (p: Project) => (): OperationContext => ({ project: p, shell: 'web', jobs: new JobRegistry(), progress: () => undefined, signal: NEVER });

  it('sends the operations the table marks heavy there, and answers the light ones itself', async () => {
    const p = new Project(path.join(dir, 'p.db'), () => store);
    calls.length = 0;
    await runOperation(sharedHandlers, 'findings', {}, new JobRegistry(), ctx(p), { offload });
    await runOperation(sharedHandlers, 'listFlows', { offset: 0, limit: 5 }, new JobRegistry(), ctx(p), { offload });
    expect(await runOperation(sharedHandlers, 'listNodes', {}, new JobRegistry(), ctx(p), { offload })).toEqual([]);
    expect(calls).toEqual(['findings', 'listFlows']);
  });

  it('answers a heavy operation itself while the project file does not exist (an empty answer, nothing created)', async () => {
    const p = new Project(path.join(dir, 'missing.db'), () => store);
    calls.length = 0;
    expect((await runOperation(sharedHandlers, 'findings', {}, new JobRegistry(), ctx(p), { offload })).findings).toEqual([]);
    expect(calls).toEqual([]);
  });
});
