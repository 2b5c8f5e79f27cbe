/** The line readers' progress hooks and the byte scan for overlong lines: where a long import reports and hears a cancel. */
import { describe, expect, it } from 'vitest';
import { LineLengthScanner } from './line-limit';
import { LINES_PER_REPORT, linesOf } from './text-input';
import { dataLinesOf } from './transcript/data-shape';
import { splitTextCapture } from './registry';
import { LineCursor } from '../import/line-index';

const numbered = (n: number, sep = '\n'): string => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join(sep);

describe('progress while lines are read', () => {
  it('linesOf reports every LINES_PER_REPORT lines with the next line to read, and a throw there ends the read', () => {
    const text = numbered(3 * LINES_PER_REPORT + 5);
    const seen: number[] = [];
    let read = 0;
    for (const _ of linesOf({ file: 'f', text, firstLine: 10, onLines: (line) => seen.push(line) })) read++;
    expect(read).toBe(3 * LINES_PER_REPORT + 5);
    expect(seen).toEqual([1, 2, 3].map((k) => 10 + k * LINES_PER_REPORT));

    const stop = new Error('cancelled');
    let before = 0;
    expect(() => {
      for (const _ of linesOf({ file: 'f', text, firstLine: 1, onLines: () => { throw stop; } })) before++;
    }).toThrow(stop);
    expect(before).toBe(LINES_PER_REPORT);
  });

  it('dataLinesOf reports every LINES_PER_REPORT lines, CRLF lines counted once', () => {
    const seen: number[] = [];
    const { lineCount } = dataLinesOf(numbered(2 * LINES_PER_REPORT + 1, '\r\n'), 1, (line) => seen.push(line));
    expect(lineCount).toBe(2 * LINES_PER_REPORT + 1);
    expect(seen).toEqual([LINES_PER_REPORT + 1, 2 * LINES_PER_REPORT + 1]);
  });
});

describe('progress while a transcript is split', () => {
  it('reports from the splitter as it reads a long transcript, and a throw there ends the split', () => {
    const entries = Array.from({ length: 3 * LINES_PER_REPORT }, (_, i) =>
      `udp      17 29 src=10.244.0.${i % 250} dst=10.96.0.10 sport=${1024 + i} dport=53 src=10.244.1.5 dst=10.244.0.${i % 250} sport=53 dport=${1024 + i} mark=0 use=1`);
    const text = `root@node-a:~# ip route\ndefault via 10.0.0.1 dev eth0\nroot@node-a:~# conntrack -L\n${entries.join('\n')}\nroot@node-a:~# exit\n`;
    const seen: number[] = [];
    const split = splitTextCapture({ file: 't.txt', text, firstLine: 1, onLines: (line) => seen.push(line) });
    expect(split.units.map((u) => u.kind)).toEqual(['ip-route', 'conntrack']);
    // The lines are read, then the commands found in them: each pass reports, at lines of the text.
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const line of seen) expect(line).toBeLessThanOrEqual(entries.length + 5);
    const stop = new Error('cancelled');
    expect(() => splitTextCapture({ file: 't.txt', text, firstLine: 1, onLines: () => { throw stop; } })).toThrow(stop);
  });
});

describe('LineCursor', () => {
  it('finds the start of each line as linesOf numbers them (LF, CRLF, lone CR), asked forwards or again from the start', () => {
    for (const text of ['a\nbb\n\nccc\nd', 'a\r\nbb\r\n\r\nccc\r\nd', 'a\rbb\r\rccc\rd', 'a\r\nbb\n\rccc\nd']) {
      const starts: number[] = [];
      let at = 0;
      for (const { text: line } of linesOf({ file: 'f', text, firstLine: 1 })) {
        starts.push(at);
        at = text.indexOf(line, at) + line.length;
        at += text.startsWith('\r\n', at) ? 2 : 1;
      }
      const cursor = new LineCursor(text);
      expect(starts.map((_, i) => cursor.startOf(i + 1))).toEqual(starts);
      expect(cursor.startOf(2)).toBe(starts[1]);
      expect(cursor.startOf(99)).toBe(text.length);
    }
  });
});

describe('LineLengthScanner', () => {
  it('numbers lines as the text readers do across pieces, with CRs only somewhere in a piece', () => {
    const scanner = new LineLengthScanner(10);
    const pieces = ['short\nlines\nonly\n', 'then\r\na CR\rpair', '\nand 0123456789X\n'];
    const found = pieces.map((p) => scanner.push(Buffer.from(p)));
    // Lines: short, lines, only, then, a CR, pair, `and 0123456789X` (the 7th) is the first over 10 bytes.
    expect(found).toEqual([null, null, { line: 7, bytes: 15 }]);
  });

  it('finds an overlong line after many short lines in a piece without a CR', () => {
    const scanner = new LineLengthScanner(100);
    const text = `${'x\n'.repeat(50_000)}${'y'.repeat(101)}\n`;
    expect(scanner.push(Buffer.from(text))).toEqual({ line: 50_001, bytes: 101 });
  });

  it('counts a CR at the end of one piece and its LF at the start of the next as one line end', () => {
    const scanner = new LineLengthScanner(5);
    expect(scanner.push(Buffer.from('ab\r'))).toBeNull();
    expect(scanner.push(Buffer.from('\ncdefgh\n'))).toEqual({ line: 2, bytes: 6 });
  });
});
