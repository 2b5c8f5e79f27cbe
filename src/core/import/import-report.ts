/** What an import tells its caller: CONTRACT.md's `import --json` document, plus ids. */
import type { CaptureKind } from '../records/records';
import { CaptureError } from '../capture/capture-error';
import type { CancellationSignal } from '../common/cancellation';

export interface ImportedCapture {
  id: number;
  kind: CaptureKind;
  /** `file:line` of the capture's first line, or the file of a binary capture. */
  source: string;
  takenAt: string | null;
  records: number;
  netns: string | null;
  /** The source lines the capture's output spans, [first, last]; null for pcap/pcapng files. */
  lines: [number, number] | null;
}

export interface ImportedNode {
  name: string;
  captures: ImportedCapture[];
}

/** A warning or an error, with where it is: `file:line`, or just `file`. */
export interface ImportProblem {
  source: string;
  message: string;
  /** For text that looks like data but was not read: the lines it spans, [first, last]. */
  lines?: [number, number];
}

/** A block of an input file kept as plain text. */
export interface KeptBlockReport {
  /** `file:line` of its first line. */
  source: string;
  lines: [number, number];
  command: string | null;
  reason: string;
}

/**
 * What became of one input file's lines: how many look like data (rules, addresses, routes, conntrack
 * entries, packets), how many of those were read into captures, how many a warning covers, and the
 * blocks kept as text. Every data line is read or warned about: dataLines = readDataLines + warnedDataLines.
 */
export interface FileAccount {
  file: string;
  lines: number;
  dataLines: number;
  readDataLines: number;
  warnedDataLines: number;
  kept: KeptBlockReport[];
  /** Warnings about this file counted but not listed (only the first WARNINGS_KEPT_PER_FILE are); absent when none. */
  warningsOmitted?: number;
}

export interface ImportReport {
  nodes: ImportedNode[];
  /** Cluster-wide captures (kubectl output), which belong to no node; present only when there are some. */
  cluster?: ImportedCapture[];
  warnings: ImportProblem[];
  errors: ImportProblem[];
  /** One per input file read (pcap/pcapng files too, with no lines), in the order they were imported. */
  files: FileAccount[];
  /** Warnings counted but not listed, over all files (each file lists its first WARNINGS_KEPT_PER_FILE and one that counts the rest); absent when none. */
  warningsOmitted?: number;
  /** The flows stitched as part of the import (ImportOptions.stitch); absent when the import did not stitch. */
  flows?: ImportedFlows;
}

/** What stitching at the end of an import did. */
export interface ImportedFlows {
  flows: number;
  packets: number;
  conntrack: number;
  seconds: number;
  /** False when the stored flows were already current (nothing the import added changed them). */
  recomputed: boolean;
  warnings: string[];
}

export interface ImportProgress {
  file: string;
  /** Bytes of `file` read so far, when the reader says. */
  bytesDone: number | null;
  bytesTotal: number;
  /** Records (packets, rules...) stored so far from `file`. */
  records: number;
}

export interface ImportOptions {
  /** `--node`: every capture of the call goes to this node. */
  node?: string | null;
  /** `--interface`: the interface every packet capture of the call was taken on, where the capture, its command and its file name do not say. */
  interface?: string | null;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Relative PATHs are read from this folder but shown as given: web uploads are staged in a temp
   * folder and imported by their own file names, so sources say `node-a.txt:12`, not a temp path.
   */
  readFrom?: string | null;
  /** Checked between files and as each file is read; a cancelled file's transaction rolls back (CancelledError). */
  signal?: CancellationSignal | null;
  /**
   * Stitch the project's flows once the files are stored (the faces do; tests of the importer alone do not), so
   * reading flows never stitches. The same signal cancels it: the files stay imported and the previous flows stay.
   */
  stitch?: boolean;
  /** Stitching's progress: the pass and the packets it has done. */
  onStitchProgress?: (pass: string, packets: number) => void;
}

/** An error from a reader or from the pipeline, as a report entry. */
export function problemOf(e: unknown, fallbackSource: string): ImportProblem {
  if (e instanceof CaptureError) {
    const { place } = e;
    if (place.line !== undefined) return { source: `${place.file}:${place.line}`, message: e.reason };
    // Binary places have no line: say the record and offset, unless the reason already does.
    const where = [
      place.record !== undefined ? `record ${place.record}` : null,
      place.offset !== undefined ? `offset ${place.offset}` : null,
    ].filter((x): x is string => x !== null && !e.reason.includes(x));
    return { source: place.file, message: where.length > 0 ? `${where.join(', ')}: ${e.reason}` : e.reason };
  }
  return { source: fallbackSource, message: e instanceof Error ? e.message : String(e) };
}
