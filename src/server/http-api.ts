/**
 * /api/* of natlens serve: each operation of the table with an HTTP route is served by runOperation
 * (validation, then its handler); only uploads are natlens serve's own. Guards (host, origin, token) ran before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../shared/contract/api-error';
import { importOptionsOf, operations, operationsOf, parseRequest, UPLOAD_NAME_HEADER, UPLOAD_PATH_HEADER, UPLOAD_ROUTE, type ImportProgress, type ProgressListener, type RequestOf, type ShellOperation } from '../shared/contract/api';
import { importPaths, runOperation, sharedHandlers, type FaceOperation, type HandlerTable, type OperationContext, type OperationOffload } from '../shared/backend/handlers';
import { CancelledAfterStoring } from '../shared/backend/import-errors';
import type { JobRegistry } from '../shared/backend/jobs';
import type { Project } from '../shared/backend/project';
import { ValidationError } from '../shared/contract/validator';
import { assertNever } from '../core/common/assert-never';
import { securityHeaders } from './static-files';
import { safeFolderPath, type UploadStore } from './upload-store';
import type { ImportJson } from '../shared/contract/contract-json';
import { REPORT_DOWNLOAD_ROUTE, type ReportHeadJson } from '../shared/contract/report-file-json';
import { streamReportHere, type ReportStreamer, type ReportStreamTarget } from '../shared/backend/report-stream';

export interface ApiContext {
  project: Project;
  uploads: UploadStore;
  jobs: JobRegistry;
  /** Where heavy operations run; null: on this thread. */
  pool: OperationOffload | null;
  /** Where report downloads are rendered (the pool); null: on this thread. */
  reports: ReportStreamer | null;
}

interface WebContext extends OperationContext {
  readonly uploads: UploadStore;
}

type WebOperation = ShellOperation<'web'>;

const MAX_JSON_BODY = 1024 * 1024;

function statusOf(err: ApiError): number {
  switch (err.code) {
    case 'invalid-request': return 400;
    case 'unauthorized': return 401;
    case 'forbidden': return 403;
    case 'not-found': return 404;
    case 'unsupported': return 405;
    case 'rejected': return 422;
    case 'too-large': return 413;
    // The client cancelled its own job: a conflict with its earlier request, not a fault of either side.
    case 'cancelled': return 409;
    case 'internal': return 500;
    default: return assertNever(err.code);
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ValidationError) return new ApiError('invalid-request', err.message);
  return new ApiError('internal', err instanceof Error ? err.message : String(err));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    ...securityHeaders(),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiError = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, statusOf(apiError), { error: apiError.toJSON() });
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_JSON_BODY) throw new ApiError('invalid-request', `request body is larger than ${MAX_JSON_BODY} bytes`);
    chunks.push(buf);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ApiError('invalid-request', 'request body is not JSON');
  }
}

function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) out[k] = v;
  return out;
}

function findRoute(method: string, path: string): { name: WebOperation } | { methodNotAllowed: true } | null {
  let pathMatched = false;
  for (const name of operationsOf('web')) {
    const { http: route } = operations[name];
    if (route === null || route.path !== path) continue;
    pathMatched = true;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { name };
  }
  return pathMatched ? { methodNotAllowed: true } : null;
}

export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  if (url.pathname === UPLOAD_ROUTE) {
    if (method !== 'POST') throw new ApiError('unsupported', `${UPLOAD_ROUTE} takes POST`);
    return receiveUpload(ctx, req, res);
  }
  // The same path's POST is the `report` operation (the whole file in one JSON answer, for the preview).
  if (url.pathname === REPORT_DOWNLOAD_ROUTE && method === 'GET') return downloadReport(ctx, res, url);
  const route = findRoute(method, url.pathname);
  if (route === null) throw new ApiError('not-found', `no API at ${url.pathname}`);
  if ('methodNotAllowed' in route) throw new ApiError('unsupported', `${method} is not allowed on ${url.pathname}`);
  const raw = method === 'GET' || method === 'HEAD' ? queryObject(url) : await readJsonBody(req);
  const contextFor = (progress: ProgressListener) => (_job: string | null, signal: AbortSignal): WebContext => ({
    project: ctx.project, shell: 'web', jobs: ctx.jobs, progress, signal, uploads: ctx.uploads,
  });
  if (!operations[route.name].job || !(req.headers.accept ?? '').includes('application/x-ndjson')) {
    // A client that goes away before its answer stops the work done for it (a pool worker is terminated).
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    return sendJson(res, 200, await runOperation(handlers, route.name, raw, ctx.jobs, contextFor(() => {}), { offload: ctx.pool, signal: gone.signal }));
  }
  await streamJob(res, (progress) => runOperation(handlers, route.name, raw, ctx.jobs, contextFor(progress)));
}

/**
 * A job asked for with `Accept: application/x-ndjson` streams one JSON object per line —
 * `{"progress":{...}}` while it runs, then `{"result":{...}}` or `{"error":{...}}`.
 */
async function streamJob(res: ServerResponse, run: (progress: ProgressListener) => Promise<unknown>): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders() });
  const line = (value: { progress: ImportProgress } | { result: unknown } | { error: unknown }): void => {
    res.write(`${JSON.stringify(value)}\n`);
  };
  try {
    line({ result: await run((progress) => line({ progress })) });
  } catch (err) {
    line({ error: toApiError(err).toJSON() });
  }
  res.end();
}

