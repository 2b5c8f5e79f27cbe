/**
 * Hostile timing without a race: another process holds the project's write lock, so the first flows request
 * (which stitches, then writes) cannot end until it is released. natlens serve keeps answering other requests
 * meanwhile (the stitching waits on a pool worker, not on the server), and SIGTERM still stops it at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { natlens } from '../real/natlens-cli';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-serve-busy-writer');
const bin = path.join(process.cwd(), 'bin', 'natlens');
// Killed after the test even when it failed waiting (a server answering nothing must not outlive it).
let running: ChildProcess | null = null;
afterEach(() => {
  running?.kill('SIGKILL');
  running = null;
});

function send(url: URL, method: 'GET' | 'POST', apiPath: string, body?: unknown): Promise<{ status: number; body: string } | { cut: string }> {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1', port: url.port, method, path: apiPath,
      headers: { Authorization: `Bearer ${url.searchParams.get('token')}`, 'Content-Type': 'application/json', Origin: url.origin },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (e) => resolve({ cut: e.message }));
    });
    req.on('error', (e) => resolve({ cut: e.message }));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('natlens serve while another process holds the write lock', () => {
  it('answers the node list while a flows request waits to store its stitching, and stops at once on SIGTERM', async () => {
    const p = project();
    const pcap = p.file('few.pcap');
    writeSyntheticPcap(pcap, 20_000);
    expect(natlens(['import', '--db', p.dbPath, '--no-stitch', '--node', 'a', pcap]).code).toBe(0);
    const holder = new Database(p.dbPath);
    holder.exec('BEGIN IMMEDIATE');
    const serve = spawn(process.execPath, [bin, 'serve', '--db', p.dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    running = serve;
    let stderr = '';
    serve.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => serve.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<URL>((resolve) => {
        let out = '';
        serve.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(new URL(out.split('\n')[0]!));
        });
      });
      let flowsEnded = false;
      const flows = send(url, 'POST', '/api/flows', { offset: 0, limit: 10 }).finally(() => (flowsEnded = true));
      // The flows cannot end while the lock is held: however long the stitching takes to start, each of these
      // is answered only if the server's thread is not the one waiting.
      for (let asked = 0; asked < 10; asked++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const nodes = await send(url, 'GET', '/api/nodes');
        expect(nodes).toMatchObject({ status: 200 });
        expect(flowsEnded).toBe(false);
      }
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/natlens serve: stopped.*database closed/);
      expect(await flows).toHaveProperty('cut');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const db = new Database(p.dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) AS n FROM flows').get()).toEqual({ n: 0 });
    db.close();
  }, 60_000);
});
