/**
 * `iptables -L` rows as a terminal narrower than them left them once copied: a long row wrapped onto the
 * next line (a comment cut as `NOTE: this must b` / `e the last rule in the chain`), or rows run together on one
 * line, the first padded with spaces to the terminal's width. The listing's lines are turned back into
 * its rows before they are read: a line that cannot be a row, header or chain line itself continues the
 * row above it; a row that starts after a run of padding inside a line is a row of its own (same line number).
 */

export interface NumberedLine {
  line: number;
  text: string;
}

const CHAIN_LINE = /^Chain \S+ \((?:policy \S+|\d+ references?)/;
const COLUMN_HEADER = /^\s*(?:num\s+)?(?:pkts\s+bytes\s+)?target\s+prot\s+opt\b/;
/** `[num] [pkts bytes] TARGET PROT OPT ...`: the option column (`--`) gives a row away. */
const ROW = /^\s*(?:\d+\s+)?(?:\d+[KMGTP]?\s+\d+[KMGTP]?\s+)?[\w.-]*\s+!?\s?[\w-]+\s+(?:--|-f|!f)(?:\s|$)/;
const ELISION = /^\s*(?:\.{2,}|…)\s*$/;
/** A row starts this far into a line at the earliest when rows ran together: a row's own columns come first. */
const MIN_JOINED_AT = 40;

/** `# Warning: iptables-legacy tables present ...`: iptables-nft's note, which a terminal may print after the rows. */
const NOTE = /^# \S/;

function isOwnLine(text: string): boolean {
  const trimmed = text.trim();
  return trimmed === '' || NOTE.test(text) || CHAIN_LINE.test(trimmed) || COLUMN_HEADER.test(text) || ROW.test(text) || ELISION.test(text);
}

/** Rows that ran together on one line, cut apart where a row or header starts after two or more spaces. */
function rowsOfLine(text: string): string[] {
  if (text.length < MIN_JOINED_AT * 2) return [text];
  const rows: string[] = [];
  let rest = text;
  for (;;) {
    const gap = / {2,}(?=\S)/g;
    let cut = -1;
    for (let m = gap.exec(rest); m !== null; m = gap.exec(rest)) {
      const at = m.index + m[0].length;
      if (at < MIN_JOINED_AT) continue;
      const tail = rest.slice(at);
      if (CHAIN_LINE.test(tail) || COLUMN_HEADER.test(tail) || ROW.test(tail)) {
        cut = at;
        break;
      }
    }
    if (cut < 0) break;
    rows.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  rows.push(rest);
  return rows;
}

/** The listing's rows, each with the line it starts on. */
export function* unwrapListing(lines: Iterable<NumberedLine>): Generator<NumberedLine> {
  let held: NumberedLine | null = null;
  for (const { line, text } of lines) {
    // A wrapped row goes on exactly where the terminal cut it: joined without a space.
    if (held !== null && ROW.test(held.text) && !isOwnLine(text)) {
      const rows = rowsOfLine(held.text + text.trimEnd());
      for (let k = 0; k < rows.length - 1; k++) yield { line: held.line, text: rows[k]! };
      held = { line: held.line, text: rows[rows.length - 1]! };
      continue;
    }
    if (held !== null) yield held;
    const rows = rowsOfLine(text);
    for (let k = 0; k < rows.length - 1; k++) yield { line, text: rows[k]! };
    held = { line, text: rows[rows.length - 1]! };
  }
  if (held !== null) yield held;
}
