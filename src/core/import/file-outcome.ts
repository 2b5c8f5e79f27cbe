import type { FileAccount, ImportedCapture, ImportProblem } from './import-report';

/** What importing one file produced; merged into the report only when the file's transaction committed. */
export interface FileOutcome {
  captures: Array<ImportedCapture & { node: string }>;
  /** Nodes the file's captures belong to, stored or already there, in order of appearance. */
  nodes: string[];
  warnings: ImportProblem[];
  errors: ImportProblem[];
  /** Set once the file's content was read (not for a file that could not be opened or is binary junk). */
  account?: FileAccount | null;
}

export function noteNode(outcome: FileOutcome, node: string): void {
  if (!outcome.nodes.includes(node)) outcome.nodes.push(node);
}
