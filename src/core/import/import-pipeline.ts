/** `natlens import PATH...`: walks the paths, imports file by file (one transaction each), reports. */
import { CLUSTER_OWNER, type Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { importFile } from './file-import';
import type { ImportedNode, ImportOptions, ImportReport } from './import-report';
import { walkInputs } from './input-walk';

/** The pipeline over any set of readers (tests pass stand-ins); faces call importPaths from ./import-paths. */
export function importPathsWith(readers: CaptureReaders, store: Store, paths: readonly string[], options: ImportOptions = {}): ImportReport {
  const report: ImportReport = { nodes: [], warnings: [], errors: [] };
  const walk = walkInputs(paths, options.readFrom ?? null);
  report.errors.push(...walk.errors);
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
    for (const { node, ...capture } of outcome.captures) {
      if (node === CLUSTER_OWNER) (report.cluster ??= []).push(capture);
      else nodeEntry(node).captures.push(capture);
    }
    report.warnings.push(...outcome.warnings);
    report.errors.push(...outcome.errors);
  }
  return report;
}
