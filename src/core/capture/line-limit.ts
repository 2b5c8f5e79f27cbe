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
 * The first line of `bytes` longer than `limit` bytes, numbered as text readers number lines
 * (CRLF, LF and a lone CR each end one), or null when every line fits.
 */
export function firstOverlongLine(bytes: Uint8Array, limit = MAX_LINE_BYTES): { line: number; bytes: number } | null {
  if (bytes.length <= limit) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buffer.includes(13)) return scanBytes(buffer, limit);
  let line = 1;
  let from = 0;
  for (;;) {
    const stop = buffer.indexOf(10, from);
    const end = stop < 0 ? buffer.length : stop;
    if (end - from > limit) return { line, bytes: end - from };
    if (stop < 0) return null;
    from = stop + 1;
    line++;
  }
}

/** With CRs about, byte by byte: a CR followed by LF ends one line, a lone CR ends one too. */
function scanBytes(buffer: Buffer, limit: number): { line: number; bytes: number } | null {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= buffer.length; i++) {
    const c = i < buffer.length ? buffer[i] : 10;
    if (c !== 10 && c !== 13) continue;
    if (i - start > limit) return { line, bytes: i - start };
    if (c === 13 && buffer[i + 1] === 10) i++;
    start = i + 1;
    line++;
  }
  return null;
}
