/** `natlens import PATH...`: walks the paths, imports file by file (one transaction each), reports. */
import { CLUSTER_OWNER, type Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { importFile } from './file-import';
import { INTERFACE_PARTS, LINK_PARTS, nodeState } from '../model/node-state';
import type { ImportedNode, ImportOptions, ImportProblem, ImportReport } from './import-report';
import { type InputFile, walkInputs, type WalkResult } from './input-walk';
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
  if (!options.node) appendAll(report.warnings, walk.nodeGuesses);
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
  const guesses = new GuessedNodes();
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
    guesses.note(file, outcome.nodes);
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
  appendAll(report.warnings, guesses.warnings());
  appendAll(report.warnings, conflictWarnings(store, report, options));
  return report;
}

/**
 * Files whose captures went to a node named after a grouping folder given on the command line (`natlens import
 * transcripts/`), none naming a host: several such files may come from several hosts, so the import says so once.
 */
class GuessedNodes {
  private readonly byNode = new Map<string, { folder: string; files: string[] }>();

  note(file: InputFile, nodes: readonly string[]): void {
    if (file.guessedFrom === undefined || file.folderNode === null || !nodes.includes(file.folderNode)) return;
    const entry = this.byNode.get(file.folderNode) ?? { folder: file.guessedFrom, files: [] };
    entry.files.push(file.path);
    this.byNode.set(file.folderNode, entry);
  }

  warnings(): ImportProblem[] {
    return [...this.byNode].filter(([, { files }]) => files.length > 1).map(([node, { folder, files }]) => ({
      source: folder,
      message: `${files.length} files name no host and went to node ${node}, named after this folder, whose name says what it holds rather than where it was taken: if they come from different hosts, import each with --node NAME, or put them in one folder per node`,
    }));
  }
}

/** What a cancellation stopped when it came after the files were stored, while their captures were compared (`CancelledError.what`). */
export const CHECKING_CONFLICTS = 'the check for conflicting captures';

/**
 * Two captures of the same thing that disagree, where this import brought one of them: both are kept, and
 * the import says so (the later is used; `nodes --json` lists them under `conflicts`). Composing a node's state
 * reads back all its interfaces and routes (a BGP table: seconds), so a cancel is heard between nodes and
 * between the captures of one; it stores nothing, and the files stay imported.
 */
function conflictWarnings(store: Store, report: ImportReport, options: ImportOptions): ImportProblem[] {
  const out: ImportProblem[] = [];
  const cancelPoint = (): void => {
    if (options.signal?.aborted !== true) return;
    throw new CancelledError(CHECKING_CONFLICTS, 'every file of this call was imported whole; `natlens nodes` lists the conflicts among their captures');
  };
  for (const node of report.nodes) {
    const imported = new Set(node.captures.map((c) => c.id));
    const nodeId = store.findNode(node.name);
    if (imported.size === 0 || nodeId === null) continue;
    cancelPoint();
    // Routes conflict only between two route captures: a node's one table (a BGP feed: ~10^6 routes, seconds to read
    // back) is not composed for nothing.
    const routeCaptures = store.capturesOf(nodeId).filter((c) => c.netns === null && (c.kind === 'ip-route' || c.kind === 'route-table')).length;
    const { conflicts } = nodeState(store, nodeId, null, routeCaptures > 1 ? LINK_PARTS : INTERFACE_PARTS, { cancelPoint });
    cancelPoint();
    for (const c of conflicts) {
      if (!imported.has(c.captures[0]) && !imported.has(c.captures[1])) continue;
      out.push({
        source: c.sources[1],
        message: `${c.about} ${c.subject} of node ${node.name}: ${c.sources[0]} shows ${c.says[0]}, ${c.sources[1]} shows ${c.says[1]}; ${c.resolution}`,
      });
    }
  }
  return out;
}
