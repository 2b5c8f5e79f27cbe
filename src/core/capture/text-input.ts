/** A piece of text handed to a text parser: a whole file, or one command's output cut from a transcript. */
export interface TextInput {
  /** The file the text came from, as the user named it (used in every error and provenance record). */
  file: string;
  text: string;
  /** 1-based line number, within `file`, of the first line of `text`. */
  firstLine: number;
  /**
   * Called every LINES_PER_REPORT lines linesOf reads, with the next line's number: where a long parse reports
   * progress, and so where an import hears a cancel (it throws from here, through the parser).
   */
  onLines?: (line: number) => void;
}

/** Lines between two `onLines` calls: ~0.1 s of the slowest parser (conntrack, ~25 µs a line with its insert). */
export const LINES_PER_REPORT = 4096;

const ignoreLine = (): void => {};

/**
 * What a line loop calls each time it passes a line, with the next line's number: `onLines` every
 * LINES_PER_REPORT calls, nothing when no one listens.
 */
export function lineTicker(onLines: ((line: number) => void) | undefined): (line: number) => void {
  if (onLines === undefined) return ignoreLine;
  let untilReport = LINES_PER_REPORT;
  return (line) => {
    if (--untilReport === 0) {
      untilReport = LINES_PER_REPORT;
      onLines(line);
    }
  };
}

/** Splits text into lines (LF, CRLF or CR) with their 1-based line numbers in the source file. */
export function* linesOf(input: TextInput): Generator<{ line: number; text: string }> {
  const { text } = input;
  let line = input.firstLine;
  let start = 0;
  const n = text.length;
  const passed = lineTicker(input.onLines);
  if (!text.includes('\r')) {
    // LF breaks only: indexOf finds them faster than a loop over characters (a busy node's conntrack table is ~100 MB).
    for (let stop = text.indexOf('\n'); stop >= 0; stop = text.indexOf('\n', start)) {
      yield { line, text: text.slice(start, stop) };
      start = stop + 1;
      line++;
      passed(line);
    }
    if (start < n) yield { line, text: text.slice(start) };
    return;
  }
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      yield { line, text: text.slice(start, i) };
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      line++;
      passed(line);
    }
  }
  if (start < n) yield { line, text: text.slice(start) };
}
