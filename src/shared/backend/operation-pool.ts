/**
 * A small pool of worker threads for the heavy operations (stitching, findings, reports, replays): the thread
 * that answers requests (natlens serve's server thread, Electron's main process) only posts them and waits,
 * so a report that computes for seconds holds up nothing else. Each worker opens its own connection to the
 * project (busy timeout, writes in immediate transactions: model/write-turn.ts) and keeps what it compiled
 * (replay worlds, a filter's matches) between calls; it reopens when the project was written here since.
 *
 * The work in a worker is synchronous, so cancelling (the client went away, the face is closing) terminates
 * the worker: V8 stops where it is and SQLite's journal undoes a write it had begun. A fresh worker is started
 * for the next request.
 */
import { Worker } from 'node:worker_threads';
import { ApiError, apiErrorFromJson, type ApiErrorJson } from '../contract/api-error';
import type { HeavyOperation, ProjectInfo, RequestOf, ResponseOf } from '../contract/api';
import type { Disposable } from '../../core/common/disposable';
import type { OperationOffload, SharedOperation } from './handlers';
import type { Project } from './project';
import type { ReportHeadJson } from '../contract/report-file-json';
import { ByteWindow, REPORT_WINDOW, type ReportStreamer, type ReportStreamTarget } from './report-stream';

/** One heavy operation as a pool worker receives it. */
export interface OperationTask {
  kind: 'run';
  id: number;
  dbPath: string;
  /** The project's write count when it was posted: the worker reopens its connection when it moved. */
  changes: number;
  /** An import runs meanwhile: read the flows stitched so far, do not stitch. */
  importing: boolean;
  shell: ProjectInfo['shell'];
  name: PooledOperation;
  request: unknown;
}

/** A report streamed as it is rendered: `head`, then `chunk` messages, then the result (the head again). */
export interface ReportStreamTask extends Omit<OperationTask, 'kind' | 'name' | 'request'> {
  kind: 'report-stream';
  name: 'report';
  request: RequestOf<'report'>;
  /** The byte window (report-stream.ts): the worker waits while more than it is posted and not yet written. */
  window: SharedArrayBuffer;
  /** Its size in bytes. */
  windowBytes: number;
}

/** Sent to a worker started ahead of need: open the project now, so its first request does not wait for that. */
export interface OperationOpen {
  kind: 'open';
  dbPath: string;
  changes: number;
}

export type OperationWorkerInput = OperationTask | ReportStreamTask | OperationOpen;

export type OperationWorkerMessage =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'failed'; id: number; error: ApiErrorJson }
  | { kind: 'head'; id: number; head: ReportHeadJson }
  | { kind: 'chunk'; id: number; bytes: Uint8Array };

/** What `workerData.natlensOperations` carries. */
export interface OperationWorkerData {
  nativeBinding: string | null;
}

export type PooledOperation = HeavyOperation & SharedOperation;

export interface OperationPoolOptions {
  /** The built worker script: out/cli/operation-worker.cjs, out/main/operation-worker.js. */
  script: string;
  /** Workers at most; requests beyond wait in order. Default: 2 (one request can always run beside another). */
  size?: number;
  /** Electron: a better-sqlite3 addon built for its ABI. */
  nativeBinding?: string | null;
  /** Bytes of a streamed report posted and not yet written, at most (default REPORT_WINDOW). */
  reportWindow?: number;
}

export interface OperationPoolStats {
  /** Worker threads alive (idle ones keep their compiled worlds). */
  workers: number;
  running: number;
  queued: number;
  /** Requests stopped before they ended (client gone, pool disposed). */
  cancelled: number;
}

interface Pending {
  task: OperationTask | ReportStreamTask;
  /** A streamed report's destination; null for an operation answered whole. */
  stream: ReportStreamTarget | null;
  resolve(value: unknown): void;
  reject(error: ApiError): void;
  signal: AbortSignal;
  onAbort(): void;
}

interface Slot {
  worker: Worker;
  running: Pending | null;
  /** The operation it ran last: the same kind goes back there, to its cached worlds and filter matches. */
  last: PooledOperation | null;
}

export class OperationPool implements OperationOffload, ReportStreamer, Disposable {
  private readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly exits = new Set<Promise<unknown>>();
  private nextId = 1;
  private cancelled = 0;
  private disposed = false;

  constructor(private readonly options: OperationPoolOptions) {
    this.size = Math.max(1, options.size ?? 2);
  }

  run<N extends PooledOperation>(project: Project, shell: ProjectInfo['shell'], name: N, request: RequestOf<N>, signal: AbortSignal): Promise<ResponseOf<N>> {
    if (this.disposed) return Promise.reject(new ApiError('cancelled', 'natlens is closing the project'));
    if (signal.aborted) return Promise.reject(cancelledError(name));
    const task: OperationTask = {
      kind: 'run', id: this.nextId++, dbPath: project.dbPath, changes: project.changes, importing: project.importRunning(), shell, name, request,
    };
    return this.enqueue<ResponseOf<N>>(task, null, signal);
  }

