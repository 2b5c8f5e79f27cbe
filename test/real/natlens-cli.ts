import { spawnSync } from 'node:child_process';
import path from 'node:path';

const bin = path.join(process.cwd(), 'bin', 'natlens');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built command line (./bin/natlens) from the repository root. */
export function natlens(args: readonly string[]): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `[first, last]`, 1-based and inclusive, as interfaces.md §1 gives a capture's or a warning's lines. */
export type LineRange = readonly [number, number];

/** The parts of `import --json` (CONTRACT.md and interfaces.md §1) these tests read. */
export interface ImportJson {
  nodes: Array<{ name: string; captures: Array<{ kind: string; source: string; records: number; lines?: LineRange | null }> }>;
  /** Cluster-wide captures (kubectl), present when there are any. */
  cluster?: Array<{ kind: string; source: string; records: number; lines?: LineRange | null }>;
  warnings: Array<{ source?: string; message: string; lines?: LineRange | null }>;
  errors: Array<{ source?: string; message: string; lines?: LineRange | null }>;
  files?: Array<{ file: string; lines: number; dataLines: number; readDataLines: number; warnedDataLines: number }>;
}
