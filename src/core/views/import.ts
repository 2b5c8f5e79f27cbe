/**
 * What an import tells its caller: CONTRACT.md's `import --json` document, plus ids. core/import builds it;
 * every face serves it as it is.
 */
import type { ObservationTunnel } from './flows';
import type { CaptureKind } from '../records/records';

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
  /**
   * Packet captures whose packets came inside tunnels (VXLAN, Geneve, IPIP) only: each tunnel between two nodes with the
   * packets it carried (the outer packets, counted; the stored packets are the inner ones). Absent otherwise.
   */
  tunnels?: Array<ObservationTunnel & { packets: number }>;
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

/** One input file in the report: what became of its lines, and where its captures went. */
export interface ImportedFile extends FileAccount {
  /**
   * The nodes its captures belong to (stored now or already stored), in order of appearance: the folder's node,
   * or the hosts its prompts or manifest name. Empty when it held none; cluster-wide captures are under `cluster`.
   */
  nodes: string[];
}

export interface ImportReport {
  nodes: ImportedNode[];
  /** Cluster-wide captures (kubectl output), which belong to no node; present only when there are some. */
  cluster?: ImportedCapture[];
  warnings: ImportProblem[];
  errors: ImportProblem[];
  /** One per input file read (pcap/pcapng files too, with no lines), in the order they were imported. */
  files: ImportedFile[];
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
  /** Of `flows`, those the kernel's trace alone shows; absent when nothing was recomputed. */
  tracedFlows?: number;
}
