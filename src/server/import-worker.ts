/**
 * Entry of the import worker thread (bundled as out/cli/import-worker.cjs and out/main/import-worker.js):
 * runs one import job from `workerData.natlensImport` and posts progress and the result back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runImportJob, type ImportWorkerJob } from '../shared/core-backend';

type PathCall = (p: fs.PathLike, ...rest: never[]) => unknown;

/**
 * The importer prints and stores paths as given, so uploads are passed as bare names of their
 * staging folder. A worker cannot chdir (the working directory is the process's), so this thread's
 * own copy of `fs` resolves relative paths against that folder instead.
 */
function readRelativeTo(baseDir: string): void {
  const patched = ['statSync', 'lstatSync', 'readdirSync', 'openSync', 'readFileSync', 'existsSync', 'realpathSync'] as const;
  const table = fs as unknown as Record<string, PathCall>;
  for (const name of patched) {
    const original = table[name];
    if (original === undefined) continue;
    table[name] = (p, ...rest) => original(typeof p === 'string' && !path.isAbsolute(p) ? path.resolve(baseDir, p) : p, ...rest);
  }
}

const job = (workerData as { natlensImport?: ImportWorkerJob } | null)?.natlensImport;
if (!isMainThread && parentPort !== null && job !== undefined) {
  const port = parentPort;
  if (job.baseDir !== null) readRelativeTo(job.baseDir);
  runImportJob(job, (message) => port.postMessage(message));
}
