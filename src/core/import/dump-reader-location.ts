/**
 * Where the dump reader thread's bundle is. Entry points name their bundle's folder here at start-up; this
 * module is apart from dump-reader-thread.ts so that doing so does not evaluate the dump reader (and the
 * parsers it imports) in a process that never imports a dump (`natlens trace`).
 */
import fs from 'node:fs';
import path from 'node:path';

/** The worker bundle: out/cli/dump-reader-worker.cjs beside the command line, out/main/dump-reader-worker.js in Electron. */
const WORKER_FILES = ['dump-reader-worker.cjs', 'dump-reader-worker.js'];
let workerScript: string | null = null;

/** Entry points call this with their bundle's folder; without it dumps are read on the importing thread. */
export function useDumpReaderWorker(bundleDir: string): void {
  workerScript = WORKER_FILES.map((f) => path.join(bundleDir, f)).find((f) => fs.existsSync(f)) ?? null;
}

/** The reader thread's script, or null: read dumps on the importing thread. */
export function dumpReaderScript(): string | null {
  return workerScript;
}