/**
 * `GET /api/report?format=html|md|pdf|json[&traces=JSON array]`: the report as a file to save, streamed while it
 * is rendered (Content-Disposition: attachment). An error before the first byte answers as JSON with its status;
 * one after it cuts the connection, so a truncated file never looks whole. A client that goes away stops the render.
 */
async function downloadReport(ctx: ApiContext, res: ServerResponse, url: URL): Promise<void> {
  const request = parseRequest('report', reportQuery(url));
  if (!ctx.project.exists) throw new ApiError('rejected', 'nothing is imported yet: import captures first');
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  const target: ReportStreamTarget = {
    head: (head) => res.writeHead(200, downloadHeaders(head)),
    chunk: (bytes, written) => {
      if (res.destroyed) return written();
      res.write(bytes, () => written());
    },
  };
  if (ctx.reports === null) streamReportHere(ctx.project, request, target);
  else await ctx.reports.streamReport(ctx.project, 'web', request, target, gone.signal);
  res.end();
}

function reportQuery(url: URL): Record<string, unknown> {
  const query: Record<string, unknown> = queryObject(url);
  const traces = url.searchParams.get('traces');
  if (traces !== null) {
    try {
      query.traces = JSON.parse(traces) as unknown;
    } catch {
      throw new ApiError('invalid-request', 'traces: not a JSON array of trace requests');
    }
  }
  return query;
}

function downloadHeaders(head: ReportHeadJson): Record<string, string> {
  return {
    'Content-Type': head.mediaType,
    'Content-Disposition': contentDisposition(head.fileName),
    'Cache-Control': 'no-store',
    ...securityHeaders(),
  };
}

/** RFC 6266: an ASCII fallback name, and the exact one as RFC 8187 UTF-8 when it is not plain ASCII. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return ascii === fileName ? `attachment; filename="${fileName}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${rfc8187(fileName)}`;
}

/** encodeURIComponent leaves ' ( ) * as they are; RFC 8187's attr-char does not allow them. */
function rfc8187(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

async function receiveUpload(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = req.headers[UPLOAD_NAME_HEADER];
  if (typeof header !== 'string' || header === '') throw new ApiError('invalid-request', `missing ${UPLOAD_NAME_HEADER} header`);
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    throw new ApiError('invalid-request', `${UPLOAD_NAME_HEADER} is not URI-encoded`);
  }
  const folderHeader = req.headers[UPLOAD_PATH_HEADER];
  let folderPath: string[] | null = null;
  if (typeof folderHeader === 'string' && folderHeader !== '') {
    try {
      folderPath = safeFolderPath(decodeURIComponent(folderHeader));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError('invalid-request', `${UPLOAD_PATH_HEADER} is not URI-encoded`);
    }
  }
  const declared = Number(req.headers['content-length']);
  const upload = await ctx.uploads.receive(name, req, Number.isFinite(declared) ? declared : null, folderPath).catch((err: unknown) => {
    // The rest of a refused body is not read: the answer closes the connection.
    if (err instanceof ApiError && err.code === 'too-large') res.setHeader('Connection', 'close');
    throw err;
  });
  sendJson(res, 201, { upload: upload.id, name: upload.name, bytes: upload.bytes });
}

/**
 * natlens serve's own operation: the files were uploaded to UPLOAD_ROUTE first. An import that ran
 * (whatever it said of the files) uses the uploads up; one that failed or was cancelled puts them
 * back under their ids, to be imported again.
 */
async function importUploads(ctx: WebContext, request: RequestOf<'importUploads'>): Promise<ImportJson> {
  const taken = ctx.uploads.take(request.uploads);
  const uploads = taken.filter((u) => u !== undefined);
  const missing = request.uploads.filter((_, i) => taken[i] === undefined);
  if (missing.length > 0) {
    await ctx.uploads.remove(uploads);
    throw new ApiError('not-found', `no upload ${missing.join(', ')} (already imported, or the server restarted)`);
  }
  const options = importOptionsOf(request);
  const staged = await ctx.uploads.stage(uploads).catch(async (err: unknown) => {
    // A batch refused before anything moved (a file named like a dropped folder): its uploads go, as for a missing one.
    await ctx.uploads.remove(uploads);
    throw err;
  });
  try {
    const result = await importPaths(ctx.project ?? missingProject(), staged.names, options, ctx.progress, staged.dir, ctx.signal);
    await ctx.uploads.removeDir(staged.dir);
    await ctx.uploads.remove(uploads);
    return result;
  } catch (err) {
    const failure = importUploadsFailure(err);
    if (failure.uploads === 'used') {
      await ctx.uploads.removeDir(staged.dir);
      await ctx.uploads.remove(uploads);
    } else {
      await ctx.uploads.unstage(staged, uploads);
    }
    throw failure.error;
  }
}

/**
 * What a failed import of uploads does with them: kept to be imported again, unless its captures were stored before
 * it stopped (cancelled while stitching), when they are used up as after an import that ran, and saying "import them
 * again" would send the user after work already done.
 */
export function importUploadsFailure(err: unknown): { uploads: 'used' | 'kept'; error: ApiError } {
  const failed = toApiError(err);
  if (failed instanceof CancelledAfterStoring) return { uploads: 'used', error: failed };
  return { uploads: 'kept', error: new ApiError(failed.code, `${failed.message} (the uploaded files are kept: import them again)`) };
}

function missingProject(): never {
  throw new ApiError('internal', 'natlens serve has no project');
}

const webHandlers: HandlerTable<FaceOperation<'web'>, WebContext> = { importUploads };
const handlers: HandlerTable<WebOperation, WebContext> = { ...sharedHandlers, ...webHandlers };
