/**
 * A report written to a file as it is rendered: chunks gathered up to WRITE_SIZE and written, so the file's
 * whole text is never one string. Written beside the target under a temporary name and renamed over it at
 * the end: a report that fails halfway leaves no partial file, and an older report at that path stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from './report-model';
import { writeReport, type ReportFileFormat } from './report-file';
import { ChunkingSink } from './report-sink';

const WRITE_SIZE = 256 * 1024;

/** Writes the report to `file` in `format`; answers the bytes written. Throws what the file system throws (nothing left behind). */
export function writeReportFile(report: Report, format: ReportFileFormat, file: string): number {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  const fd = fs.openSync(partial, 'w');
  let open = true;
  try {
    let written = 0;
    const sink = new ChunkingSink(WRITE_SIZE, (bytes) => {
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
      written += bytes.length;
    });
    writeReport(report, format, sink);
    sink.flush();
    fs.closeSync(fd);
    open = false;
    fs.renameSync(partial, file);
    return written;
  } catch (e) {
    if (open) fs.closeSync(fd);
    fs.rmSync(partial, { force: true });
    throw e;
  }
}
