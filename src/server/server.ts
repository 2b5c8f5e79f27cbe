/**
 * natlens serve: the React UI and /api/ on 127.0.0.1 only, one fresh token per run.
 * startServer returns a disposable; disposing closes the socket, the database and the uploads.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Project, type StoreOpener } from '../shared/backend/project';
import { handleApi, sendError } from './http-api';
import { JobRegistry } from '../shared/backend/jobs';
import { DisposableStore } from '../core/common/disposable';
import { guardRequest, isApiPath } from './request-guard';
import { securityHeaders, serveStatic } from './static-files';
import { UploadStore, type UploadLimits } from './upload-store';
import { OperationPool } from '../shared/backend/operation-pool';

export interface ServerOptions {
  dbPath: string;
  /** 0 or absent: any free port. */
  port?: number;
  openStore: StoreOpener;
  /** The built renderer; absent: looked up next to the running code (see findRendererDir). */
  rendererDir?: string | null;
  /** Fixed token for tests; absent: 32 random bytes. */
  token?: string;
  /** Absent: DEFAULT_UPLOAD_LIMITS. */
  uploadLimits?: UploadLimits;
  /**
   * The built operation worker (out/cli/operation-worker.cjs): heavy operations run on a pool of it, so the
   * server answers other requests meanwhile. Absent: they run on the server's own thread.
   */
  operationWorker?: string;
  /** Pool workers at most (default 2). */
  operationWorkers?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** Null when heavy operations run on the server's thread. */
  pool: OperationPool | null;
  dispose(): Promise<void>;
}

/**
 * out/renderer as electron-vite builds it, seen from the bundled CLI (out/cli), from src/server
 * under vitest, or from the repository root.
 */
export function findRendererDir(): string | null {
  const candidates = [
    path.resolve(__dirname, '..', 'renderer'),
    path.resolve(__dirname, '..', '..', 'out', 'renderer'),
    path.resolve(process.cwd(), 'out', 'renderer'),
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const rendererDir = options.rendererDir === undefined ? findRendererDir() : options.rendererDir;
  // Disposed newest first: running jobs are cancelled before the uploads and the project go.
  const disposables = new DisposableStore();
  const project = disposables.add(new Project(options.dbPath, options.openStore));
  const uploads = disposables.add(new UploadStore(options.uploadLimits));
  const jobs = disposables.add(new JobRegistry());
  const pool = options.operationWorker === undefined ? null : disposables.add(new OperationPool({ script: options.operationWorker, ...(options.operationWorkers === undefined ? {} : { size: options.operationWorkers }) }));
  let port = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const verdict = guardRequest(
      {
        method: req.method ?? 'GET',
        path: url.pathname,
        host: req.headers.host,
        origin: req.headers.origin,
        fetchSite: header(req.headers['sec-fetch-site']),
        authorization: req.headers.authorization,
      },
      port,
      token,
    );
    if (verdict.kind === 'deny') {
      // Nothing of the request is read: drain nothing, answer and close.
      res.writeHead(verdict.status, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close', ...securityHeaders() });
      res.end(JSON.stringify({ error: { code: verdict.status === 401 ? 'unauthorized' : 'forbidden', message: verdict.reason } }));
      return;
    }
    if (!isApiPath(url.pathname)) {
      serveStatic(rendererDir, req, res, url.pathname);
      return;
    }
    handleApi({ project, uploads, jobs, pool, reports: pool }, req, res, url).catch((err: unknown) => sendError(res, err));
  });
  server.headersTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  pool?.warm(project);

  let disposed: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    pool,
    dispose() {
      disposed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => disposables.dispose());
      return disposed;
    },
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
