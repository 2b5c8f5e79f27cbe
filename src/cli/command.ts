import type { CliIo } from './cli-io';

/** Exit codes of CONTRACT.md. */
export const EXIT_OK = 0;
export const EXIT_REJECTED = 1;
export const EXIT_USAGE = 2;
/** Interrupted by Ctrl-C (128 + SIGINT), as a shell reports a process SIGINT stopped. */
export const EXIT_INTERRUPTED = 130;

/** One `natlens <name>` command: its own module under commands/, listed once in command-table.ts. */
export interface CliCommand {
  name: string;
  /** One line for `natlens --help`. */
  summary: string;
  /** The command's usage text (first line: `usage: natlens name ...`). */
  usage: string;
  /** Resolves with the exit code; throws UsageError for bad arguments. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Bad arguments: exit 2 with the message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}
