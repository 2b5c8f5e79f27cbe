/**
 * Entry of natlens serve's server thread (bundled as out/cli/serve-worker.cjs): starts the server with
 * `workerData.natlensServe`, says where it listens, and closes it when the main thread says stop.
 * See server-thread.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { coreStoreOpener } from '../shared/backend/core-backend';
import { startServer } from './server';
import type { ServeJob, ServerThreadMessage } from './server-thread';

const job = (workerData as { natlensServe?: ServeJob } | null)?.natlensServe;
if (!isMainThread && parentPort !== null && job !== undefined) {
  const port = parentPort;
  const post = (m: ServerThreadMessage): void => port.postMessage(m);
  const importWorker = path.join(__dirname, 'import-worker.cjs');
  const operationWorker = path.join(__dirname, 'operation-worker.cjs');
  startServer({
    dbPath: job.dbPath, port: job.port, openStore: coreStoreOpener(fs.existsSync(importWorker) ? { importWorker } : {}),
    ...(fs.existsSync(operationWorker) ? { operationWorker } : {}),
  }).then(
    (server) => {
      post({ kind: 'listening', url: server.url });
      port.on('message', (m: { kind: 'stop' }) => {
        if (m.kind !== 'stop') return;
        post({ kind: 'stopping' });
        void server.dispose().then(() => {
          post({ kind: 'stopped' });
          port.close();
        });
      });
    },
    (err: unknown) => post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
  );
}
