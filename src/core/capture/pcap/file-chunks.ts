import { readSync } from 'node:fs';

/** Bytes read per fs.readSync call; the window grows past this only for a larger record. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A sliding window over an open file: the readers look at `bytes[pos..end)` and ask for more
 * with `ensure(n)`. The buffer is reused; only the unread tail is moved to the front on refill,
 * so memory stays at one chunk whatever the size of the capture.
 */
export class FileChunks {
  bytes: Uint8Array;
  view: DataView;
  /** Index in `bytes` of the next unread byte. */
  pos = 0;
  /** Index in `bytes` one past the last valid byte. */
  end = 0;
  /** File offset of `bytes[0]`. */
  private base = 0;
  /** File offset up to which every byte went to `onBytes`. */
  private fed = 0;

  /**
   * `onBytes`, when given, sees every byte of the file exactly once and in order (what `skip` passes over unread
   * too, once a later read or `feedRest` gets past it): the file is hashed as it is read, not in a pass of its own.
   */
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly onProgress?: (bytesRead: number, totalBytes: number) => void,
    private readonly onBytes?: (bytes: Uint8Array) => void,
  ) {
    this.bytes = new Uint8Array(Math.max(64 * 1024, Math.min(CHUNK_BYTES, size + 16)));
    this.view = new DataView(this.bytes.buffer);
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** Makes `n` bytes readable from `pos`; false when the file ends first. */
  ensure(n: number): boolean {
    return this.end - this.pos >= n || this.refill(n);
  }

  /** Moves past `n` bytes, reading none of them when they are not buffered yet. */
  skip(n: number): void {
    if (this.end - this.pos >= n) {
      this.pos += n;
      return;
    }
    this.base = this.base + this.pos + n;
    this.pos = 0;
    this.end = 0;
  }

  /** Hands `onBytes` the bytes no read reached (skipped, or after where the reader stopped), to the end of the file. */
  feedRest(): void {
    if (this.onBytes !== undefined) this.feedTo(this.onBytes, Number.POSITIVE_INFINITY);
  }

  private refill(n: number): boolean {
    // Not there: what is there is still read, so a reader's "bytes left" counts the file's tail (none dropped unseen).
    const left = this.size - this.base - this.pos;
    if (n > left) {
      if (left > this.end - this.pos) this.fill(left);
      return false;
    }
    return this.fill(n);
  }

  private fill(n: number): boolean {
    if (n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(n, Math.min(this.bytes.length * 2, n + CHUNK_BYTES)));
      grown.set(this.bytes.subarray(this.pos, this.end));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    } else {
      this.bytes.copyWithin(0, this.pos, this.end);
    }
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
    while (this.end < n && this.base + this.end < this.size) {
      const at = this.base + this.end;
      if (this.onBytes !== undefined && this.fed < at) this.feedTo(this.onBytes, at);
      const got = readSync(this.fd, this.bytes, this.end, this.bytes.length - this.end, at);
      if (got <= 0) break;
      if (this.onBytes !== undefined) {
        this.onBytes(this.bytes.subarray(this.end, this.end + got));
        this.fed = at + got;
      }
      this.end += got;
      this.onProgress?.(Math.min(this.base + this.end, this.size), this.size);
    }
    return this.end >= n;
  }

  /** Reads the file from `fed` up to `to` (or its end) for `onBytes` alone, in a buffer of its own. */
  private feedTo(onBytes: (bytes: Uint8Array) => void, to: number): void {
    const piece = new Uint8Array(Math.max(4096, Math.min(1 << 20, to - this.fed)));
    while (this.fed < to) {
      const got = readSync(this.fd, piece, 0, Math.min(piece.length, to - this.fed), this.fed);
      if (got <= 0) return;
      onBytes(piece.subarray(0, got));
      this.fed += got;
    }
  }
}
