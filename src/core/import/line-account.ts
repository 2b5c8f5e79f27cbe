/**
 * What became of each line of a text file that looks like data: read into a capture, or covered by a
 * warning naming its lines and why it was not read. Nothing data-shaped leaves an import unaccounted for.
 */
import type { DataLines, DataShape } from '../capture/transcript/data-shape';
import type { FileAccount, ImportProblem, KeptBlockReport } from './import-report';

/** Lines [first, last] of the file, 1-based and inclusive. */
export interface LineSpan {
  first: number;
  last: number;
}

/** A block of the file kept as text: output natlens does not read, prose, or a capture that failed to parse. */
export interface UnreadBlock extends LineSpan {
  command: string | null;
  reason: string;
  /** The import already warned about this block (a capture that failed to parse): counted, not warned again. */
  warned: boolean;
}

const SHAPE_NAMES: Readonly<Record<DataShape, string>> = {
  rule: 'rules',
  address: 'addresses',
  route: 'routes',
  conntrack: 'conntrack entries',
  packet: 'packets',
};

/** Data lines outside any block and capture this close together are reported as one run. */
const RUN_GAP = 3;

export interface LineAccounting {
  account: FileAccount;
  /** One per unread block or run of loose lines holding data-shaped lines, in line order. */
  warnings: ImportProblem[];
}

/**
 * Accounts for the data lines of `file`: `read` are the spans of the captures stored (or found already
 * stored), `unread` the blocks kept as text. Data lines in neither (Markdown prose, a command's own
 * line) are grouped into runs and warned about too.
 */
export function accountLines(file: string, lineCount: number, data: DataLines, read: readonly LineSpan[], unread: readonly UnreadBlock[]): LineAccounting {
  // 0: not read and in no block; 1: read; 2: in an unread block.
  const state = new Uint8Array(data.count);
  let readDataLines = 0;
  for (const span of read) {
    for (let i = data.indexAfter(span.first - 1), end = data.indexAfter(span.last); i < end; i++) {
      if (state[i] === 0) readDataLines++;
      state[i] = 1;
    }
  }
  const found: Array<{ first: number; problem: ImportProblem }> = [];
  let warnedDataLines = 0;
  for (const block of unread) {
    const shapes = new Set<DataShape>();
    let count = 0;
    for (let i = data.indexAfter(block.first - 1), end = data.indexAfter(block.last); i < end; i++) {
      if (state[i] !== 0) continue;
      state[i] = 2;
      shapes.add(data.shapes[i]!);
      count++;
    }
    warnedDataLines += count;
    if (count === 0 || block.warned) continue;
    found.push({ first: block.first, problem: dataWarning(file, block, count, shapes, block.reason) });
  }
  for (let i = 0; i < data.count; ) {
    if (state[i] !== 0) {
      i++;
      continue;
    }
    const shapes = new Set<DataShape>([data.shapes[i]!]);
    let j = i + 1;
    while (j < data.count && state[j] === 0 && data.lines[j]! - data.lines[j - 1]! <= RUN_GAP) shapes.add(data.shapes[j++]!);
    const span = { first: data.lines[i]!, last: data.lines[j - 1]! };
    warnedDataLines += j - i;
    found.push({ first: span.first, problem: dataWarning(file, span, j - i, shapes, 'not part of any command output or code block natlens reads') });
    i = j;
  }
  found.sort((a, b) => a.first - b.first);
  const kept: KeptBlockReport[] = unread.map((b) => ({ source: `${file}:${b.first}`, lines: [b.first, b.last], command: b.command, reason: b.reason }));
  return {
    account: { file, lines: lineCount, dataLines: data.count, readDataLines, warnedDataLines, kept },
    warnings: found.map((f) => f.problem),
  };
}

function dataWarning(file: string, span: LineSpan, count: number, shapes: ReadonlySet<DataShape>, reason: string): ImportProblem {
  const what = [...shapes].map((s) => SHAPE_NAMES[s]).join(', ');
  const lines = count === 1 ? '1 line that looks like' : `${count} lines that look like`;
  return { source: `${file}:${span.first}`, lines: [span.first, span.last], message: `${lines} ${what} not read: ${reason}` };
}
