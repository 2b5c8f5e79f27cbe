/**
 * Entry of the import worker thread (bundled as out/cli/import-worker.cjs and out/main/import-worker.js):
 * runs one import job from `workerData.natlensImport` and posts progress and the result back.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ImportWorkerJob } from '../shared/backend/import-job';
import { runImportJob } from '../shared/backend/import-job-run';
import { useDumpReaderWorker } from '../core/import/dump-reader-thread';

const job = (workerData as { natlensImport?: ImportWorkerJob } | null)?.natlensImport;
if (!isMainThread && parentPort !== null && job !== undefined) {
  const port = parentPort;
  useDumpReaderWorker(__dirname);
  runImportJob(job, (message) => port.postMessage(message));
}
