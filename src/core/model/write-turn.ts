/**
 * Project writes wait their turn. SQLite's busy timeout makes a statement wait for another process's lock,
 * but a change of journal mode answers SQLITE_BUSY at once whatever the timeout: those are retried here,
 * for as long as a statement would wait.
 */
import Database from 'better-sqlite3';

/** How long a connection waits for another process's write (a concurrent import) before it gives up. */
export const WRITE_WAIT_MS = 10 * 60_000;

const pause = new Int32Array(new SharedArrayBuffer(4));

export function isBusyError(e: unknown): boolean {
  return e instanceof Database.SqliteError && (e.code === 'SQLITE_BUSY' || e.code.startsWith('SQLITE_BUSY_'));
}

/** Runs `fn` again while it fails SQLITE_BUSY, up to `waitMs`; the thread sleeps between tries (imports are synchronous). */
export function retryWhileBusy<T>(fn: () => T, waitMs = WRITE_WAIT_MS): T {
  const deadline = Date.now() + waitMs;
  for (let ms = 2; ; ms = Math.min(ms * 2, 100)) {
    try {
      return fn();
    } catch (e) {
      if (!isBusyError(e) || Date.now() >= deadline) throw e;
      Atomics.wait(pause, 0, 0, ms);
    }
  }
}
