/**
 * The Api over natlens serve's HTTP: every request carries the run's token as a Bearer header.
 * Files are uploaded one by one to UPLOAD_ROUTE (with byte progress), then imported in one call
 * whose NDJSON answer streams import progress and the result.
 */
import { ApiError, apiErrorFromJson } from '../../shared/contract/api-error';
import {
  commonFolderName, fileOfItem, importOptionsOf, isFolderItem, operations, UPLOAD_NAME_HEADER, UPLOAD_PATH_HEADER, UPLOAD_ROUTE,
  type Api, type ImportItem, type ReportDownload, type ImportOptions, type ImportProgress, type OperationName, type ProgressListener, type RequestOf, type ResponseOf,
} from '../../shared/contract/api';
import { operationCalls, runJob, type OperationTransport } from '../../shared/contract/operation-client';
import type { ImportJson } from '../../shared/contract/contract-json';
import { readNdjson } from './ndjson';
import { dispositionFileName } from './content-disposition';
import { REPORT_DOWNLOAD_ROUTE } from '../../shared/contract/report-file-json';

/** Sends one file's bytes; reports bytes sent. Browsers use XHR (fetch has no upload progress). */
export type Uploader = (url: string, headers: Record<string, string>, file: File, onBytes: (sent: number) => void) => Promise<{ status: number; body: string }>;

export interface WebApiOptions {
  token: string;
  /** Origin + path prefix; '' for the page's own origin. */
  base?: string;
  fetch?: typeof fetch;
  upload?: Uploader;
}

export function xhrUploader(): Uploader {
  return (url, headers, file, onBytes) =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => onBytes(e.loaded);
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => reject(new ApiError('internal', `upload of ${file.name} failed: the server did not answer`));
      xhr.send(file);
    });
}

function fetchUploader(doFetch: typeof fetch): Uploader {
  return async (url, headers, file, onBytes) => {
    const res = await doFetch(url, { method: 'POST', headers, body: file });
    onBytes(file.size);
    return { status: res.status, body: await res.text() };
  };
}

