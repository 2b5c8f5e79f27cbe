/**
 * PATH arguments → the files to import, each with the node its folder names (folder-node.ts: each sub-folder
 * of the folder named is one node, except that one named like nodes/ or a date holding only folders groups them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ArchiveSite, archiveFormatOfFile, archiveInputs, collectorFolderInputs } from './archive-inputs';
import { problemOf } from './import-report';
import { appendAll } from '../common/append-all';
import { enterFolder, type FolderPlace, isGroupingName, looksLikeInnerNode, namedFolderPlace, type NestedFile, nestedNodeWarnings } from './folder-node';

export interface InputFile {
  /** The path as the user wrote it (joined with folder entries): what sources and errors print. */
  path: string;
  /** Where the file is read from: `path`, or `path` inside ImportOptions.readFrom. */
  readPath: string;
  /** The node its folder names, or null for a file given directly. */
  folderNode: string | null;
  /** Named on the command line, not found by walking a folder: a file with no capture in it is an error, not a warning. */
  explicit: boolean;
  /** Unpacked from an archive (archive-inputs.ts): archives inside it are not unpacked in turn. */
  inArchive?: boolean;
  /** A file of a collector tarball: what its manifest says about how and when it was taken. */
  collected?: CollectedFile;
  /**
   * The folder `folderNode` is named after, when that name is a grouping name (`captures/`, `transcripts/`, `text/`),
   * whether the folder was named on the command line or is a sub-folder holding files: the node is a guess, which the
   * import names when files of several hosts may share it.
   */
  guessedFrom?: string;
}

export interface CollectedFile {
  /** When the command that wrote the file started (UTC), else when the collector started. */
  takenAt: string | null;
  /** The exact command line, or null when the manifest does not list the file. */
  command: string | null;
  /** The network namespace it ran in (`ip netns` name, `crictl:ID`...), null for the node's own. */
  netns: string | null;
}

export interface WalkProblem {
  source: string;
  message: string;
}

export interface WalkResult {
  files: InputFile[];
  errors: WalkProblem[];
  warnings: WalkProblem[];
  /** Where a folder's node is likely a wrong guess (nestedNodeWarnings): moot when `--node` names every node. */
  nodeGuesses: WalkProblem[];
  /** Removes what unpacking archives left in temporary folders; call once the files are imported. */
  dispose(): void;
}

/** Deep enough for any capture layout. Symlink loops are stopped by Walk.seen, not by depth. */
const MAX_DEPTH = 12;

/** One PATH's walk: each real folder (device + inode) is read once, so a link back up the tree is a loop, not a descent. */
interface Walk {
  files: InputFile[];
  errors: WalkProblem[];
  warnings: WalkProblem[];
  archives: ArchiveSet;
  /** `dev:ino` of every folder read so far → the path it was read as. */
  seen: Map<string, string>;
  /** Files below a node folder's sub-folders that look like nodes of their own (folder-node.ts looksLikeInnerNode). */
  nested: NestedFile[];
  /** The folder named on the command line when its name is a grouping name: files with no node folder are guessed onto it. */
  groupingTop: string | null;
}

/** Where the walk stands: the node, the folder that named it, and the place below that folder (as if it were named itself). */
interface WalkPlace {
  place: FolderPlace;
  /** The folder that chose the node; null while none has (the named folder's own node). */
  nodeFolder: string | null;
  inner: FolderPlace | null;
}

function enterWalkPlace(at: WalkPlace, name: string, shown: string, holdsFiles: boolean): WalkPlace {
  if (at.nodeFolder !== null && at.inner !== null) return { ...at, inner: enterFolder(at.inner, { name, holdsFiles }) };
  const place = enterFolder(at.place, { name, holdsFiles });
  return place.chosen ? { place, nodeFolder: shown, inner: namedFolderPlace(name) } : { place, nodeFolder: null, inner: null };
}

function folderKey(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** `folderNode`: the node of the files named directly, as if they were in a folder of that name (ImportOptions.folderNode). */
export function walkInputs(paths: readonly string[], readFrom: string | null = null, folderNode: string | null = null): WalkResult {
  const files: InputFile[] = [];
  const errors: WalkProblem[] = [];
  const archives = new ArchiveSet();
  for (const given of paths) {
    const readPath = readFrom !== null && !path.isAbsolute(given) ? path.resolve(readFrom, given) : given;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(readPath);
    } catch (e) {
      errors.push({ source: given, message: describeFsError(e) });
      continue;
    }
    if (stat.isFile()) {
      if (!archives.add(given, readPath, { kind: 'named', node: folderNode }, files, errors)) files.push({ path: given, readPath, folderNode, explicit: true });
    } else if (stat.isDirectory()) {
      const name = path.basename(path.resolve(readPath));
      const groupingTop = isGroupingName(name) ? given : null;
      const walk: Walk = { files, errors, warnings: archives.warnings, archives, seen: new Map([[folderKey(stat), given]]), nested: archives.nested, groupingTop };
      walkFolder(walk, { shown: given, read: readPath }, () => ({ place: namedFolderPlace(name), nodeFolder: null, inner: null }), 0);
    } else {
      errors.push({ source: given, message: 'not a regular file or folder' });
    }
  }
  return { files, errors, warnings: archives.warnings, nodeGuesses: nestedNodeWarnings(archives.nested), dispose: () => archives.dispose() };
}

