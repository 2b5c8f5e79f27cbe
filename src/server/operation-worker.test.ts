/**
 * natlens serve with its operation pool, over core and a real project: stitching 300k packets (the first
 * flows page, the findings) holds a pool worker for a while; the server meanwhile answers other requests, and
 * a client that goes away stops the worker before anything of its stitching is stored.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { bundleForNode } from '../../scripts/node-bundle.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { coreStoreOpener } from '../shared/backend/core-backend';
import { importPaths } from '../core/import/import-paths';
import type { OperationPool } from '../shared/backend/operation-pool';
import { startServer, type RunningServer } from './server';
import { Store } from '../core/model/store';
import { FlowStore } from '../core/model/flow-store';

const repo = process.cwd();
// Under node_modules so the bundle's external better-sqlite3 resolves as it does from out/cli.
const workerDir = path.join(repo, 'node_modules', '.cache', 'natlens-test', `operation-workers-${process.pid}`);
const workerScript = path.join(workerDir, 'operation-worker.cjs');
const PACKETS = 300_000;

let dir: string;
let dbPath: string;
let server: RunningServer;

beforeAll(async () => {
  await bundleForNode(path.join(repo, 'src/server/operation-worker.ts'), workerScript);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-operation-worker-'));
  dbPath = path.join(dir, 'project.db');
  const pcap = path.join(dir, 'many.pcap');
  writeSyntheticPcap(pcap, PACKETS);
  // Imported without stitching (core's importPaths stitches only when asked), so the first flows request stitches.
  const store = Store.open(dbPath);
  try {
    importPaths(store, [pcap], { node: 'a' });
  } finally {
    store.close();
  }
  fs.rmSync(pcap);
  server = await startServer({ dbPath, openStore: coreStoreOpener(), rendererDir: null, operationWorker: workerScript });
}, 180_000);

afterAll(async () => {
  await server?.dispose();
  fs.rmSync(workerDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Call {
  done: Promise<{ status: number; body: string }>;
  req: http.ClientRequest;
}

function call(method: 'GET' | 'POST', apiPath: string, body?: unknown): Call {
  let req!: http.ClientRequest;
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = http.request({
      host: '127.0.0.1', port: server.port, method, path: apiPath,
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${server.port}` },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
  return { done, req };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const storedFlows = (): number => {
  const store = Store.open(dbPath);
  try {
    return new FlowStore(store).flowCount();
  } finally {
    store.close();
  }
};

describe('natlens serve with an operation pool', () => {
  const pool = (): OperationPool => server.pool!;

  it('stops the worker of a flows request whose client disconnects; nothing of its stitching is stored', async () => {
    const flows = call('POST', '/api/flows', { offset: 0, limit: 10 });
    flows.done.catch(() => undefined);
    await until(() => pool().stats().running === 1);
    // Started with the server (warm), so the first request does not wait for a thread to load.
    const workers = pool().stats().workers;
    expect(workers).toBe(2);
    flows.req.destroy();
    await until(() => pool().stats().cancelled === 1);
    await pool().settled();
    expect(pool().stats()).toMatchObject({ workers: workers - 1, running: 0 });
    expect(storedFlows()).toBe(0);
  }, 120_000);

  it('answers GET /api/nodes while the findings stitch on a pool worker, before the findings are done', async () => {
    let heavyDone = false;
    const findings = call('GET', '/api/findings');
    void findings.done.then(() => (heavyDone = true));
    await until(() => pool().stats().running === 1);
    const nodes = await call('GET', '/api/nodes').done;
    expect(nodes.status).toBe(200);
    expect((JSON.parse(nodes.body) as { name: string }[]).map((n) => n.name)).toEqual(['a']);
    expect(heavyDone).toBe(false);
    const answered = await findings.done;
    expect(answered.status).toBe(200);
    expect(Array.isArray((JSON.parse(answered.body) as { findings: unknown }).findings)).toBe(true);
    expect(storedFlows()).toBeGreaterThan(0);
  }, 120_000);

  it('keeps the worker between calls and answers the next flows page from the flows stitched before', async () => {
    const workers = pool().stats().workers;
    const page = await call('POST', '/api/flows', { offset: 0, limit: 5 }).done;
    expect(page.status).toBe(200);
    expect((JSON.parse(page.body) as { flows: unknown[] }).flows).toHaveLength(5);
    expect(pool().stats().workers).toBeGreaterThanOrEqual(workers);
  }, 120_000);
});
