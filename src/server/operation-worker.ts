/**
 * Entry of an operation pool worker (bundled as out/cli/operation-worker.cjs and out/main/operation-worker.js):
 * runs the heavy operations natlens serve and the desktop app post to it. See shared/backend/operation-pool.ts.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { serveOperations, type TaskPort } from '../shared/backend/operation-worker-loop';
import type { OperationWorkerData } from '../shared/backend/operation-pool';

const data = (workerData as { natlensOperations?: OperationWorkerData } | null)?.natlensOperations;
if (!isMainThread && parentPort !== null && data !== undefined) serveOperations(parentPort as TaskPort, data);