export function createWebApi(options: WebApiOptions): Api {
  const base = options.base ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const upload = options.upload ?? (typeof XMLHttpRequest === 'undefined' ? fetchUploader(doFetch) : xhrUploader());
  const auth = { Authorization: `Bearer ${options.token}` };

  /**
   * fetch, with the server gone said in words: the browser's own "Failed to fetch" (a TypeError) names neither the
   * server nor what to do. A cancelled request (AbortError) is passed on as it is.
   */
  async function reach(url: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(url, init);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      const where = base !== '' ? base : typeof location === 'undefined' ? 'its address' : location.origin;
      throw new ApiError('internal', `natlens serve did not answer at ${where}: was it stopped? Start it again and open the URL it prints (each run has a new token)`);
    }
  }

  async function failure(res: Response): Promise<ApiError> {
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      json = null;
    }
    return apiErrorFromJson(json, `HTTP ${res.status}`);
  }

  async function send<N extends OperationName>(name: N, request: RequestOf<N>, accept: string): Promise<Response> {
    const route = operations[name].http;
    if (route === null) throw new ApiError('unsupported', `${name} has no HTTP route`);
    const init: RequestInit = { method: route.method, headers: { ...auth, Accept: accept } };
    let url = `${base}${route.path}`;
    if (route.method === 'GET') {
      const query = new URLSearchParams(Object.entries(request as Record<string, unknown>).map(([k, v]) => [k, String(v)])).toString();
      if (query !== '') url += `?${query}`;
    } else {
      init.headers = { ...auth, Accept: accept, 'Content-Type': 'application/json' };
      init.body = JSON.stringify(request);
    }
    const res = await reach(url, init);
    if (!res.ok) throw await failure(res);
    return res;
  }

  const transport: OperationTransport = {
    shell: 'web',
    async call(name, request) {
      return (await (await send(name, request, 'application/json')).json()) as ResponseOf<typeof name>;
    },
    /** A job's answer streams NDJSON: `{"progress":...}` lines, then `{"result":...}` or `{"error":...}`. */
    async callJob(name, request, _job, onProgress) {
      const res = await send(name, request, 'application/x-ndjson');
      if (res.body === null) throw new ApiError('internal', `the answer of ${name} has no body`);
      let result: { value: ResponseOf<typeof name> } | null = null;
      for await (const message of readNdjson(res.body)) {
        const m = message as { progress?: unknown; result?: unknown; error?: unknown };
        if (m.progress !== undefined) onProgress?.(m.progress as ImportProgress);
        else if (m.result !== undefined) result = { value: m.result as ResponseOf<typeof name> };
        else if (m.error !== undefined) throw apiErrorFromJson(m.error, `${operations[name].title} failed`);
      }
      if (result === null) throw new ApiError('internal', `${operations[name].title} ended without a result`);
      return result.value;
    },
  };

  async function importFiles(items: readonly ImportItem[], importOptions: ImportOptions, onProgress?: ProgressListener, signal?: AbortSignal): Promise<ImportJson> {
    const total = items.reduce((n, item) => n + fileOfItem(item).size, 0);
    let sentBefore = 0;
    const ids: string[] = [];
    for (const item of items) {
      const file = fileOfItem(item);
      if (signal?.aborted === true) throw new ApiError('cancelled', `the import was cancelled while uploading; nothing was imported`);
      const headers: Record<string, string> = { ...auth, [UPLOAD_NAME_HEADER]: encodeURIComponent(file.name), 'Content-Type': 'application/octet-stream' };
      if (isFolderItem(item)) headers[UPLOAD_PATH_HEADER] = encodeURIComponent(item.folderPath);
      const res = await upload(`${base}${UPLOAD_ROUTE}`, headers, file, (sent) =>
        onProgress?.({ phase: 'upload', done: sentBefore + sent, total, current: file.name }),
      );
      let json: unknown = null;
      try {
        json = JSON.parse(res.body) as unknown;
      } catch {
        json = null;
      }
      if (res.status !== 201) throw apiErrorFromJson(json, `upload of ${file.name} failed (HTTP ${res.status})`);
      const id = (json as { upload?: unknown } | null)?.upload;
      if (typeof id !== 'string') throw new ApiError('internal', `upload of ${file.name}: the server sent no upload id`);
      ids.push(id);
      sentBefore += file.size;
    }
    return runJob(transport, 'importUploads', { uploads: ids, ...importOptionsOf(importOptions) }, onProgress, signal);
  }

  /** The server streams the file while it renders it; the browser gathers the bytes into a Blob (on disk when large). */
  async function downloadReport(request: RequestOf<'report'>, signal?: AbortSignal): Promise<ReportDownload> {
    const query = new URLSearchParams({ format: request.format });
    if (request.traces !== undefined && request.traces.length > 0) query.set('traces', JSON.stringify(request.traces));
    const res = await reach(`${base}${REPORT_DOWNLOAD_ROUTE}?${query.toString()}`, { headers: auth, ...(signal === undefined ? {} : { signal }) });
    if (!res.ok) throw await failure(res);
    const fileName = dispositionFileName(res.headers.get('Content-Disposition')) ?? `natlens-report.${request.format}`;
    return { fileName, blob: await res.blob() };
  }

  /** A folder input (webkitdirectory) gives each file its path in the folder; a plain file input gives none. */
  function commonFolderOf(files: readonly File[]): string | null {
    const relative = files.map((f) => f.webkitRelativePath);
    return relative.some((r) => r === '') ? null : commonFolderName(relative);
  }

  return {
    shell: 'web',
    ...operationCalls(transport),
    importFiles,
    commonFolderOf,
    downloadReport,
    onShellEvent: () => () => {},
  };
}
