/** `natlens import PATH...`: walks the paths, imports file by file (one transaction each), reports. */
import { CLUSTER_OWNER, type Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { importFile } from './file-import';
import { LINK_PARTS, nodeState } from '../model/node-state';
import type { ImportedNode, ImportOptions, ImportProblem, ImportReport } from './import-report';
import { walkInputs, type WalkResult } from './input-walk';
import { appendAll } from '../common/append-all';
import { purgeEdits } from '../model/rows/edits';
import { CancelledError, isCancelled, throwIfCancelled } from '../common/cancellation';

/** The pipeline over any set of readers (tests pass stand-ins); faces call importPaths from ./import-paths. */
export function importPathsWith(readers: CaptureReaders, store: Store, paths: readonly string[], options: ImportOptions = {}): ImportReport {
  const report: ImportReport = { nodes: [], warnings: [], errors: [], files: [] };
  // An import may reuse the ids of trashed rows: the edits before it can no longer be undone.
  store.transaction(() => purgeEdits(store.db, 0));
  const walk = walkInputs(paths, options.readFrom ?? null, options.folderNode ?? null);
  try {
    return importWalked(readers, store, walk, options, report);
  } finally {
    walk.dispose();
  }
}

function importWalked(readers: CaptureReaders, store: Store, walk: WalkResult, options: ImportOptions, report: ImportReport): ImportReport {
  appendAll(report.errors, walk.errors);
  appendAll(report.warnings, walk.warnings);
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
  let stored = 0;
  for (const file of walk.files) {
    let outcome;
    try {
      throwIfCancelled(options.signal, `the import of ${file.path}`);
      outcome = importFile(store, readers, file, options);
    } catch (e) {
      if (!isCancelled(e)) throw e;
      const earlier = stored === 0 ? 'nothing of this call was stored' : `the ${stored} file${stored === 1 ? '' : 's'} before it ${stored === 1 ? 'is' : 'are'} stored whole`;
      throw new CancelledError(`the import of ${file.path}`, `nothing of that file was stored, and ${earlier}`);
    }
    stored++;
    for (const name of outcome.nodes) nodeEntry(name);
    for (const { node, ...capture } of outcome.captures) {
      if (node === CLUSTER_OWNER) (report.cluster ??= []).push(capture);
      else nodeEntry(node).captures.push(capture);
    }
    appendAll(report.warnings, outcome.warnings);
    appendAll(report.errors, outcome.errors);
    if (outcome.account) {
      report.files.push({ ...outcome.account, nodes: [...outcome.nodes] });
      if (outcome.account.warningsOmitted) report.warningsOmitted = (report.warningsOmitted ?? 0) + outcome.account.warningsOmitted;
    }
  }
  appendAll(report.warnings, conflictWarnings(store, report));
  return report;
}

/**
 * Two captures of the same thing that disagree, where this import brought one of them: both are kept, and
 * the import says so (the later is used; `nodes --json` lists them under `conflicts`).
 */
function conflictWarnings(store: Store, report: ImportReport): ImportProblem[] {
  const out: ImportProblem[] = [];
  for (const node of report.nodes) {
    const imported = new Set(node.captures.map((c) => c.id));
    const nodeId = store.findNode(node.name);
    if (imported.size === 0 || nodeId === null) continue;
    for (const c of nodeState(store, nodeId, null, LINK_PARTS).conflicts) {
      if (!imported.has(c.captures[0]) && !imported.has(c.captures[1])) continue;
      out.push({
        source: c.sources[1],
        message: `${c.about} ${c.subject} of node ${node.name}: ${c.sources[0]} shows ${c.says[0]}, ${c.sources[1]} shows ${c.says[1]}; ${c.resolution}`,
      });
    }
  }
  return out;
}
