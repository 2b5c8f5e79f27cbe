/**
 * Runs fuzz work in a worker thread watched from the test: a parse call that does not return within
 * `stallMs` (a hang, or a super-linear blow-up on a long line) ends the worker and is reported with the
 * case that was running. The bound only separates "finishes" from "never finishes"; it measures no speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundleForNode } from '../../scripts/node-bundle.mjs';
import type { CaseShape, RunReport } from './fuzz-case';
import type { Outcome } from './parse-outcome';
import type { FuzzTarget, Seed } from './seed-corpus';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export type WorkerTask =
  | { kind: 'cases'; target: FuzzTarget; shape: CaseShape; runSeed: number; cases: number; largeSize: number }
  | { kind: 'inputs'; subjects: Subject[] }
  | { kind: 'spin' };

/** A seed for `target`, optionally grown in the worker by `size` chars of `unit` at offset `at` (megabytes are not copied over). */
export type Subject = Seed & { target: FuzzTarget; grow?: { at: number; unit: string; size: number } };

export interface WorkerData {
  repoRoot: string;
  task: WorkerTask;
  /** Int32 [calls started, index of the running call]. */
  progress: SharedArrayBuffer;
}

export type WorkerAnswer =
  | { kind: 'cases'; report: RunReport }
  | { kind: 'outcomes'; outcomes: Outcome[] }
  /** Call `index` ran for `stallMs` without returning. */
  | { kind: 'hung'; index: number; stallMs: number }
  | { kind: 'crashed'; message: string };

let bundleDir: string | null = null;
let bundled: Promise<string> | null = null;

/** The worker's code, bundled once per test file as the CLI is (vitest's transform does not reach worker threads). */
function workerScript(): Promise<string> {
  bundled ??= (async () => {
    bundleDir = mkdtempSync(path.join(tmpdir(), 'natlens-fuzz-'));
    const outfile = path.join(bundleDir, 'fuzz-worker.cjs');
    await bundleForNode(path.join(__dirname, 'fuzz-worker.ts'), outfile);
    return outfile;
  })();
  return bundled;
}

export function removeWorkerScript(): void {
  if (bundleDir !== null) rmSync(bundleDir, { recursive: true, force: true });
  bundleDir = null;
  bundled = null;
}

export async function runInWorker(task: WorkerTask, stallMs: number): Promise<WorkerAnswer> {
  const script = await workerScript();
  const progress = new SharedArrayBuffer(8);
  const counters = new Int32Array(progress);
  const data: WorkerData = { repoRoot: REPO_ROOT, task, progress };
  const worker = new Worker(script, { workerData: data });
  return new Promise<WorkerAnswer>((resolve) => {
    let settled = false;
    let seenCalls = -1;
    let lastChange = Date.now();
    const settle = (answer: WorkerAnswer): void => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      resolve(answer);
    };
    const watch = setInterval(() => {
      const calls = Atomics.load(counters, 0);
      const now = Date.now();
      if (calls !== seenCalls) {
        seenCalls = calls;
        lastChange = now;
      } else if (now - lastChange > stallMs) {
        const index = Atomics.load(counters, 1);
        void worker.terminate();
        settle({ kind: 'hung', index, stallMs });
      }
    }, 100);
    worker.once('message', (answer: WorkerAnswer) => {
      settle(answer);
      void worker.terminate();
    });
    worker.once('error', (err) => settle({ kind: 'crashed', message: err.stack ?? String(err) }));
    worker.once('exit', (code) => settle({ kind: 'crashed', message: `worker exited with code ${code} before answering` }));
  });
}
