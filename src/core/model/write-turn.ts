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

/**
 * Runs `fn` again while it fails SQLITE_BUSY (and `retryable` agrees), up to `waitMs`; the thread sleeps between
 * tries (imports are synchronous). Waiting here in short turns, rather than in one long sleep inside SQLite,
 * keeps a waiting worker thread stoppable: its JavaScript runs between tries, so `terminate()` takes effect.
 */
export function retryWhileBusy<T>(fn: () => T, onWait: (() => void) | null = null, waitMs = WRITE_WAIT_MS, retryable: () => boolean = () => true): T {
  const deadline = Date.now() + waitMs;
  for (let ms = 2; ; ms = Math.min(ms * 2, 100)) {
    try {
      return fn();
    } catch (e) {
      if (!isBusyError(e) || !retryable() || Date.now() >= deadline) throw e;
      if (ms === 2) onWait?.();
      Atomics.wait(pause, 0, 0, ms);
    }
  }
}

/**
 * Runs `fn` (statements that may wait for another process's lock) once without waiting, so that `onWait`
 * can say why before the wait begins, then again waiting as long as any statement would.
 */
export function sayingWhenWaiting<T>(db: Database.Database, onWait: (() => void) | null, fn: () => T): T {
  if (onWait === null) return fn();
  db.pragma('busy_timeout = 0');
  try {
    return fn();
  } catch (e) {
    if (!isBusyError(e)) throw e;
  } finally {
    db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
  }
  onWait();
  return fn();
}

/** `fn` called the first time only. */
export function once(fn: (() => void) | null): (() => void) | null {
  if (fn === null) return null;
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}
