/**
 * Hostile timing without a race: another process holds the project's write lock, so the first flows request
 * (which stitches, then writes) cannot end until it is released. natlens serve keeps answering other requests
 * meanwhile (the stitching waits on a pool worker, not on the server), and SIGTERM still stops it at once.
 */
import http from 'node:http';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { natlens } from '../real/natlens-cli';
import { useServeProcesses } from '../support/serve-process';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-serve-busy-writer');
const serveProject = useServeProcesses();

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
    const serve = serveProject(p.dbPath);
    try {
      const url = await serve.url;
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
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      expect(serve.stderr()).toMatch(/natlens serve: stopped.*database closed/);
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
