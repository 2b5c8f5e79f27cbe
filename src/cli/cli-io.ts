import { visibleControls } from '../core/common/visible-controls';
import { toDisposable, type Disposable } from '../core/common/disposable';

/** Where a command writes: stdout carries the result (one JSON document with --json), stderr everything else. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal: progress may redraw one line in place. */
  stderrIsTty: boolean;
  /**
   * Calls `listener` on the first Ctrl-C (SIGINT) until disposed; a second one stops the process as usual.
   * Absent where nothing can interrupt (tests that do not ask for it).
   */
  onInterrupt?(listener: () => void): Disposable;
  /**
   * Resolves once stdout has taken what was written (a pipe to a slow reader buffers it in this process otherwise):
   * commands that stream much await it between records, so memory stays constant. Absent: nothing to wait for.
   */
  stdoutDrained?(): Promise<void>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY === true,
  onInterrupt(listener) {
    process.once('SIGINT', listener);
    return toDisposable(() => process.off('SIGINT', listener));
  },
  stdoutDrained: () => (process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once('drain', () => resolve())) : Promise.resolve()),
};

/** What a progress line writes to draw itself again over its last drawing: carriage return, erase line. */
export const REDRAW = '\r\x1b[K';

/**
 * Human output with the control characters of captured text made visible (`\x1b`), so a chain name or a
 * comment cannot drive the terminal. stdout stays exact when it carries a document (`--json`, the collector
 * script); a progress line's own leading carriage return (and REDRAW) is kept.
 */
export function terminalSafeIo(io: CliIo, stdoutExact: boolean): CliIo {
  return {
    stdout: stdoutExact ? (text) => io.stdout(text) : (text) => io.stdout(visibleControls(text)),
    stderr: (text) => {
      // A progress line's own return to the start of the line (and erase): the command's, not captured text.
      const own = text.startsWith(REDRAW) ? REDRAW : text.startsWith('\r') ? '\r' : '';
      io.stderr(own + visibleControls(text.slice(own.length)));
    },
    stderrIsTty: io.stderrIsTty,
    ...(io.onInterrupt === undefined ? {} : { onInterrupt: io.onInterrupt.bind(io) }),
    ...(io.stdoutDrained === undefined ? {} : { stdoutDrained: io.stdoutDrained.bind(io) }),
  };
}
