/**
 * The worker side of an import job (import-job.ts is the caller's): opens its own store on the project and runs
 * the import there. Apart from the caller's module so that the command line's thread, which only starts the
 * worker, does not load the store and the import pipeline. Node-only.
 */
import { Store } from '../../core/model/store';
import { importPaths } from '../../core/import/import-paths';
import { isCancelled, sharedCancellation } from '../../core/common/cancellation';
import { adoptDumpReader } from '../../core/import/dump-reader-thread';
import type { ImportWorkerJob, ImportWorkerMessage } from './import-job';

/** The worker side: opens its own store on the same file (WAL + busy_timeout), imports and stitches, reports by message. */
export function runImportJob(job: ImportWorkerJob, post: (message: ImportWorkerMessage) => void): void {
  let store: Store | null = null;
  if (job.dumpReader) adoptDumpReader(job.dumpReader);
  try {
    store = Store.open(job.dbPath, { nativeBinding: job.nativeBinding, onWaitForWriter: () => post({ kind: 'waiting' }) });
    const report = importPaths(store, job.paths, {
      node: job.node, folderNode: job.folderNode ?? null, interface: job.interface, readFrom: job.baseDir,
      signal: sharedCancellation(job.cancel).signal,
      onProgress: (progress) => post({ kind: 'progress', progress }),
      stitch: job.stitch,
      onStitchProgress: (pass, packets) => post({ kind: 'stitching', pass, packets }),
    });
    post({ kind: 'result', report });
  } catch (e) {
    if (isCancelled(e)) post({ kind: 'cancelled', what: e.what, detail: e.detail ?? null });
    else post({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
  } finally {
    store?.close();
  }
}

