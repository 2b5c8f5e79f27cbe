/**
 * The client side of the operation table: one function per operation the renderer calls, built by
 * iterating `operations`. A shell supplies only its transport (IPC in the preload, fetch in web mode);
 * a new operation needs no code here or there.
 */
import { ApiError } from './api-error';
import {
  operations, operationsOf, isJobOperation, TRANSPORT_OPERATIONS,
  type JobOperation, type JobRequestOf, type OperationCalls, type OperationName, type ProgressListener, type RendererOperation, type RequestOf, type ResponseOf,
} from './api';

/** How a shell carries one call to the backend. */
export interface OperationTransport {
  readonly shell: 'desktop' | 'web';
  call<N extends OperationName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>>;
  /** Runs a job under `job`, routing its progress to `onProgress` until it settles. */
  callJob<N extends JobOperation>(name: N, request: RequestOf<N>, job: string, onProgress: ProgressListener | undefined): Promise<ResponseOf<N>>;
}

const TRANSPORT_ONLY: ReadonlySet<OperationName> = new Set<OperationName>(TRANSPORT_OPERATIONS);

let jobCounter = 0;
/** Job ids only need to be unique among the jobs one page runs at a time. */
export function newJobId(): string {
  jobCounter += 1;
  return `job-${Date.now().toString(36)}-${jobCounter}`;
}

/**
 * Runs a job: aborting `signal` sends `cancelJob` for it. The job's own answer (an error with code
 * `cancelled`) settles the call, so the backend, not the page, says what was kept.
 */
export async function runJob<N extends JobOperation>(
  transport: OperationTransport,
  name: N,
  request: JobRequestOf<N>,
  onProgress: ProgressListener | undefined,
  signal: AbortSignal | undefined,
): Promise<ResponseOf<N>> {
  if (signal?.aborted === true) throw new ApiError('cancelled', `${operations[name].title} was cancelled before it started`);
  const job = newJobId();
  const cancel = (): void => {
    transport.call('cancelJob', { job }).catch(() => undefined);
  };
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    // The job id is the one field a job request has beyond what the page passes.
    return await transport.callJob(name, { ...request, job } as RequestOf<N>, job, onProgress);
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

/** Every operation of the table the page may call in this shell; the others reject with `unsupported`. */
export function operationCalls(transport: OperationTransport): OperationCalls {
  const offered = new Set(operationsOf(transport.shell));
  const calls: Partial<Record<RendererOperation, unknown>> = {};
  for (const name of Object.keys(operations) as OperationName[]) {
    if (TRANSPORT_ONLY.has(name)) continue;
    const rendererName = name as RendererOperation;
    if (!offered.has(name)) {
      calls[rendererName] = () =>
        Promise.reject(new ApiError('unsupported', `${operations[name].title} needs the ${transport.shell === 'web' ? 'desktop app; in the browser, drop files or use the file picker' : 'web mode'}`));
    } else if (isJobOperation(name)) {
      calls[rendererName] = (request: JobRequestOf<typeof name>, onProgress?: ProgressListener, signal?: AbortSignal) => runJob(transport, name, request, onProgress, signal);
    } else {
      calls[rendererName] = (request: RequestOf<typeof name>) => transport.call(name, request);
    }
  }
  // Built by iterating the table, so TypeScript cannot follow each entry to its own signature; the loop covers every key.
  return calls as OperationCalls;
}
