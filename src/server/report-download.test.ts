/**
 * `GET /api/report`: the report file streamed from a pool worker as it is rendered. On the kernel lab's project the
 * streamed document is the CLI's file (apart from the line that says when it was generated); a worker held up by a
 * client that does not take the bytes waits instead of running ahead, and is terminated when the client goes away.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForNode } from '../../scripts/node-bundle.mjs';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { importPaths } from '../core/import/import-paths';
import { FlowStore } from '../core/model/flow-store';
import { Store } from '../core/model/store';
import { coreStoreOpener } from '../shared/backend/core-backend';
import { OperationPool } from '../shared/backend/operation-pool';
import { Project } from '../shared/backend/project';
import { REPORT_CHUNK } from '../shared/backend/report-stream';
import type { ReportHeadJson } from '../shared/contract/report-file-json';
import { startServer, type RunningServer } from './server';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
const labNodes = path.join(repo, 'test', 'fixtures', 'lab', 'nodes');
// Under node_modules so the bundle's external better-sqlite3 resolves as it does from out/cli.
const workerDir = path.join(repo, 'node_modules', '.cache', 'natlens-test', `report-download-${process.pid}`);
const workerScript = path.join(workerDir, 'operation-worker.cjs');

let dir: string;

beforeAll(async () => {
  await bundleForNode(path.join(repo, 'src/server/operation-worker.ts'), workerScript);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-report-download-'));
}, 120_000);

afterAll(() => {
  fs.rmSync(workerDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Download {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(server: RunningServer, apiPath: string, token: string | null = server.token): { done: Promise<Download>; req: http.ClientRequest } {
  let req!: http.ClientRequest;
  const done = new Promise<Download>((resolve, reject) => {
    req = http.get({ host: '127.0.0.1', port: server.port, path: apiPath, headers: token === null ? {} : { Authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  return { done, req };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const withoutGenerated = (text: string): string => text.split('\n').filter((line) => !/\bGenerated \d{4}-/.test(line)).join('\n');

describe('GET /api/report on the kernel lab project', () => {
  let db: string;
  let server: RunningServer;

  beforeAll(async () => {
    db = path.join(dir, 'lab.db');
    const r = spawnSync(process.execPath, [bin, 'import', '--db', db, labNodes], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
    server = await startServer({ dbPath: db, openStore: coreStoreOpener(), rendererDir: null, operationWorker: workerScript });
  }, 120_000);

  afterAll(async () => {
    await server?.dispose();
  });

  const cliFile = (ext: string): string => {
    const out = path.join(dir, `cli.${ext}`);
    const r = spawnSync(process.execPath, [bin, 'report', '--db', db, '--out', out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`natlens report failed: ${r.stderr}`);
    return fs.readFileSync(out, 'utf8');
  };

  it.each([
    ['html', 'text/html; charset=utf-8'],
    ['md', 'text/markdown; charset=utf-8'],
  ])('streams the %s file natlens report writes, as an attachment', async (format, mediaType) => {
    const download = await get(server, `/api/report?format=${format}`).done;
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe(mediaType);
    expect(download.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="natlens-report-\\d{4}-\\d{2}-\\d{2}\\.${format}"$`));
    expect(download.headers['transfer-encoding']).toBe('chunked');
    const cli = cliFile(format);
    // The HTML (143 KB) goes as several chunks, not one answer.
    if (format === 'html') expect(download.body.length).toBeGreaterThan(2 * REPORT_CHUNK);
    expect(withoutGenerated(download.body.toString('utf8'))).toBe(withoutGenerated(cli));
  }, 60_000);

  it('streams the JSON natlens report writes, and a PDF', async () => {
    const json = await get(server, '/api/report?format=json').done;
    expect(json.headers['content-type']).toBe('application/json');
    const web = JSON.parse(json.body.toString('utf8')) as { generatedAt: string };
    const cli = JSON.parse(cliFile('json')) as { generatedAt: string };
    expect({ ...web, generatedAt: null }).toEqual({ ...cli, generatedAt: null });
    const pdf = await get(server, '/api/report?format=pdf').done;
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.body.subarray(-6).toString('latin1')).toMatch(/%%EOF\n?$/);
  }, 60_000);

  it('replays the traces the query names into the Traces section', async () => {
    const traces = [{ node: 'nodea', proto: 'tcp', src: '10.40.1.3', dst: '10.96.0.10', dport: 80, in: 'veth-a1', local: false, follow: true }];
    const download = await get(server, `/api/report?format=md&traces=${encodeURIComponent(JSON.stringify(traces))}`).done;
    expect(download.status).toBe(200);
    expect(download.body.toString('utf8')).toContain('10.96.0.10');
    expect(download.body.toString('utf8')).toMatch(/# Traces[\s\S]*nodea/);
  }, 60_000);

  it('refuses a request without the token, with a wrong one, or with a bad format, before anything runs', async () => {
    const before = server.pool!.stats();
    for (const token of [null, 'wrong']) {
      const refused = await get(server, '/api/report?format=html', token).done;
      expect(refused.status).toBe(401);
      expect(refused.headers['content-disposition']).toBeUndefined();
      expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const bad = await get(server, '/api/report?format=docx').done;
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString('utf8'))).toMatchObject({ error: { code: 'invalid-request', message: expect.stringContaining('format') } });
    const badTraces = await get(server, '/api/report?format=md&traces=%5B').done;
    expect(badTraces.status).toBe(400);
    expect(server.pool!.stats()).toEqual(before);
  });

  it('a worker whose bytes are not taken waits at the window, and is terminated when the client goes away', async () => {
    const pool = new OperationPool({ script: workerScript, size: 1, reportWindow: 1 });
    const project = new Project(db, coreStoreOpener());
    try {
      const heads: ReportHeadJson[] = [];
      const chunks: Uint8Array[] = [];
      const gone = new AbortController();
      // `written` is never called: the client has not taken the first chunk.
      const streamed = pool.streamReport(project, 'web', { format: 'html' }, { head: (h) => heads.push(h), chunk: (bytes) => chunks.push(bytes) }, gone.signal);
      streamed.catch(() => undefined);
      await until(() => chunks.length === 1);
      // Long enough for a worker that ignored the window to post the rest (143 KB of HTML: three chunks).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(chunks).toHaveLength(1);
      expect(chunks[0]!.length).toBeGreaterThanOrEqual(REPORT_CHUNK);
      expect(heads).toMatchObject([{ format: 'html', mediaType: 'text/html; charset=utf-8' }]);
      expect(pool.stats()).toMatchObject({ running: 1 });
      gone.abort();
      await expect(streamed).rejects.toMatchObject({ code: 'cancelled' });
      await pool.settled();
      expect(pool.stats()).toMatchObject({ workers: 0, running: 0, cancelled: 1 });
    } finally {
      pool.dispose();
      await pool.settled();
      project.dispose();
    }
  }, 60_000);
});

describe('GET /api/report whose client disconnects', () => {
  let db: string;
  let server: RunningServer;

  beforeAll(async () => {
    db = path.join(dir, 'packets.db');
    const pcap = path.join(dir, 'many.pcap');
    writeSyntheticPcap(pcap, 150_000);
    // Imported without stitching, so the report's worker stitches first: long enough to be caught running.
    const store = Store.open(db);
    try {
      importPaths(store, [pcap], { node: 'a' });
    } finally {
      store.close();
    }
    fs.rmSync(pcap);
    server = await startServer({ dbPath: db, openStore: coreStoreOpener(), rendererDir: null, operationWorker: workerScript });
  }, 180_000);

  afterAll(async () => {
    await server?.dispose();
  });

  it('stops the worker; nothing of its stitching is stored, and the next download is whole', async () => {
    const pool = server.pool!;
    const download = get(server, '/api/report?format=html');
    download.done.catch(() => undefined);
    await until(() => pool.stats().running === 1);
    const workers = pool.stats().workers;
    download.req.destroy();
    await until(() => pool.stats().cancelled === 1);
    await pool.settled();
    expect(pool.stats()).toMatchObject({ workers: workers - 1, running: 0 });
    const store = Store.open(db);
    try {
      expect(new FlowStore(store).flowCount()).toBe(0);
    } finally {
      store.close();
    }
    const again = await get(server, '/api/report?format=md').done;
    expect(again.status).toBe(200);
    expect(again.body.toString('utf8')).toMatch(/^# natlens report\n[\s\S]*# NAT flows/);
  }, 180_000);
});
