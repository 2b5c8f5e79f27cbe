/**
 * A report written to a file as it is rendered: chunks gathered up to WRITE_SIZE and written, so the file's
 * whole text is never one string. Written beside the target under a temporary name and renamed over it at
 * the end: a report that fails halfway leaves no partial file, and an older report at that path stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from './report-model';
import { writeReport, type ReportFileFormat } from './report-file';
import type { ReportSink } from './report-sink';

const WRITE_SIZE = 256 * 1024;

class FileSink implements ReportSink {
  private pending: Buffer[] = [];
  private size = 0;
  /** Bytes written to the file so far. */
  written = 0;

  constructor(private readonly fd: number) {}

  write(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.pending.push(bytes);
    this.size += bytes.length;
    if (this.size >= WRITE_SIZE) this.flush();
  }

  flush(): void {
    if (this.size === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.size);
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(this.fd, bytes, at, bytes.length - at);
    this.written += bytes.length;
    this.pending = [];
    this.size = 0;
  }
}

/** Writes the report to `file` in `format`; answers the bytes written. Throws what the file system throws (nothing left behind). */
export function writeReportFile(report: Report, format: ReportFileFormat, file: string): number {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  const fd = fs.openSync(partial, 'w');
  let open = true;
  try {
    const sink = new FileSink(fd);
    writeReport(report, format, sink);
    sink.flush();
    fs.closeSync(fd);
    open = false;
    fs.renameSync(partial, file);
    return sink.written;
  } catch (e) {
    if (open) fs.closeSync(fd);
    fs.rmSync(partial, { force: true });
    throw e;
  }
}