/** Archives met on the walk, unpacked in place of the file, and unpacked collector tarballs (archive-inputs.ts); archives are removed together. */
class ArchiveSet {
  readonly warnings: WalkProblem[] = [];
  /** Files below a node folder's non-grouping sub-folders, from the walk and from archives (see nestedNodeWarnings). */
  readonly nested: NestedFile[] = [];
  private readonly disposers: Array<() => void> = [];

  /** False when the file is not an archive; true when it was unpacked into `files` or refused into `errors`. */
  add(shown: string, readPath: string, site: ArchiveSite, files: InputFile[], errors: WalkProblem[]): boolean {
    let format;
    try {
      format = archiveFormatOfFile(readPath);
    } catch (e) {
      errors.push({ source: shown, message: describeFsError(e) });
      return true;
    }
    if (format === null) return false;
    try {
      const unpacked = archiveInputs(shown, readPath, format, site);
      this.disposers.push(unpacked.dispose);
      appendAll(files, unpacked.files);
      appendAll(this.warnings, unpacked.warnings);
      appendAll(this.nested, unpacked.nested);
    } catch (e) {
      errors.push(problemOf(e, shown));
    }
    return true;
  }

  /** True when `dir` is an unpacked collector tarball, read into `files` (or refused into `errors`) as the tarball would be. */
  addCollectorFolder(shown: string, read: string, node: string, files: InputFile[], errors: WalkProblem[]): boolean {
    try {
      const bundle = collectorFolderInputs(shown, read, node);
      if (bundle === null) return false;
      appendAll(files, bundle.files);
      appendAll(this.warnings, bundle.warnings);
    } catch (e) {
      errors.push(problemOf(e, shown));
    }
    return true;
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
  }
}

/** `placeOf`: where the folder stands, once it is known whether it holds files of its own (folder-node.ts). */
function walkFolder(walk: Walk, dir: { shown: string; read: string }, placeOf: (holdsFiles: boolean) => WalkPlace, depth: number): void {
  const { files, errors, archives } = walk;
  if (depth > MAX_DEPTH) {
    errors.push({ source: dir.shown, message: `folders nested deeper than ${MAX_DEPTH} levels are not read` });
    return;
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir.read, { withFileTypes: true });
  } catch (e) {
    errors.push({ source: dir.shown, message: describeFsError(e) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const at = placeOf(entries.some((e) => !isHidden(e.name) && isFileEntry(e, dir.read)));
  const node = at.place.node;
  if (entries.some((e) => e.name === 'manifest.tsv' && e.isFile()) && archives.addCollectorFolder(dir.shown, dir.read, node, files, errors)) return;
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const full = { shown: path.join(dir.shown, entry.name), read: path.join(dir.read, entry.name) };
    let stat: fs.Stats | null = null;
    if (entry.isSymbolicLink() || entry.isDirectory()) {
      try {
        stat = fs.statSync(full.read);
      } catch (e) {
        // Links that lead to each other (a -> b -> a) never reach a file or folder: a loop, warned about like the others.
        if (isFsCode(e, 'ELOOP')) walk.warnings.push({ source: full.shown, message: 'a symlink loop (the link leads back to itself); not followed' });
        else errors.push({ source: full.shown, message: describeFsError(e) });
        continue;
      }
    }
    const isFile = stat === null ? entry.isFile() : stat.isFile();
    if (isFile) {
      const namedAfter = at.place.chosen ? (isGroupingName(node) ? at.nodeFolder : null) : walk.groupingTop;
      if (!archives.add(full.shown, full.read, { kind: 'found', place: at.place, guessedFrom: namedAfter }, files, errors)) {
        const guessedFrom = namedAfter === null ? {} : { guessedFrom: namedAfter };
        files.push({ path: full.shown, readPath: full.read, folderNode: node, explicit: false, ...guessedFrom });
        if (at.nodeFolder !== null && at.inner !== null && looksLikeInnerNode(at.inner)) walk.nested.push({ nodeFolder: at.nodeFolder, node, inner: at.inner.node, name: entry.name });
      }
    } else if (stat?.isDirectory()) {
      const key = folderKey(stat);
      const readAs = walk.seen.get(key);
      if (readAs !== undefined) {
        const loop = full.shown.startsWith(readAs + path.sep);
        const message = loop ? `a symlink loop back to ${readAs}; not followed` : `the same folder as ${readAs}, already read; not read again`;
        walk.warnings.push({ source: full.shown, message });
        continue;
      }
      walk.seen.set(key, full.shown);
      walkFolder(walk, full, (holdsFiles) => enterWalkPlace(at, entry.name, full.shown, holdsFiles), depth + 1);
    }
  }
}

/** A file, or a link to one; a link that cannot be followed is reported by the walk itself, not here. */
function isFileEntry(entry: fs.Dirent, dir: string): boolean {
  if (!entry.isSymbolicLink()) return entry.isFile();
  try {
    return fs.statSync(path.join(dir, entry.name)).isFile();
  } catch {
    return false;
  }
}

function isFsCode(e: unknown, code: string): boolean {
  return e !== null && typeof e === 'object' && 'code' in e && (e as { code: unknown }).code === code;
}

export function describeFsError(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e) {
    switch ((e as { code: unknown }).code) {
      case 'ENOENT':
        return 'no such file or folder';
      case 'EACCES':
      case 'EPERM':
        return 'permission denied';
      case 'EISDIR':
        return 'is a folder';
    }
  }
  return e instanceof Error ? e.message : String(e);
}
