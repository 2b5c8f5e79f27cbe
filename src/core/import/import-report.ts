/** What an import tells its caller: CONTRACT.md's `import --json` document, plus ids. */
import type { FileAccount, ImportedCapture, ImportedFile, ImportedFlows, ImportedNode, ImportProblem, ImportReport, KeptBlockReport } from '../views/import';
import { CaptureError } from '../capture/capture-error';
import type { CancellationSignal } from '../common/cancellation';

export type { FileAccount, ImportedCapture, ImportedFile, ImportedFlows, ImportedNode, ImportProblem, ImportReport, KeptBlockReport };

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
  /**
   * Files named directly (not found by walking a folder) belong to this node, as if they were in a folder of that
   * name: files picked together in the UI go to one node. `node` overrides it; a shell prompt or a collector
   * manifest in a file still names its own host, as in a folder.
   */
  folderNode?: string | null;
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
