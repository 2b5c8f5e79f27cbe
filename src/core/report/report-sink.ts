/**
 * Where a rendered report goes, a piece at a time: a file (report-file-writer.ts), an HTTP response, or a
 * string for the faces that still answer one. The renderers write a block at a time, so nothing holds the
 * whole document but a sink that chooses to.
 */
export interface ReportSink {
  write(chunk: string | Uint8Array): void;
}

/** Collects text chunks into one string (the `report` operation answers the document as one JSON field). */
export class StringSink implements ReportSink {
  private readonly parts: string[] = [];

  write(chunk: string | Uint8Array): void {
    if (typeof chunk !== 'string') throw new TypeError('StringSink takes text only');
    this.parts.push(chunk);
  }

  text(): string {
    return this.parts.join('');
  }
}

/** Collects byte chunks (the PDF) into one array. */
export class BytesSink implements ReportSink {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  write(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/**
 * Gathers the pieces written into chunks of at least `size` bytes (the last may be smaller) and hands each to
 * `emit` in order: a file writes them, a streamed download posts them to another thread. Each chunk is a Buffer
 * of its own, not from Buffer's shared pool, so its ArrayBuffer can be transferred. Call flush() after the last write.
 */
export class ChunkingSink implements ReportSink {
  private parts: (string | Uint8Array)[] = [];
  private pending = 0;

  constructor(
    private readonly size: number,
    private readonly emit: (bytes: Buffer) => void,
  ) {}

  write(chunk: string | Uint8Array): void {
    this.parts.push(chunk);
    this.pending += typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;
    if (this.pending >= this.size) this.flush();
  }

  flush(): void {
    if (this.pending === 0) return;
    const out = Buffer.allocUnsafeSlow(this.pending);
    let at = 0;
    for (const part of this.parts) at += typeof part === 'string' ? out.write(part, at, 'utf8') : (out.set(part, at), part.length);
    this.parts = [];
    this.pending = 0;
    this.emit(out);
  }
}
