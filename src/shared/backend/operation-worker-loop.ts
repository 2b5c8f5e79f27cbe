/**
 * The worker side of the operation pool (operation-pool.ts): runs each heavy operation it is sent with the
 * shared handler, over its own connection to the project, and posts the answer or the error back. The
 * connection, and with it the compiled replay worlds, is kept between calls and reopened when the project
 * was written (an import) since it was opened. Node-only.
 */
import { ApiError } from '../contract/api-error';
import { ValidationError } from '../contract/validator';
import { coreStoreOpener } from './core-backend';
import { sharedHandlers, type Handler, type OperationContext } from './handlers';
import { JobRegistry } from './jobs';
import type { OperationTask, OperationWorkerData, OperationWorkerInput, OperationWorkerMessage, PooledOperation, ReportStreamTask } from './operation-pool';
import { Project } from './project';
import { ByteWindow, renderReportChunks } from './report-stream';
import type { ReportHeadJson } from '../contract/report-file-json';

export interface TaskPort {
  on(event: 'message', listener: (input: OperationWorkerInput) => void): unknown;
  /** `transfer`: the chunks' buffers move to the other thread instead of being copied. */
  postMessage(message: OperationWorkerMessage, transfer?: ArrayBuffer[]): void;
}

export function serveOperations(port: TaskPort, data: OperationWorkerData): void {
  let importing = false;
  const open = coreStoreOpener({ nativeBinding: data.nativeBinding, importRunning: () => importing });
  let project: { project: Project; changes: number } | null = null;
  const jobs = new JobRegistry();
  const signal = new AbortController().signal;

  const projectFor = (task: { dbPath: string; changes: number }): Project => {
    if (project !== null && project.project.dbPath === task.dbPath && project.changes === task.changes) return project.project;
    project?.project.dispose();
    project = { project: new Project(task.dbPath, open), changes: task.changes };
    return project.project;
  };

  // Tasks arrive one at a time (the pool posts the next when this one answers), so nothing here interleaves.
  port.on('message', (input) => {
    if (input.kind === 'open') {
      // Opening the store is what the first request would otherwise wait for; a file that is not there stays so.
      // A project that cannot be opened is left to the first request, which answers with the reason.
      try {
        projectFor(input).read(() => null, null);
      } catch {
        project = null;
      }
      return;
    }
    const task = input;
    importing = task.importing;
    if (task.kind === 'report-stream') {
      try {
        port.postMessage({ kind: 'result', id: task.id, value: streamReport(port, projectFor(task), task) });
      } catch (e) {
        port.postMessage({ kind: 'failed', id: task.id, error: errorJson(e).toJSON() });
      }
      return;
    }
    const ctx: OperationContext = { project: projectFor(task), shell: task.shell, jobs, progress: () => undefined, signal };
    run(ctx, task.name, task.request).then(
      (value) => port.postMessage({ kind: 'result', id: task.id, value }),
      (e: unknown) => port.postMessage({ kind: 'failed', id: task.id, error: errorJson(e).toJSON() }),
    );
  });
}

/** Renders the report into chunks posted as they fill, each waiting for room in the task's byte window. */
function streamReport(port: TaskPort, project: Project, task: ReportStreamTask): ReportHeadJson {
  const window = new ByteWindow(task.window, task.windowBytes);
  return renderReportChunks(
    project,
    task.request,
    (head) => port.postMessage({ kind: 'head', id: task.id, head }),
    (bytes) => {
      window.reserve(bytes.length);
      port.postMessage({ kind: 'chunk', id: task.id, bytes }, [bytes.buffer as ArrayBuffer]);
    },
  );
}

async function run(ctx: OperationContext, name: PooledOperation, request: unknown): Promise<unknown> {
  // The request was validated by the face before it was posted; the table's handler for that name takes it.
  const handler = sharedHandlers[name] as Handler<PooledOperation>;
  return handler(ctx, request as never);
}

function errorJson(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ValidationError) return new ApiError('invalid-request', e.message);
  return new ApiError('internal', e instanceof Error ? e.message : String(e));
}
