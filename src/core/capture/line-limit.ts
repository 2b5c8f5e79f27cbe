/**
 * The longest line any text reader takes. No capture natlens reads has lines near it (the longest
 * iptables rules, with comments and many ports, are a few KiB), and checking the bytes before they
 * become strings keeps a file of one endless line from growing memory by many times its size.
 */
import { CaptureError } from './capture-error';

export const MAX_LINE_BYTES = 1024 * 1024;

/** Refused as soon as the limit is passed: how long the line really is was never read. */
export function overlongLineError(file: string, line: number): CaptureError {
  return new CaptureError({ file, line }, `line ${line} is longer than natlens reads (at most ${MAX_LINE_BYTES / 1048576} MiB a line); not a capture natlens reads`);
}

/**
 * Finds the first line longer than `limit` bytes in bytes given piece by piece (a file read in chunks, so
 * that nothing of an endless line is held), numbering lines as text readers do: LF, CRLF and a lone CR
 * each end one.
 */
export class LineLengthScanner {
  private line = 1;
  private length = 0;
  /** The last byte seen was a CR: an LF right after it ends no further line. */
  private afterCr = false;

  constructor(private readonly limit = MAX_LINE_BYTES) {}

  /** The overlong line, once the bytes so far show one; null while every line fits. */
  push(bytes: Uint8Array): { line: number; bytes: number } | null {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    let from = 0;
    // The next CR, searched again only once passed: a file without one (most) would otherwise be searched to
    // the end of the piece at every line, quadratic in the lines of a piece (4 s of a 98 MB conntrack table).
    let cr = -2;
    // Runs without CR or LF are skipped whole (indexOf is native); only line ends are looked at.
    while (from < buffer.length) {
      const lf = buffer.indexOf(10, from);
      if (cr !== -1 && cr < from) cr = buffer.indexOf(13, from);
      const stop = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      const end = stop < 0 ? buffer.length : stop;
      this.length += end - from;
      if (this.length > this.limit) return { line: this.line, bytes: this.length };
      if (stop < 0) {
        if (end > from) this.afterCr = false;
        break;
      }
      const c = buffer[stop];
      if (!(c === 10 && this.afterCr && end === from)) {
        this.line++;
      }
      this.afterCr = c === 13;
      this.length = 0;
      from = stop + 1;
    }
    return null;
  }
}
