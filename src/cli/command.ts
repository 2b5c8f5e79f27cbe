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

/**
 * A command as command-table.ts lists it: its name and summary at once, its module (and everything that module
 * imports) evaluated only when the command runs or shows its usage. `natlens trace` then starts without
 * evaluating the report, server, import and collector code it never calls.
 */
export interface CommandEntry {
  name: string;
  /** The loaded command's `summary` (command-table.test.ts checks they agree). */
  summary: string;
  load(): Promise<CliCommand>;
}

/** Bad arguments: exit 2 with the message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}
