/**
 * Which node a file found in a folder belongs to. Below the folder named on the command line, the first
 * folder on the file's path whose name is not a grouping name (nodes/, captures/, pcaps/, text/, a date...)
 * names the node, and everything below that folder is the node's; a file with no such folder on its path
 * belongs to the node named after the folder given on the command line.
 *
 * So `lab/nodes/nodea/eth0.pcap`, `case-7/captures/nodea/eth0.pcap`, `lab/nodea/pcaps/eth0.pcap` (imported
 * as `lab`) and `nodea/pcaps/eth0.pcap` (imported as `nodea`) all go to nodea. Archives read as the folder
 * they unpack to (archive-inputs.ts), so they follow the same rule. Where the rule most likely guessed
 * wrong (nodes one folder deeper than the folder named), nestedNodeWarnings says so.
 */
import type { WalkProblem } from './input-walk';

/**
 * Folder names that say what a folder holds or when it was taken, never where: engineers put them above
 * the node folders (`nodes/`, `captures/`) or below them (`pcaps/`, `text/`, `before/`), and no host is
 * called that. Compared without case.
 */
const GROUPING_NAMES: ReadonlySet<string> = new Set([
  // Above the node folders.
  'nodes', 'hosts', 'machines', 'servers', 'workers', 'masters', 'members', 'cluster', 'clusters',
  // What the files are.
  'captures', 'capture', 'pcaps', 'pcap', 'pcapng', 'tcpdump', 'dumps', 'dump', 'traces', 'text', 'texts', 'txt',
  'outputs', 'output', 'out', 'logs', 'log', 'data', 'raw', 'files', 'collected', 'collection', 'artifacts',
  'artefacts', 'evidence', 'attachments', 'transcripts', 'sessions', 'commands', 'cmds', 'snapshots',
  'network', 'networking', 'net', 'netfilter', 'iptables', 'nftables', 'conntrack', 'routes', 'routing', 'interfaces',
  // When they were taken.
  'before', 'after',
]);

export function isGroupingName(name: string): boolean {
  return GROUPING_NAMES.has(name.toLowerCase()) || isDateName(name);
}

/**
 * A date or time as a folder name: `2024-01-05`, `20240105_1200`, `2024-01-05T12:00:00Z`, a Unix time. Dots are
 * left out (`10.0.0.5` names a node), and so are short numbers (`nodes/1/`, `nodes/2/` are numbered nodes).
 */
function isDateName(name: string): boolean {
  if (/^1\d{9}$/.test(name)) return true;
  if (!/^\d[\d\-_:T]*Z?$/.test(name)) return false;
  return /^(?:19|20)\d{6}(?:\d{4}(?:\d{2})?)?$/.test(name.replace(/\D/g, ''));
}

/** Where a walk stands: the node of the files here, and whether a folder below the named one chose it. */
export interface FolderPlace {
  node: string;
  /** False while only the named folder and grouping folders lie on the path: a non-grouping folder then starts a node. */
  chosen: boolean;
}

/** The folder named on the command line (or an archive's top folder): its own files are its node's. */
export function namedFolderPlace(name: string): FolderPlace {
  return { node: name, chosen: false };
}

/** The place of the sub-folder `name` of a folder at `place`. */
export function enterFolder(place: FolderPlace, name: string): FolderPlace {
  return place.chosen || isGroupingName(name) ? place : { node: name, chosen: true };
}

/** The node of a file at `folders` (the folder names below the named folder, outermost first). */
export function nodeOfFolders(named: string, folders: readonly string[]): string {
  return folders.reduce(enterFolder, namedFolderPlace(named)).node;
}

/** A file below a non-grouping sub-folder of the folder that chose its node. */
export interface NestedFile {
  /** The folder that chose the node, as shown: a folder, or an archive found in a walked folder. */
  nodeFolder: string;
  node: string;
  /** The node the file would go to were `nodeFolder` named on the command line. */
  inner: string;
  /** The file's name. */
  name: string;
}

/**
 * A node folder whose sub-folders hold files of the same name (`healthy/nodes/nodea/eth0.pcap` beside
 * `healthy/nodes/nodeb/eth0.pcap`) most likely holds several nodes, one folder deeper than the folder named:
 * the guess is kept (one node) and the warning names the folder to import instead.
 */
export function nestedNodeWarnings(nested: readonly NestedFile[]): WalkProblem[] {
  const byFolder = new Map<string, { node: string; innersByName: Map<string, Set<string>> }>();
  for (const f of nested) {
    let folder = byFolder.get(f.nodeFolder);
    if (folder === undefined) byFolder.set(f.nodeFolder, (folder = { node: f.node, innersByName: new Map() }));
    let inners = folder.innersByName.get(f.name);
    if (inners === undefined) folder.innersByName.set(f.name, (inners = new Set()));
    inners.add(f.inner);
  }
  const warnings: WalkProblem[] = [];
  for (const [nodeFolder, { node, innersByName }] of byFolder) {
    const shared = [...innersByName].filter(([, inners]) => inners.size > 1);
    if (shared.length === 0) continue;
    const inners = [...new Set(shared.flatMap(([, s]) => [...s]))].sort();
    warnings.push({
      source: nodeFolder,
      message: `all its files go to node ${node}, yet ${firstFew(inners)} below it hold files of the same name (${firstFew(shared.map(([name]) => name))}): if those are nodes of their own, import ${nodeFolder} itself`,
    });
  }
  return warnings;
}

function firstFew(names: readonly string[]): string {
  return names.length > 4 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

