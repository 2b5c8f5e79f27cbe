/** Hostile use of web mode: uploads past the size limit, or too many waiting, get a clear 413 and leave nothing behind. */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreStoreOpener } from '../../src/shared/backend/core-backend';
import { startServer, type RunningServer } from '../../src/server/server';

interface Reply {
  status: number;
  body: string;
}

/** POSTs `chunks` to /api/uploads, with a Content-Length unless `chunked`. */
function upload(server: RunningServer, name: string, chunks: readonly Buffer[], chunked = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const headers: Record<string, string> = { Authorization: `Bearer ${server.token}`, 'x-natlens-filename': name };
    if (!chunked) headers['Content-Length'] = String(total);
    const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/uploads', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The server may close before the whole body is sent: its answer is what counts.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

/** Both uploads the count limit allows are still free: nothing of a refused upload is kept waiting. */
async function expectNothingWaiting(server: RunningServer): Promise<void> {
  expect((await upload(server, 'a.txt', [Buffer.alloc(40 * 1024, 65)])).status).toBe(201);
  expect((await upload(server, 'b.txt', [Buffer.alloc(40 * 1024, 65)])).status).toBe(201);
}

describe('web upload limits', () => {
  let dir: string;
  let server: RunningServer;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-hostile-upload-'));
    server = await startServer({
      dbPath: path.join(dir, 'p.db'), openStore: coreStoreOpener(), rendererDir: null,
      uploadLimits: { maxUploadBytes: 64 * 1024, maxPendingUploads: 2, maxPendingBytes: 100 * 1024 },
    });
  });

  afterEach(async () => {
    await server.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 413 naming the limit to an upload that says it is too large, before reading it', async () => {
    const reply = await upload(server, 'huge.pcap', [Buffer.alloc(65 * 1024)]);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toEqual({ error: { code: 'too-large', message: 'huge.pcap (0.1 MiB) is larger than the 0.1 MiB an upload may be; import it with natlens import instead' } });
    await expectNothingWaiting(server);
  });

  it('answers 413 to a chunked upload once it passes the limit, and keeps no part of it', async () => {
    const reply = await upload(server, 'endless.txt', Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 65)), true);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error.message).toMatch(/^endless\.txt is larger than the 0\.1 MiB an upload may be/);
    await expectNothingWaiting(server);
  });

  it('answers 413 when the bytes waiting to be imported would pass their limit', async () => {
    expect((await upload(server, 'a.txt', [Buffer.alloc(60 * 1024, 65)])).status).toBe(201);
    const second = await upload(server, 'b.txt', [Buffer.alloc(60 * 1024, 65)]);
    expect(second.status).toBe(413);
    expect(JSON.parse(second.body).error.message).toBe('the uploads waiting to be imported would pass 0.1 MiB; import them first');
  });

  it('answers 413 when too many uploads wait to be imported', async () => {
    await expectNothingWaiting(server);
    const third = await upload(server, 'c.txt', [Buffer.from('1.2.3.4\n')]);
    expect(third.status).toBe(413);
    expect(JSON.parse(third.body).error.message).toBe('2 uploads are already waiting to be imported; import or discard them first');
  });
});
