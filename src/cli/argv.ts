import { parseArgs } from 'node:util';
import { UsageError } from './command';

/** `multiple`: a string option that may be repeated (read with listOption). */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedArgv {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** The values of repeatable options, in the order given. */
  lists?: Record<string, string[]>;
}

/**
 * Strict parsing (`--db FILE` or `--db=FILE`, `--` ends options): an unknown flag, a missing value
 * or a value given to a switch is a UsageError, never silently ignored.
 */
export function parseArgv(argv: readonly string[], options: OptionSpec, positionals: boolean): ParsedArgv {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: positionals, strict: true });
    const values: Record<string, string | boolean | undefined> = {};
    const lists: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(parsed.values)) {
      if (Array.isArray(value)) {
        if (options[key]?.multiple !== true) throw new UsageError(`--${key} may be given once`);
        if (value.some((v) => v === '')) throw new UsageError(`--${key} needs a value`);
        lists[key] = value.filter((v): v is string => typeof v === 'string');
        continue;
      }
      values[key] = value;
    }
    for (const [key, spec] of Object.entries(options)) {
      if (spec.type === 'string' && values[key] === '') throw new UsageError(`--${key} needs a value`);
    }
    return { values, positionals: parsed.positionals, lists };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e));
  }
}

export function stringOption(args: ParsedArgv, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a repeatable option (`multiple: true`), in order; [] when not given. */
export function listOption(args: ParsedArgv, name: string): string[] {
  return args.lists?.[name] ?? [];
}

export function flagOption(args: ParsedArgv, name: string): boolean {
  return args.values[name] === true;
}

/** `--db FILE` is common to every command that reads or writes a project. */
export const DB_OPTION: OptionSpec = { db: { type: 'string' } };
export const DEFAULT_DB = 'natlens.db';
