/** Start offsets of every line of a text, so kept blocks can be cut out by line number in O(1). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) {
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** Lines `first`..`last` (1-based, inclusive), without the final line break. */
  slice(first: number, last: number): string {
    const from = this.starts[Math.max(0, first - 1)] ?? this.text.length;
    const to = this.starts[last] ?? this.text.length;
    return this.text.slice(from, to).replace(/\r?\n$|\r$/, '');
  }
}

/**
 * Start offsets of lines asked for in increasing order (progress through a file), each found by reading on from
 * the last: the whole text is read once however often it is asked, and never ahead of the reader.
 */
export class LineCursor {
  private line = 1;
  private offset = 0;
  private readonly crFree: boolean;

  constructor(private readonly text: string) {
    this.crFree = !text.includes('\r');
  }

  /** The offset of line `line` (1-based); the text's length past its last line. */
  startOf(line: number): number {
    if (line < this.line) {
      this.line = 1;
      this.offset = 0;
    }
    const { text } = this;
    let i = this.offset;
    if (this.crFree) {
      while (this.line < line) {
        const lf = text.indexOf('\n', i);
        if (lf < 0) {
          i = text.length;
          break;
        }
        i = lf + 1;
        this.line++;
      }
    }
    while (this.line < line && i < text.length) {
      const c = text.charCodeAt(i++);
      // LF, a lone CR, and CRLF (at its LF) each end a line, as linesOf counts them.
      if (c === 10 || (c === 13 && text.charCodeAt(i) !== 10)) this.line++;
    }
    this.offset = i;
    return i;
  }
}