  /** The report streamed into `target` by a worker as it is rendered; answers its head when the last byte is posted. */
  streamReport(project: Project, shell: ProjectInfo['shell'], request: RequestOf<'report'>, target: ReportStreamTarget, signal: AbortSignal): Promise<ReportHeadJson> {
    if (this.disposed) return Promise.reject(new ApiError('cancelled', 'natlens is closing the project'));
    if (signal.aborted) return Promise.reject(cancelledError('report'));
    const window = ByteWindow.shared();
    const task: ReportStreamTask = {
      kind: 'report-stream', id: this.nextId++, dbPath: project.dbPath, changes: project.changes, importing: project.importRunning(), shell, name: 'report', request, window,
      windowBytes: this.options.reportWindow ?? REPORT_WINDOW,
    };
    const windowed: ReportStreamTarget = {
      head: (head) => target.head(head),
      chunk: (bytes, written) => target.chunk(bytes, () => {
        ByteWindow.release(window, bytes.length);
        written();
      }),
    };
    return this.enqueue<ReportHeadJson>(task, windowed, signal);
  }

  private enqueue<T>(task: OperationTask | ReportStreamTask, stream: ReportStreamTarget | null, signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        task,
        stream,
        resolve: (value) => resolve(value as T),
        reject,
        signal,
        onAbort: () => this.abort(pending),
      };
      signal.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
      this.pump();
    });
  }

  /**
   * Starts the workers now, so the first heavy request does not wait for a thread to load (a server just
   * started); with `project` (when its file exists) each also opens its connection to it.
   */
  warm(project: Project | null = null): void {
    while (!this.disposed && this.slots.length < this.size) {
      const slot = this.spawn();
      if (project !== null && project.exists) slot.worker.postMessage({ kind: 'open', dbPath: project.dbPath, changes: project.changes } satisfies OperationOpen);
    }
  }

  stats(): OperationPoolStats {
    return { workers: this.slots.length, running: this.slots.filter((s) => s.running !== null).length, queued: this.queue.length, cancelled: this.cancelled };
  }

  /** Resolves when every worker this pool terminated has exited (tests, and a face waiting to close its database). */
  async settled(): Promise<void> {
    while (this.exits.size > 0) await Promise.all([...this.exits]);
  }

  /** Stops everything: queued and running requests reject with `cancelled`, every worker is terminated. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const pending of this.queue.splice(0)) this.settle(pending, () => pending.reject(cancelledError(pending.task.name)), true);
    for (const slot of this.slots.splice(0)) {
      const pending = slot.running;
      slot.running = null;
      this.terminate(slot);
      if (pending !== null) this.settle(pending, () => pending.reject(cancelledError(pending.task.name)), true);
    }
  }

  private pump(): void {
    while (!this.disposed && this.queue.length > 0) {
      const next = this.queue[0]!;
      const slot = this.idleSlot(next.task.name);
      if (slot === null) return;
      this.queue.shift();
      slot.running = next;
      slot.last = next.task.name;
      slot.worker.postMessage(next.task);
    }
  }

  private idleSlot(name: PooledOperation): Slot | null {
    const idle = this.slots.filter((s) => s.running === null);
    const same = idle.find((s) => s.last === name);
    if (same !== undefined) return same;
    // A worker that has not run this kind yet: a fresh one while there is room, so each kind keeps its own.
    if (this.slots.length < this.size) return this.spawn();
    return idle[0] ?? null;
  }

  private spawn(): Slot {
    const data: OperationWorkerData = { nativeBinding: this.options.nativeBinding ?? null };
    const worker = new Worker(this.options.script, { workerData: { natlensOperations: data } });
    const slot: Slot = { worker, running: null, last: null };
    worker.on('message', (message: OperationWorkerMessage) => {
      const pending = slot.running;
      if (pending === null || pending.task.id !== message.id) return;
      if (message.kind === 'head' || message.kind === 'chunk') {
        if (pending.stream === null) return;
        if (message.kind === 'head') pending.stream.head(message.head);
        else pending.stream.chunk(message.bytes, () => undefined);
        return;
      }
      slot.running = null;
      if (message.kind === 'result') this.settle(pending, () => pending.resolve(message.value), false);
      else this.settle(pending, () => pending.reject(apiErrorFromJson(message.error, 'the operation failed')), false);
      this.pump();
    });
    const lost = (why: string): void => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.slots.splice(at, 1);
      const pending = slot.running;
      slot.running = null;
      if (pending !== null) this.settle(pending, () => pending.reject(new ApiError('internal', `${pending.task.name} failed: ${why}`)), false);
      this.pump();
    };
    worker.on('error', (e) => lost(`its worker thread failed (${e.message})`));
    worker.on('exit', (code) => lost(`its worker thread stopped (exit code ${code})`));
    this.slots.push(slot);
    return slot;
  }

  private abort(pending: Pending): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(pending, () => pending.reject(cancelledError(pending.task.name)), true);
      return;
    }
    const slot = this.slots.find((s) => s.running === pending);
    if (slot === undefined) return;
    this.slots.splice(this.slots.indexOf(slot), 1);
    slot.running = null;
    this.terminate(slot);
    this.settle(pending, () => pending.reject(cancelledError(pending.task.name)), true);
    this.pump();
  }

  private terminate(slot: Slot): void {
    slot.worker.removeAllListeners('message');
    const exited: Promise<unknown> = slot.worker.terminate().finally(() => this.exits.delete(exited));
    this.exits.add(exited);
  }

  private settle(pending: Pending, fn: () => void, cancelled: boolean): void {
    pending.signal.removeEventListener('abort', pending.onAbort);
    if (cancelled) this.cancelled++;
    fn();
  }
}

function cancelledError(name: PooledOperation): ApiError {
  return new ApiError('cancelled', `${name} was stopped before it ended`);
}
