/**
 * /api/* of natlens serve: routes each operation that has an HTTP route to the shared handler,
 * after validating its request with the shared validator. Guards (host, origin, token) ran before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../shared/contract/api-error';
import { operations, parseRequest, UPLOAD_NAME_HEADER, UPLOAD_ROUTE, type ImportProgress, type OperationName, type Operations, type RequestOf, type ResponseOf } from '../shared/contract/api';
import { findings, flowDetail, flowDivergence, importPaths, listCaptures, listFlows, listNodes, projectInfo, report, rulesetTimeline, setCaptureInterface, topology, topologyNodes, topologySummary, trace } from '../shared/backend/handlers';
import type { Project } from '../shared/backend/project';
import { ValidationError } from '../shared/contract/validator';
import { assertNever } from '../core/common/assert-never';
import { securityHeaders } from './static-files';
import type { UploadStore } from './upload-store';
import type { ImportJson } from '../shared/contract/contract-json';

export interface ApiContext {
  project: Project;
  uploads: UploadStore;
}

type WebOperation = { [N in OperationName]: Operations[N]['shells'] extends 'desktop' ? never : N }[OperationName];

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
  for (const name of Object.keys(operations) as OperationName[]) {
    const spec = operations[name];
    if (spec.shells === 'desktop' || spec.http === null || spec.http.path !== path) continue;
    pathMatched = true;
    if (spec.http.method === method || (method === 'HEAD' && spec.http.method === 'GET')) return { name: name as WebOperation };
  }
  return pathMatched ? { methodNotAllowed: true } : null;
}

export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  if (url.pathname === UPLOAD_ROUTE) {
    if (method !== 'POST') throw new ApiError('unsupported', `${UPLOAD_ROUTE} takes POST`);
    return receiveUpload(ctx, req, res);
  }
  const route = findRoute(method, url.pathname);
  if (route === null) throw new ApiError('not-found', `no API at ${url.pathname}`);
  if ('methodNotAllowed' in route) throw new ApiError('unsupported', `${method} is not allowed on ${url.pathname}`);
  const raw = method === 'GET' || method === 'HEAD' ? queryObject(url) : await readJsonBody(req);
  await dispatch(ctx, route.name, raw, req, res);
}

async function dispatch(ctx: ApiContext, name: WebOperation, raw: unknown, req: IncomingMessage, res: ServerResponse): Promise<void> {
  switch (name) {
    case 'getProjectInfo':
      parseRequest(name, raw);
      return reply(res, name, projectInfo(ctx.project, 'web'));
    case 'listNodes':
      parseRequest(name, raw);
      return reply(res, name, listNodes(ctx.project));
    case 'listCaptures':
      parseRequest(name, raw);
      return reply(res, name, listCaptures(ctx.project));
    case 'topology':
      parseRequest(name, raw);
      return reply(res, name, topology(ctx.project));
    case 'topologySummary':
      parseRequest(name, raw);
      return reply(res, name, topologySummary(ctx.project));
    case 'topologyNodes':
      return reply(res, name, topologyNodes(ctx.project, parseRequest(name, raw)));
    case 'trace':
      return reply(res, name, trace(ctx.project, parseRequest(name, raw)));
    case 'listFlows':
      return reply(res, name, listFlows(ctx.project, parseRequest(name, raw)));
    case 'flowDetail':
      return reply(res, name, flowDetail(ctx.project, parseRequest(name, raw)));
    case 'rulesetTimeline':
      return reply(res, name, rulesetTimeline(ctx.project, parseRequest(name, raw)));
    case 'report':
      return reply(res, name, report(ctx.project, parseRequest(name, raw)));
    case 'flowDivergence':
      return reply(res, name, flowDivergence(ctx.project, parseRequest(name, raw)));
    case 'setCaptureInterface':
      return reply(res, name, setCaptureInterface(ctx.project, parseRequest(name, raw)));
    case 'findings':
      parseRequest(name, raw);
      return reply(res, name, findings(ctx.project));
    case 'importUploads':
      return importUploads(ctx, parseRequest(name, raw), req, res);
    default:
      return assertNever(name);
  }
}

function reply<N extends OperationName>(res: ServerResponse, _name: N, value: ResponseOf<N>): void {
  sendJson(res, 200, value);
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
  const declared = Number(req.headers['content-length']);
  const upload = await ctx.uploads.receive(name, req, Number.isFinite(declared) ? declared : null).catch((err: unknown) => {
    // The rest of a refused body is not read: the answer closes the connection.
    if (err instanceof ApiError && err.code === 'too-large') res.setHeader('Connection', 'close');
    throw err;
  });
  sendJson(res, 201, { upload: upload.id, name: upload.name, bytes: upload.bytes });
}

/**
 * With `Accept: application/x-ndjson` the answer streams one JSON object per line —
 * `{"progress":{...}}` while importing, then `{"result":{...}}` or `{"error":{...}}`;
 * otherwise it is the import JSON alone.
 */
async function importUploads(ctx: ApiContext, request: RequestOf<'importUploads'>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const taken = ctx.uploads.take(request.uploads);
  const uploads = taken.filter((u) => u !== undefined);
  const missing = request.uploads.filter((_, i) => taken[i] === undefined);
  if (missing.length > 0) {
    await ctx.uploads.remove(uploads);
    throw new ApiError('not-found', `no upload ${missing.join(', ')} (already imported, or the server restarted)`);
  }
  const options = request.node === undefined ? {} : { node: request.node };
  const staged = await ctx.uploads.stage(uploads);
  // An import that ran (whatever it said of the files) uses the uploads up; one that failed (the project could
  // not be opened or written) puts them back under their ids, to be imported again.
  const run = (onProgress: (p: ImportProgress) => void): Promise<ImportJson> =>
    Promise.resolve()
      .then(() => importPaths(ctx.project, staged.names, options, onProgress, staged.dir))
      .then(
        async (result) => {
          await ctx.uploads.removeDir(staged.dir);
          await ctx.uploads.remove(uploads);
          return result;
        },
        async (err: unknown) => {
          await ctx.uploads.unstage(staged, uploads);
          const failed = toApiError(err);
          throw new ApiError(failed.code, `${failed.message} (the uploaded files are kept: import them again)`);
        },
      );
  if (!(req.headers.accept ?? '').includes('application/x-ndjson')) {
    return reply(res, 'importUploads', await run(() => {}));
  }
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders() });
  const line = (value: { progress: ImportProgress } | { result: ImportJson } | { error: unknown }): void => {
    res.write(`${JSON.stringify(value)}\n`);
  };
  try {
    line({ result: await run((progress) => line({ progress })) });
  } catch (err) {
    line({ error: toApiError(err).toJSON() });
  }
  res.end();
}
