/**
 * NUL bytes in text: a capture cut short by a crash (a file's tail zero-filled), a terminal that
 * echoed one. A few are left out of the text, each line that held some named in a warning; a head
 * that is largely NULs or other control bytes is binary, not text.
 */

/** Past these shares of a file's head, it is not text (UTF-16 is half NULs). */
const MAX_NUL_SHARE = 1 / 8;
const MAX_CONTROL_SHARE = 1 / 100;

export function looksBinary(whole: Uint8Array): boolean {
  if (whole.length === 0) return false;
  // A zero-filled tail is what a crash leaves of a text file: the text before it decides.
  let end = whole.length;
  while (end > 0 && whole[end - 1] === 0) end--;
  if (end === 0) return true;
  const head = whole.subarray(0, end);
  let nul = 0;
  let control = 0;
  // Indexed, not for-of: run once per file on a 64 KiB head, this loop stays in the interpreter, where an iterator costs 3×.
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0) nul++;
    // BEL, BS, tab, LF, VT, FF, CR and ESC are a recorded terminal's (titles, colours, erasing); random bytes
    // hold the other C0 controls at ~9%.
    else if (b < 0x20 && (b < 7 || (b > 13 && b !== 0x1b))) control++;
  }
  return nul > head.length * MAX_NUL_SHARE || control > head.length * MAX_CONTROL_SHARE;
}

export interface NulLine {
  /** 1-based, as text readers number lines (LF, CRLF and a lone CR each end one). */
  line: number;
  count: number;
}

/** `bytes` without its NUL bytes, and the lines that held them. The same bytes when there are none. */
export function withoutNulBytes(bytes: Buffer): { bytes: Buffer; lines: NulLine[] } {
  if (!bytes.includes(0)) return { bytes, lines: [] };
  const out = Buffer.allocUnsafe(bytes.length);
  const lines: NulLine[] = [];
  let n = 0;
  let line = 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0) {
      const last = lines.at(-1);
      if (last !== undefined && last.line === line) last.count++;
      else lines.push({ line, count: 1 });
      continue;
    }
    out[n++] = b;
    if (b === 10 || (b === 13 && bytes[i + 1] !== 10)) line++;
  }
  return { bytes: out.subarray(0, n), lines };
}
