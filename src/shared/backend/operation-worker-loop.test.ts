import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreStoreOpener } from './core-backend';
import { findings, topologySummary } from './handlers';
import type { OperationTask, OperationWorkerInput, OperationWorkerMessage } from './operation-pool';
import { serveOperations } from './operation-worker-loop';
import { Project } from './project';

const labNodes = path.resolve(process.cwd(), 'test/fixtures/lab/nodes');

describe('the operation worker loop over core, on the kernel lab', () => {
  let dir: string;
  let project: Project;
  let send: (task: OperationTask) => Promise<OperationWorkerMessage>;
  let post: (input: OperationWorkerInput) => void;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-operation-loop-'));
    project = new Project(path.join(dir, 'lab.db'), coreStoreOpener());
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    let listener: (input: OperationWorkerInput) => void = () => undefined;
    post = (input) => listener(input);
    const waiting = new Map<number, (m: OperationWorkerMessage) => void>();
    serveOperations({ on: (_event, l) => (listener = l), postMessage: (m) => waiting.get(m.id)?.(m) }, { nativeBinding: null });
    send = (task) => new Promise((resolve) => {
      waiting.set(task.id, resolve);
      listener(task);
    });
  });
  afterAll(() => {
    project.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const task = (id: number, name: OperationTask['name'], request: unknown): OperationTask => ({
    kind: 'run', id, dbPath: project.dbPath, changes: project.changes, importing: false, shell: 'web', name, request,
  });

  it('answers as the handler does on the calling thread, over its own connection', async () => {
    expect(await send(task(1, 'findings', {}))).toEqual({ kind: 'result', id: 1, value: findings(project) });
    expect(await send(task(2, 'topologySummary', {}))).toEqual({ kind: 'result', id: 2, value: topologySummary(project) });
  });

  it('opens a project ahead of its first request when told, creating no file that is not there', async () => {
    const missing = path.join(dir, 'missing.db');
    post({ kind: 'open', dbPath: missing, changes: 0 });
    expect(fs.existsSync(missing)).toBe(false);
    post({ kind: 'open', dbPath: project.dbPath, changes: project.changes });
    expect(await send(task(4, 'findings', {}))).toEqual({ kind: 'result', id: 4, value: findings(project) });
  });

  it('sends a refusal back as its ApiError code and message', async () => {
    const answer = await send(task(3, 'trace', { node: 'nowhere', proto: 'tcp', src: '10.0.0.1', dst: '10.0.0.2', in: 'eth0', local: false, follow: false }));
    expect(answer).toMatchObject({ kind: 'failed', id: 3, error: { code: 'rejected' } });
  });
});
