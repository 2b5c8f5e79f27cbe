import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { bundleForNode } from '../../scripts/node-bundle.mjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { writeKubeProxyDump } from '../../scripts/bench/kube-proxy-dump.mjs';
import type { ImportProgress } from '../shared/contract/api';
import type { ImportJson, NodeJson } from '../shared/contract/contract-json';
import { coreStoreOpener } from '../shared/backend/core-backend';
import { startServer, type RunningServer } from './server';

const repo = process.cwd();
// Under node_modules so the bundle's external better-sqlite3 resolves as it does from out/cli.
const workerDir = path.join(repo, 'node_modules', '.cache', 'natlens-test', `workers-${process.pid}`);
const workerScript = path.join(workerDir, 'import-worker.cjs');
const PACKETS = 250_000; // ~17 MB: several 4 MB chunks, so several progress reports

let fixtures: string;

beforeAll(async () => {
  // The import worker and, beside it as in out/cli, the dump reader thread it starts for a large dump.
  for (const [entry, out] of [['src/server/import-worker.ts', 'import-worker.cjs'], ['src/core/import/dump-reader-worker.ts', 'dump-reader-worker.cjs']]) {
    await bundleForNode(path.join(repo, entry!), path.join(workerDir, out!));
  }
  fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-worker-fixtures-'));
  writeSyntheticPcap(path.join(fixtures, 'big.pcap'), PACKETS);
}, 120_000);

afterAll(() => {
  fs.rmSync(workerDir, { recursive: true, force: true });
  fs.rmSync(fixtures, { recursive: true, force: true });
});

type Line = { progress: ImportProgress } | { result: ImportJson } | { error: unknown };

function getJson(server: RunningServer, apiPath: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: apiPath, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(JSON.parse(body) as unknown));
    });
    req.on('error', reject);
    req.end();
  });
}

function upload(server: RunningServer, name: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/uploads', headers: { Authorization: `Bearer ${server.token}`, 'x-natlens-filename': encodeURIComponent(name) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve((JSON.parse(body) as { upload: string }).upload));
      },
    );
    req.on('error', reject);
    fs.createReadStream(file).pipe(req);
  });
}

/** Posts the import and calls `onLine` for each NDJSON line as it arrives; resolves with every line. */
function importStreaming(server: RunningServer, uploads: string[], onLine: (line: Line) => void): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const lines: Line[] = [];
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/import', headers: { Authorization: `Bearer ${server.token}`, Accept: 'application/x-ndjson' } },
      (res) => {
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          pending += c;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = JSON.parse(pending.slice(0, nl)) as Line;
            pending = pending.slice(nl + 1);
            lines.push(line);
            onLine(line);
          }
        });
        res.on('end', () => resolve(lines));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ uploads }));
  });
}

describe('natlens serve imports in a worker thread', () => {
  let dir: string;
  let server: RunningServer;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-worker-serve-'));
    server = await startServer({ dbPath: path.join(dir, 'p.db'), openStore: coreStoreOpener({ importWorker: workerScript }), rendererDir: null });
  });

  afterEach(async () => {
    await server.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('streams increasing progress before the result and answers other requests meanwhile', async () => {
    const id = await upload(server, 'big.pcap', path.join(fixtures, 'big.pcap'));
    const events: string[] = [];
    let asked: Promise<unknown> | null = null;
    const lines = await importStreaming(server, [id], (line) => {
      if ('progress' in line) {
        events.push('progress');
        asked ??= getJson(server, '/api/project').then(() => events.push('project answered'));
      }
      if ('result' in line) events.push('result');
    });
    await asked;
    const resultAt = lines.findIndex((l) => 'result' in l);
    expect(resultAt).toBe(lines.length - 1);
    // The import's own progress (stitching, which follows, counts packets afresh).
    const done = lines.slice(0, resultAt).flatMap((l) => ('progress' in l && l.progress.phase === 'import' ? [l.progress.done] : []));
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.every((d, i) => i === 0 || d > (done[i - 1] ?? 0))).toBe(true);
    // The server answered another request between two progress lines: its event loop was free while
    // the worker imported (an import on the server's thread sends every progress line at once).
    expect(events.indexOf('project answered')).toBeLessThan(events.lastIndexOf('progress'));
    expect(events.at(-1)).toBe('result');
    const result = (lines[resultAt] as { result: ImportJson }).result;
    expect(result.errors).toEqual([]);
    expect(result.nodes.flatMap((n) => n.captures.map((c) => [c.kind, c.source, c.records]))).toEqual([['pcap', 'big.pcap', PACKETS]]);
  }, 120_000);

  it('reads the worker’s import afterwards, and runs a second import after the first', async () => {
    const small = path.join(dir, 'small.pcap');
    writeSyntheticPcap(small, 1000);
    const a = await upload(server, 'big.pcap', path.join(fixtures, 'big.pcap'));
    const b = await upload(server, 'small.pcap', small);
    const [first, second] = await Promise.all([importStreaming(server, [a], () => {}), importStreaming(server, [b], () => {})]);
    expect(first?.at(-1)).toMatchObject({ result: { errors: [] } });
    expect(second?.at(-1)).toMatchObject({ result: { errors: [] } });
    const nodes = (await getJson(server, '/api/nodes')) as NodeJson[];
    expect(nodes.flatMap((n) => n.captures.map((c) => c.source)).sort()).toEqual(['big.pcap', 'small.pcap']);
  }, 120_000);

  it('reports a file that is no capture as the inline import does', async () => {
    const junk = path.join(dir, 'junk.bin');
    fs.writeFileSync(junk, Buffer.from([0, 1, 2, 3, 0, 0, 255, 254]));
    const id = await upload(server, 'junk.bin', junk);
    const lines = await importStreaming(server, [id], () => {});
    expect(lines.at(-1)).toEqual({ result: { nodes: [], warnings: [], errors: [{ source: 'junk.bin', message: 'not a text capture or pcap/pcapng (binary content)' }], files: [] } });
  }, 60_000);

  it('imports a large iptables-save dump with the dump reader bundle beside it (a thread started from the worker)', async () => {
    const dump = path.join(dir, 'node-a.save');
    const rules = writeKubeProxyDump(dump, 1500, 5);
    const id = await upload(server, 'node-a.save', dump);
    const lines = await importStreaming(server, [id], () => {});
    const result = (lines.at(-1) as { result: ImportJson }).result;
    expect(result.errors).toEqual([]);
    expect(result.nodes.flatMap((n) => n.captures.map((c) => [c.kind, c.source, c.records]))).toEqual([['iptables-save', 'node-a.save:1', rules]]);
    expect(lines.filter((l) => 'progress' in l).length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
