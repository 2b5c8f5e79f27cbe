/**
 * Cancellation for long core work (import, stitching, reports): loops check a signal between units of
 * work and throw CancelledError, so the transaction around them rolls back and nothing partial is stored.
 *
 * The check reads `aborted` only, so an AbortSignal fits, and so does a flag another thread sets
 * (sharedCancellation): a synchronous import in a worker never returns to its event loop to see an abort.
 */
export interface CancellationSignal {
  readonly aborted: boolean;
}

export class CancelledError extends Error {
  /** `what`: the work that stopped, as a sentence's subject ("the import of big.pcap"); `detail`: what was kept. */
  constructor(readonly what: string, readonly detail?: string) {
    super(detail === undefined ? `${what} was cancelled` : `${what} was cancelled; ${detail}`);
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal: CancellationSignal | null | undefined, what: string): void {
  if (signal?.aborted === true) throw new CancelledError(what);
}

export function isCancelled(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}

/** A flag in shared memory: one side cancels (`cancel`), the other passes `signal` into core. */
export interface SharedCancellation {
  readonly buffer: SharedArrayBuffer;
  readonly signal: CancellationSignal;
  cancel(): void;
}

export function sharedCancellation(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)): SharedCancellation {
  const flag = new Int32Array(buffer);
  return {
    buffer,
    signal: {
      get aborted() {
        return Atomics.load(flag, 0) === 1;
      },
    },
    cancel: () => {
      Atomics.store(flag, 0, 1);
    },
  };
}
