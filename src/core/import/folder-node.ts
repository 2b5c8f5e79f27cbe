/**
 * Which node a file found in a folder belongs to. CONTRACT.md's words: each sub-folder of the folder named on
 * the command line is one node named after it, and the named folder's own files are a node named after it.
 * One exception, where those words read literally are clearly wrong: a sub-folder named like a grouping folder
 * (nodes/, captures/, hosts/, a date...) that holds only folders, no files of its own, groups nodes, and each of
 * its sub-folders is one node in turn. Below a sub-folder that names a node everything is that node's.
 *
 * So, imported as `lab`: `lab/nodes/nodea/eth0.pcap`, `lab/2024-01-05/nodea/eth0.pcap` and
 * `lab/nodea/pcaps/eth0.pcap` go to nodea, but `lab/text/iptables.save` goes to node text and
 * `lab/before/iptables.save` to node before (those folders hold files). `nodea/pcaps/eth0.pcap` imported as
 * `nodea` goes to node pcaps, as the contract says (name `nodea/..`, or pass --node). "Files of its own": any
 * file directly in the folder whose name does not start with a dot, archives and READMEs included; an archive
 * found in a walked folder reads as the folder it unpacks to (archive-inputs.ts) and follows the same rule inside.
 * Where the rule most likely guessed wrong (nodes one folder deeper than the folder named), nestedNodeWarnings says so.
 */
import type { WalkProblem } from './input-walk';

/**
 * Folder names that say what a folder holds or when it was taken, never where: engineers put them above
 * the node folders (`nodes/`, `captures/`, a date), and no host is called that. Compared without case. Such a
 * folder groups nodes only when it holds no files of its own (isGroupingFolder).
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
  /** False while only the named folder and grouping folders lie on the path: the next sub-folder may start a node. */
  chosen: boolean;
}

/** The folder named on the command line (or an archive's top folder): its own files are its node's. */
export function namedFolderPlace(name: string): FolderPlace {
  return { node: name, chosen: false };
}

/** One folder on a file's path: its name, and whether it holds non-hidden files directly (not only folders). */
export interface FolderStep {
  name: string;
  holdsFiles: boolean;
}

/** A folder that groups nodes rather than being one: a grouping name, and only folders in it. */
export function isGroupingFolder(step: FolderStep): boolean {
  return !step.holdsFiles && isGroupingName(step.name);
}

/** The place of the sub-folder `step` of a folder at `place`. */
export function enterFolder(place: FolderPlace, step: FolderStep): FolderPlace {
  return place.chosen || isGroupingFolder(step) ? place : { node: step.name, chosen: true };
}

/** The place of a file at `folders` (the folders below the folder `named`, outermost first). */
export function placeOfFolders(named: string, folders: readonly FolderStep[]): FolderPlace {
  return folders.reduce(enterFolder, namedFolderPlace(named));
}

/**
 * Whether the place below a node folder, reckoned as if that folder were named on the command line, is a node
 * of its own that looks like a host: a grouping name holding files (`nodea/before/`) makes a node by the
 * contract's words, but not one that suggests the node folder holds several hosts.
 */
export function looksLikeInnerNode(inner: FolderPlace): boolean {
  return inner.chosen && !isGroupingName(inner.node);
}

/** A file below a node folder, in a sub-folder that would be a host's node were the node folder named (looksLikeInnerNode). */
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

