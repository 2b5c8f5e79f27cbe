/**
 * An import on a worker thread (out/cli/import-worker.cjs, out/main/import-worker.js): the caller's event
 * loop stays free to stream progress and to hear a cancel (Ctrl-C, cancelJob). The import itself is
 * synchronous, so the cancel reaches it through shared memory, checked where the reader reports progress.
 * Node-only. This is the caller's side; the worker's (runImportJob) is import-job-run.ts, so that a caller
 * does not evaluate the importer it hands the work to.
 */
import { Worker } from 'node:worker_threads';
import type { ImportProgress, ImportReport } from '../../core/import/import-report';
import { CancelledError, sharedCancellation } from '../../core/common/cancellation';
import { assertNever } from '../../core/common/assert-never';
import type { DumpReaderHandoff } from '../../core/import/dump-reader-start';

/** What the import worker receives as `workerData.natlensImport`. */
export interface ImportWorkerJob {
  dbPath: string;
  nativeBinding: string | null;
  paths: string[];
  node: string | null;
  /** ImportOptions.folderNode: the node of the files named directly. */
  folderNode?: string | null;
  interface: string | null;
  baseDir: string | null;
  /** Four bytes: set to 1 by the caller to cancel (sharedCancellation). */
  cancel: SharedArrayBuffer;
  /** Stitch the flows once the files are stored (false: `import --no-stitch`). */
  stitch: boolean;
  /** A dump reader thread the caller started, maybe already reading one of `paths` (startDumpReaderEarly). */
  dumpReader?: DumpReaderHandoff | null;
}

/** The worker's failures: `cancelled` (nothing of the file being read was stored), or any other error's message. */
export type ImportWorkerMessage =
  | { kind: 'progress'; progress: ImportProgress }
  | { kind: 'stitching'; pass: string; packets: number }
  | { kind: 'waiting' }
  | { kind: 'result'; report: ImportReport }
  | { kind: 'cancelled'; what: string; detail: string | null }
  | { kind: 'failed'; message: string };

export interface ImportJobRequest {
  dbPath: string;
  nativeBinding?: string | null;
  paths: readonly string[];
  node?: string | null;
  folderNode?: string | null;
  interface?: string | null;
  baseDir?: string | null;
  /** Default true: the flows are stitched as part of the import. */
  stitch?: boolean;
  /** A dump reader thread started ahead of the worker (its port is transferred to the worker). */
  dumpReader?: DumpReaderHandoff | null;
}

export interface ImportJobListeners {
  onProgress?: (progress: ImportProgress) => void;
  /** The flows are stitched once the files are stored: the pass and its packets. */
  onStitchProgress?: (pass: string, packets: number) => void;
  /** Another process holds the project's write lock; the import starts when it is released. */
  onWaiting?: () => void;
  /** Aborting it cancels the import: the promise rejects with CancelledError once the worker has rolled back. */
  signal?: AbortSignal;
}

/** Runs one import on a worker of `script`; rejects with CancelledError when cancelled, Error when it failed. */
export function importOnWorker(script: string, request: ImportJobRequest, listeners: ImportJobListeners = {}): Promise<ImportReport> {
  const cancellation = sharedCancellation();
  const job: ImportWorkerJob = {
    dbPath: request.dbPath, nativeBinding: request.nativeBinding ?? null, paths: [...request.paths], node: request.node ?? null, folderNode: request.folderNode ?? null,
    interface: request.interface ?? null, baseDir: request.baseDir ?? null, cancel: cancellation.buffer,
    stitch: request.stitch !== false, dumpReader: request.dumpReader ?? null,
  };
  const { signal } = listeners;
  if (signal?.aborted === true) return Promise.reject(new CancelledError('the import', 'nothing was stored'));
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { natlensImport: job }, transferList: job.dumpReader ? [job.dumpReader.port] : [] });
    const onAbort = (): void => cancellation.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    worker.on('message', (message: ImportWorkerMessage) => {
      switch (message.kind) {
        case 'progress':
          if (!settled) listeners.onProgress?.(message.progress);
          return;
        case 'waiting':
          if (!settled) listeners.onWaiting?.();
          return;
        case 'stitching':
          if (!settled) listeners.onStitchProgress?.(message.pass, message.packets);
          return;
        case 'result':
          return settle(() => resolve(message.report));
        case 'cancelled':
          return settle(() => reject(new CancelledError(message.what, message.detail ?? undefined)));
        case 'failed':
          return settle(() => reject(new Error(message.message)));
        default:
          return assertNever(message);
      }
    });
    worker.on('error', (e) => settle(() => reject(new Error(`the import worker failed: ${e.message}`))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the import worker stopped (exit code ${code}) without a result`))));
  });
}
