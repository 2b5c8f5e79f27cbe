/** The importer as the faces use it: the pipeline bound to natlens's own capture readers, then (on request) stitching. */
import { parseCaptureUnit, parseConntrackUnit, parseTcpdumpUnit, splitTextCapture } from '../capture/registry';
import { isPacketCapture, readPacketCapture } from '../capture/pcap/read-packet-capture';
import type { Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { importPathsWith } from './import-pipeline';
import path from 'node:path';
import { prewarmDumpReader, readDumpFileThreaded } from './dump-reader-thread';
import type { ImportOptions, ImportReport } from './import-report';
import { stitchFlows } from '../project/flows-stitch';
import { CancelledError, isCancelled } from '../common/cancellation';

export const captureReaders: CaptureReaders = {
  isPacketCapture,
  readPacketCapture,
  splitTextCapture,
  parseCaptureUnit,
  parseConntrackUnit,
  parseTcpdumpUnit,
  readDumpFile: readDumpFileThreaded,
};

/**
 * Imports files and folders into the project (CONTRACT.md `import`): one transaction per file. With `stitch`,
 * the flows are stitched afterwards in their own transaction (the import's files are committed by then).
 */
/** What a cancellation stopped when it came after the captures were stored (`CancelledError.what`). */
export const STITCHING_THE_FLOWS = 'stitching the flows';

export function importPaths(store: Store, paths: readonly string[], options: ImportOptions = {}): ImportReport {
  prewarmDumpReader(paths.map((p) => path.resolve(options.readFrom ?? '', p)));
  const report = importPathsWith(captureReaders, store, paths, options);
  const stored = report.nodes.some((n) => n.captures.length > 0) || (report.cluster?.length ?? 0) > 0;
  // An import that stored nothing changed no flow (and its report stays as it was, without `flows`).
  if (options.stitch !== true || !stored) return report;
  try {
    // Incremental stitching is not attempted: a new capture can merge flows already stored (the same connection seen
    // on one more interface or node, a conntrack entry tying two tuples), move every node's clock offset and so every
    // flow's aligned first-seen time and id, and find twins among old captures. stitchFlows recomputes all of it.
    const summary = stitchFlows(store, { signal: options.signal ?? null, progress: options.onStitchProgress });
    const { flows, packets, conntrack, seconds, recomputed, warnings, tracedFlows } = summary;
    return { ...report, flows: { flows, packets, conntrack, seconds, recomputed, warnings, ...(tracedFlows === undefined ? {} : { tracedFlows }) } };
  } catch (e) {
    if (isCancelled(e)) throw new CancelledError(STITCHING_THE_FLOWS, 'the captures were imported and the flows stored before stay; they are stitched again when next read');
    throw e;
  }
}
