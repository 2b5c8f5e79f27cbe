/**
 * The two sha256 a dump import stores, fed as readDumpFile reads the file in pieces: of the file, and of the
 * capture in it (its first to last non-blank line, CRLF line breaks as LF). In the usual dump, which starts on
 * its first byte and has no CR, the capture's bytes are the file's up to its last line: one hash then serves
 * both, copied at the end, instead of hashing every byte twice.
 */
import { createHash, type Hash } from 'node:crypto';

export class DumpHashes {
  /** The file's and the capture's bytes so far, while they are the same bytes. */
  private shared: Hash | null = null;
  private file: Hash | null = null;
  private capture: Hash | null = null;
  /** Bytes after the capture's last non-blank line so far (hashed into it only if another follows); in `shared`, not in the file's hash yet either. */
  private pending: Buffer[] = [];
  private started = false;

  /**
   * A piece read: `data` is the bytes carried from the last piece (`kept`, an unfinished line) and then the
   * fresh ones; `hasCr` says whether it holds a CR. Call before content() and blank() for its lines.
   */
  read(data: Buffer, kept: number, hasCr: boolean): void {
    if (!this.started) {
      this.started = true;
      const c = data.length > 0 ? data[0] : 10;
      if (!hasCr && c !== 32 && c !== 9 && c !== 10 && c !== 13) {
        this.shared = createHash('sha256');
        return;
      }
      this.file = createHash('sha256');
      this.capture = createHash('sha256');
    } else if (this.shared !== null) {
      if (!hasCr) return;
      // CR from here on: the capture loses it, the file does not. Both start from what was hashed.
      this.capture = this.shared.copy();
      this.file = this.shared;
      this.shared = null;
      for (const b of this.pending) this.file.update(b);
      this.file.update(data.subarray(0, kept));
    }
    this.file!.update(data.subarray(kept));
  }

  /** The capture's bytes up to the end of a non-blank line (LF line breaks), from where the last call left off. */
  content(bytes: Buffer): void {
    const h = this.shared ?? this.capture!;
    for (const b of this.pending) h.update(b);
    this.pending = [];
    h.update(bytes);
  }

  /** Bytes after the capture's last non-blank line so far; `bytes` is copied. */
  blank(bytes: Buffer): void {
    this.pending.push(Buffer.from(bytes));
  }

  /** After the last piece (whose unfinished line was read as a line: nothing is carried). */
  finish(): { fileHash: string; captureHash: string } {
    if (this.shared !== null) {
      const captureHash = this.shared.copy().digest('hex');
      for (const b of this.pending) this.shared.update(b);
      return { fileHash: this.shared.digest('hex'), captureHash };
    }
    const empty = (): string => createHash('sha256').digest('hex');
    return { fileHash: this.file?.digest('hex') ?? empty(), captureHash: this.capture?.digest('hex') ?? empty() };
  }
}
