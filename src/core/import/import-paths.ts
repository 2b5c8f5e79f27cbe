/** The importer as the faces use it: the pipeline bound to natlens's own capture readers. */
import { parseCaptureUnit, parseTcpdumpUnit, splitTextCapture } from '../capture/registry';
import { isPacketCapture, readPacketCapture } from '../capture/pcap/read-packet-capture';
import type { Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { importPathsWith } from './import-pipeline';
import path from 'node:path';
import { prewarmDumpReader, readDumpFileThreaded } from './dump-reader-thread';
import type { ImportOptions, ImportReport } from './import-report';

export const captureReaders: CaptureReaders = {
  isPacketCapture,
  readPacketCapture,
  splitTextCapture,
  parseCaptureUnit,
  parseTcpdumpUnit,
  readDumpFile: readDumpFileThreaded,
};

/** Imports files and folders into the project (CONTRACT.md `import`): one transaction per file. */
export function importPaths(store: Store, paths: readonly string[], options: ImportOptions = {}): ImportReport {
  prewarmDumpReader(paths.map((p) => path.resolve(options.readFrom ?? '', p)));
  return importPathsWith(captureReaders, store, paths, options);
}
