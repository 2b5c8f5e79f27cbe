/** `natlens import PATH...`: walks the paths, imports file by file (one transaction each), reports. */
import type { Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { importFile } from './file-import';
import type { ImportedNode, ImportOptions, ImportReport } from './import-report';
import { walkInputs, type WalkResult } from './input-walk';

/** The pipeline over any set of readers (tests pass stand-ins); faces call importPaths from ./import-paths. */
export function importPathsWith(readers: CaptureReaders, store: Store, paths: readonly string[], options: ImportOptions = {}): ImportReport {
  const report: ImportReport = { nodes: [], warnings: [], errors: [], files: [] };
  const walk = walkInputs(paths, options.readFrom ?? null);
  try {
    return importWalked(readers, store, walk, options, report);
  } finally {
    walk.dispose();
  }
}

function importWalked(readers: CaptureReaders, store: Store, walk: WalkResult, options: ImportOptions, report: ImportReport): ImportReport {
  report.errors.push(...walk.errors);
  report.warnings.push(...walk.warnings);
  const nodes = new Map<string, ImportedNode>();
  const nodeEntry = (name: string): ImportedNode => {
    let entry = nodes.get(name);
    if (!entry) {
      entry = { name, captures: [] };
      nodes.set(name, entry);
      report.nodes.push(entry);
    }
    return entry;
  };
  for (const file of walk.files) {
    const outcome = importFile(store, readers, file, options);
    for (const name of outcome.nodes) nodeEntry(name);
    for (const { node, ...capture } of outcome.captures) nodeEntry(node).captures.push(capture);
    report.warnings.push(...outcome.warnings);
    report.errors.push(...outcome.errors);
    if (outcome.account) report.files.push(outcome.account);
  }
  return report;
}
