/**
 * Hostile timing: a slow request computes (on a pool worker); other requests are still answered, and SIGTERM
 * stops natlens serve at once, cleanly, terminating the worker.
 */
import http from 'node:http';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { natlens } from '../real/natlens-cli';
import { useServeProcesses } from '../support/serve-process';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-serve-signal');
// Few and quick: 1.6M packets stitch in ~2 s on an idle machine, and the signal must come before they are stored
// (test/hostile/serve-busy-writer.test.ts checks the same ordering without a race, behind another writer's lock).
const LIGHT_REQUESTS = 5;
const serveProject = useServeProcesses();

function nodes(url: URL): Promise<{ status: number; names: string[] }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: url.port, path: '/api/nodes', headers: { Authorization: `Bearer ${url.searchParams.get('token')}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, names: (JSON.parse(body) as { name: string }[]).map((n) => n.name) }));
    }).on('error', reject);
  });
}

/** POST /api/flows: the first call stitches every packet of the project into flows, synchronously. */
function slowFlows(url: URL): Promise<{ status: number } | { cut: string }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ offset: 0, limit: 10 });
    const req = http.request({
      host: '127.0.0.1', port: url.port, method: 'POST', path: '/api/flows',
      headers: { Authorization: `Bearer ${url.searchParams.get('token')}`, 'Content-Type': 'application/json', Origin: url.origin },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (e) => resolve({ cut: e.message }));
    });
    req.on('error', (e) => resolve({ cut: e.message }));
    req.end(body);
  });
}

describe('natlens serve and SIGTERM', () => {
  it('answers the node list during a slow request, then stops at once on SIGTERM, cutting it off, and leaves the project whole', async () => {
    const p = project();
    const pcap = p.file('many.pcap');
    // Enough packets that stitching them outlasts the 300 ms wait and the server's 250 ms grace on an idle machine
    // (400k stitched in about half a second there, so the signal came after the flows were stored).
    writeSyntheticPcap(pcap, 1_600_000);
    // --no-stitch: the import would otherwise stitch, and the flows request would only read.
    expect(natlens(['import', '--no-stitch', '--db', p.dbPath, '--node', 'a', pcap]).code).toBe(0);
    const serve = serveProject(p.dbPath);
    const url = await serve.url;
    let flowsEnded = false;
    const flows = slowFlows(url).finally(() => (flowsEnded = true));
    // The stitching holds a pool worker, not the server: node lists asked for one after another, for longer than
    // the request takes to reach the stitching, are all answered while the flows are not. (On the server's own
    // thread, the first node list asked after the stitching began waits for it, so the flows end first.)
    for (let asked = 0; asked < LIGHT_REQUESTS; asked++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await nodes(url)).toEqual({ status: 200, names: ['a'] });
      expect(flowsEnded).toBe(false);
    }
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(/natlens serve: stopped.*database closed/);
    // Stopped before the stitching ended: the slow request was cut off, not answered.
    expect(await flows).toHaveProperty('cut');
    const db = new Database(p.dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // The stitching was stopped where it was, its transaction undone: no flows were stored.
    expect(db.prepare('SELECT count(*) AS n FROM flows').get()).toEqual({ n: 0 });
    db.close();
    expect(natlens(['nodes', '--db', p.dbPath, '--json']).code).toBe(0);
  });
});
