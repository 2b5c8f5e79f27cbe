/** Hostile use: two processes import into one project at once; the second waits its turn instead of failing "database is locked". */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { startServer } from '../../src/server/server';
import { coreStoreOpener } from '../../src/shared/backend/core-backend';
import { Store } from '../../src/core/model/store';
import { natlens } from '../real/natlens-cli';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-concurrent');
const bin = path.join(process.cwd(), 'bin', 'natlens');
const IP_ADDR = path.join(process.cwd(), 'test/fixtures/text/ip-addr.txt');

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

describe('a web import while a CLI import runs', () => {
  it('waits for the CLI import and stores the upload, with the server’s import worker', async () => {
    const p = project();
    const pcap = p.file('big.pcap');
    writeSyntheticPcap(pcap, 300_000);
    const server = await startServer({
      dbPath: p.dbPath, rendererDir: null, openStore: coreStoreOpener({ importWorker: path.join(process.cwd(), 'out/cli/import-worker.cjs') }),
    });
    try {
      const cli = start(['import', '--db', p.dbPath, '--node', 'a', pcap], /importing .*big\.pcap/);
      await cli.started;
      const auth = { Authorization: `Bearer ${server.token}` };
      const base = `http://127.0.0.1:${server.port}`;
      const uploaded = await fetch(`${base}/api/uploads`, {
        method: 'POST', headers: { ...auth, 'x-natlens-filename': 'ip-addr.txt' }, body: fs.readFileSync(path.join(process.cwd(), 'test/fixtures/text/ip-addr.txt')),
      });
      expect(uploaded.status).toBe(201);
      const { upload } = (await uploaded.json()) as { upload: string };
      const imported = await fetch(`${base}/api/import`, {
        method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', Origin: base }, body: JSON.stringify({ uploads: [upload], node: 'b' }),
      });
      const body = await imported.text();
      expect(imported.status, body).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ errors: [], nodes: [{ name: 'b', captures: [{ kind: 'ip-addr', source: 'ip-addr.txt:1' }] }] });
      expect((await cli.done).code).toBe(0);
      const nodes = (await (await fetch(`${base}/api/nodes`, { headers: auth })).json()) as Array<{ name: string }>;
      expect(nodes.map((n) => n.name).sort()).toEqual(['a', 'b']);
    } finally {
      await server.dispose();
    }
  });

  it('keeps the upload when the import cannot write the project, so the same upload imports once it can', async () => {
    const p = project();
    // Another program's database: the import is refused before anything is read or written.
    const foreign = new Database(p.dbPath);
    foreign.exec('CREATE TABLE other (x)');
    foreign.close();
    const server = await startServer({ dbPath: p.dbPath, rendererDir: null, openStore: coreStoreOpener() });
    try {
      const auth = { Authorization: `Bearer ${server.token}` };
      const base = `http://127.0.0.1:${server.port}`;
      const uploaded = await fetch(`${base}/api/uploads`, {
        method: 'POST', headers: { ...auth, 'x-natlens-filename': 'ip-addr.txt' }, body: fs.readFileSync(path.join(process.cwd(), 'test/fixtures/text/ip-addr.txt')),
      });
      const { upload } = (await uploaded.json()) as { upload: string };
      const importIt = (): Promise<Response> => fetch(`${base}/api/import`, {
        method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', Origin: base }, body: JSON.stringify({ uploads: [upload], node: 'b' }),
      });
      const refused = await importIt();
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/not a natlens project.*\(the uploaded files are kept: import them again\)$/);
      fs.rmSync(p.dbPath);
      const again = await importIt();
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ errors: [], nodes: [{ name: 'b', captures: [{ kind: 'ip-addr', source: 'ip-addr.txt:1' }] }] });
    } finally {
      await server.dispose();
    }
  });
});

/** Another process's write transaction on the project, held until released: what a long import does. */
function holdWriteLock(dbPath: string): { release(): void } {
  Store.open(dbPath).close();
  const db = new Database(dbPath);
  db.exec('BEGIN IMMEDIATE');
  db.prepare('INSERT INTO nodes (name, created_at) VALUES (?, ?)').run('held', new Date().toISOString());
  return {
    release() {
      db.exec('COMMIT');
      db.close();
    },
  };
}

describe('an import waiting for another process writing the project', () => {
  it('says so on the command line, then imports once the other is done', async () => {
    const p = project();
    const lock = holdWriteLock(p.dbPath);
    const cli = start(['import', '--db', p.dbPath, '--node', 'b', '--json', IP_ADDR], /waiting for it to finish/);
    await cli.started;
    lock.release();
    const done = await cli.done;
    expect(done.stderr).toContain(`natlens: another process is writing ${p.dbPath}; waiting for it to finish`);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ errors: [], nodes: [{ name: 'b' }] });
  });

  it('says so in the web import’s progress, then imports the upload', async () => {
    const p = project();
    const lock = holdWriteLock(p.dbPath);
    const server = await startServer({
      dbPath: p.dbPath, rendererDir: null, openStore: coreStoreOpener({ importWorker: path.join(process.cwd(), 'out/cli/import-worker.cjs') }),
    });
    try {
      const auth = { Authorization: `Bearer ${server.token}` };
      const base = `http://127.0.0.1:${server.port}`;
      const uploaded = await fetch(`${base}/api/uploads`, { method: 'POST', headers: { ...auth, 'x-natlens-filename': 'ip-addr.txt' }, body: fs.readFileSync(IP_ADDR) });
      const { upload } = (await uploaded.json()) as { upload: string };
      const imported = await fetch(`${base}/api/import`, {
        method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', Origin: base, Accept: 'application/x-ndjson' }, body: JSON.stringify({ uploads: [upload], node: 'b' }),
      });
      expect(imported.status).toBe(200);
      const lines: Array<{ progress?: { phase: string }; result?: unknown }> = [];
      let text = '';
      for await (const chunk of imported.body as unknown as AsyncIterable<Uint8Array>) {
        text += Buffer.from(chunk).toString('utf8');
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
          const line = JSON.parse(text.slice(0, nl)) as { progress?: { phase: string }; result?: unknown };
          text = text.slice(nl + 1);
          lines.push(line);
          if (line.progress?.phase === 'waiting') lock.release();
        }
      }
      expect(lines[0]).toEqual({ progress: { phase: 'waiting', done: 0, total: 0, current: null } });
      expect(lines.at(-1)?.result).toMatchObject({ errors: [], nodes: [{ name: 'b', captures: [{ kind: 'ip-addr', source: 'ip-addr.txt:1' }] }] });
    } finally {
      await server.dispose();
    }
  });
});

