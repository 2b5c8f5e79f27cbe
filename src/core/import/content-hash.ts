import { createHash } from 'node:crypto';
import fs from 'node:fs';

/** Characters of a long text encoded and hashed at a time when the caller pauses between pieces. */
const HASH_PIECE_CHARS = 8 << 20;

/**
 * sha256 of the exact content, hex: what makes "the same capture" the same. With `pause`, a long text is hashed a
 * piece at a time (never between the two halves of a surrogate pair, so the UTF-8 is the same) with `pause` between.
 */
export function sha256Text(text: string, pause?: () => void): string {
  if (pause === undefined || text.length <= HASH_PIECE_CHARS) return createHash('sha256').update(text, 'utf8').digest('hex');
  const hash = createHash('sha256');
  for (let from = 0; from < text.length;) {
    let to = Math.min(text.length, from + HASH_PIECE_CHARS);
    const last = text.charCodeAt(to - 1);
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to--;
    hash.update(text.slice(from, to), 'utf8');
    from = to;
    if (from < text.length) pause();
  }
  return hash.digest('hex');
}

/**
 * sha256 of `text` and of its first `prefixLength` characters in one pass over the text: a file that is one
 * capture and its capture (the file without its final line break) are not hashed twice. `ascii`, when given,
 * is the text's own bytes, all ASCII: hashed as they are, without encoding the text again (ten times faster).
 */
export function sha256TextAndPrefix(text: string, prefixLength: number, ascii: Uint8Array | null = null): { whole: string; prefix: string } {
  if (ascii !== null && ascii.length === text.length) {
    const hash = createHash('sha256').update(ascii.subarray(0, prefixLength));
    const prefix = hash.copy().digest('hex');
    return { whole: hash.update(ascii.subarray(prefixLength)).digest('hex'), prefix };
  }
  const code = text.charCodeAt(prefixLength - 1);
  if (code >= 0xd800 && code <= 0xdbff) return { whole: sha256Text(text), prefix: sha256Text(text.slice(0, prefixLength)) };
  const hash = createHash('sha256').update(text.slice(0, prefixLength), 'utf8');
  const prefix = hash.copy().digest('hex');
  return { whole: hash.update(text.slice(prefixLength), 'utf8').digest('hex'), prefix };
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hashes a file in fixed-size reads, so a multi-gigabyte capture is never held whole. */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
