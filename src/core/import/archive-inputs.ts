/**
 * An archive given as a PATH → the files to import. A collector tarball (its manifest.tsv names the
 * node and times every command) is one node: its host unless `--node`, each file timed from the
 * manifest. A plain archive reads like the folder it unpacks to: a single top folder is that folder,
 * otherwise a folder named after the archive; the folder rules (folder-node.ts) then place its files,
 * as if that folder were named on the command line, or found where the archive was found in a walked
 * folder. Every file is shown as `archive.tgz!/path`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ArchiveEntry, type ArchiveFormat, type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS, archiveFormatOf, unpackArchive } from './archive';
import { type CollectManifest, type ManifestCommand, MANIFEST_NAME, isCollectManifest, parseCollectManifest } from './collect-manifest';
import type { InputFile, WalkProblem } from './input-walk';
import { enterFolder, type FolderPlace, type FolderStep, isGroupingName, looksLikeInnerNode, namedFolderPlace, type NestedFile, placeOfFolders } from './folder-node';
import { assertNever } from '../common/assert-never';

/**
 * Where the archive was met: named on the command line (`node`: ImportOptions.folderNode, the node of files
 * named directly), or found in a walked folder at `place` (`guessedFrom`: InputFile.guessedFrom of that folder's files).
 */
export type ArchiveSite = { kind: 'named'; node: string | null } | { kind: 'found'; place: FolderPlace; guessedFrom: string | null };

export interface ArchiveInputs {
  files: InputFile[];
  warnings: WalkProblem[];
  /** Files below sub-folders that look like nodes, of an archive that is itself a node's folder (folder-node.ts nestedNodeWarnings). */
  nested: NestedFile[];
  dispose(): void;
}

/** A manifest is read only when this small: the collector writes a few hundred lines. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Bytes read to recognise an archive. */
const ARCHIVE_HEAD_BYTES = 512;

/** The archive format of the file at `readPath`, or null when it is not an archive natlens unpacks. */
export function archiveFormatOfFile(readPath: string): ArchiveFormat | null {
  const fd = fs.openSync(readPath, 'r');
  try {
    const head = Buffer.alloc(ARCHIVE_HEAD_BYTES);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return archiveFormatOf(head.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** `archive.tar.gz` → `archive`: the node a plain archive's loose files belong to. */
export function archiveStem(file: string): string {
  const base = path.basename(file);
  const stem = base.replace(/\.(tar\.gz|tar\.bz2|tar\.xz|tar\.zst|tgz|tar|zip)$/i, '');
  return stem === '' ? base : stem;
}

/** Unpacks the archive and lists its files. Throws CaptureError naming the archive when it is refused. */
export function archiveInputs(shown: string, readPath: string, format: ArchiveFormat, site: ArchiveSite, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): ArchiveInputs {
  const unpacked = unpackArchive(shown, readPath, format, limits);
  try {
    const warnings: WalkProblem[] = unpacked.skipped.map((s) => ({ source: `${shown}!/${s.name}`, message: `${s.reason}; not imported` }));
    const manifestEntry = findManifest(unpacked.entries);
    if (manifestEntry !== null) {
      const files = collectorFiles(`${shown}!/`, true, unpacked.entries, manifestEntry, siteNode(site, { name: archiveStem(shown), holdsFiles: foldersHoldingFiles(unpacked.entries).has('.') }), warnings);
      return { files, warnings, nested: [], dispose: unpacked.dispose };
    }
    return { ...plainArchiveFiles(shown, unpacked.entries, site), warnings, dispose: unpacked.dispose };
  } catch (e) {
    unpacked.dispose();
    throw e;
  }
}

/**
 * A folder that is an unpacked collector tarball (a collector manifest.tsv at its top) → its files, read as
 * the tarball's would be; null when the folder is not one. `fallbackNode`: its node by the folder rules.
 */
export function collectorFolderInputs(shown: string, readPath: string, fallbackNode: string): { files: InputFile[]; warnings: WalkProblem[] } | null {
  const manifestPath = path.join(readPath, MANIFEST_NAME);
  let head: string;
  try {
    const fd = fs.openSync(manifestPath, 'r');
    try {
      const buffer = Buffer.alloc(64);
      head = buffer.subarray(0, fs.readSync(fd, buffer, 0, 64, 0)).toString('latin1');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  if (!isCollectManifest(head)) return null;
  const entries: ArchiveEntry[] = [];
  const walk = (rel: string, depth: number): void => {
    for (const entry of fs.readdirSync(path.join(readPath, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory() && depth < 8) walk(name, depth + 1);
      else if (entry.isFile()) entries.push({ name, readPath: path.join(readPath, name), size: fs.statSync(path.join(readPath, name)).size });
    }
  };
  walk('', 0);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const warnings: WalkProblem[] = [];
  const manifestEntry = entries.find((e) => e.name === MANIFEST_NAME)!;
  const files = collectorFiles(`${shown}${shown.endsWith('/') ? '' : '/'}`, false, entries, manifestEntry, fallbackNode, warnings);
  return { files, warnings };
}

/** The shallowest manifest.tsv that starts as a collector manifest, or null. */
function findManifest(entries: readonly ArchiveEntry[]): ArchiveEntry | null {
  const candidates = entries
    .filter((e) => path.posix.basename(e.name) === MANIFEST_NAME && e.size <= MAX_MANIFEST_BYTES)
    .sort((a, b) => a.name.split('/').length - b.name.split('/').length);
  for (const entry of candidates) {
    if (isCollectManifest(fs.readFileSync(entry.readPath, 'latin1').slice(0, 64))) return entry;
  }
  return null;
}

/** `prefix`: how a file's name inside the bundle is shown (`archive.tgz!/`, or a folder's path and `/`). */
function collectorFiles(
  prefix: string, inArchive: boolean, entries: readonly ArchiveEntry[], manifestEntry: ArchiveEntry, fallbackNode: string, warnings: WalkProblem[],
): InputFile[] {
  const manifestShown = `${prefix}${manifestEntry.name}`;
  const manifest = parseCollectManifest(manifestShown, fs.readFileSync(manifestEntry.readPath, 'utf8'));
  const root = path.posix.dirname(manifestEntry.name);
  const inRoot = (name: string): string | null => (root === '.' ? name : name.startsWith(`${root}/`) ? name.slice(root.length + 1) : null);
  const node = manifest.host ?? fallbackNode;
  if (manifest.host === null) warnings.push({ source: `${manifestShown}:2`, message: `the manifest names no host; its captures go to node ${node}` });
  const byFile = new Map<string, ManifestCommand>();
  for (const c of manifest.commands) if (c.file !== null) byFile.set(c.file, c);
  const stderrOf = new Map<string, ArchiveEntry>();
  for (const e of entries) {
    const rel = inRoot(e.name);
    if (rel !== null && rel.endsWith('.stderr') && byFile.has(rel.slice(0, -'.stderr'.length))) stderrOf.set(rel.slice(0, -'.stderr'.length), e);
  }
  for (const c of manifest.commands) {
    const note = commandNote(c, c.file === null ? undefined : stderrOf.get(c.file));
    if (note !== null) warnings.push({ source: `${manifestShown}:${c.line}`, message: note });
  }
  const files: InputFile[] = [];
  // In the order the commands ran, so captures are stored (and numbered) in the order they were taken.
  const order = (e: ArchiveEntry): number => {
    const rel = inRoot(e.name);
    return (rel === null ? undefined : byFile.get(rel)?.line) ?? Number.MAX_SAFE_INTEGER;
  };
  for (const e of [...entries].sort((a, b) => order(a) - order(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e === manifestEntry) continue;
    const rel = inRoot(e.name);
    if (rel !== null && rel.endsWith('.stderr') && stderrOf.get(rel.slice(0, -'.stderr'.length)) === e) continue;
    const command = rel === null ? undefined : byFile.get(rel);
    files.push({
      path: `${prefix}${e.name}`,
      readPath: e.readPath,
      folderNode: node,
      explicit: false,
      inArchive,
      collected: {
        takenAt: command?.started ?? manifest.time,
        command: command?.command ?? null,
        netns: command?.netns ?? null,
      },
    });
    if (command === undefined) warnings.push({ source: `${prefix}${e.name}`, message: 'not listed in the collector manifest; imported without its command and time' });
  }
  if (files.length === 0) warnings.push({ source: manifestShown, message: `the collector's bundle holds no output files (${describeHost(manifest)})` });
  warnings.push(...bothBackends(prefix, manifest, (file) => entries.find((e) => inRoot(e.name) === file) ?? null));
  return files;
}

/**
 * The kernel runs the rules of both iptables backends (legacy and nf_tables) when both hold some, but a
 * node's ruleset in natlens is one dump: say so, naming both files, rather than let one silently stand for both.
 */
function bothBackends(prefix: string, manifest: CollectManifest, entryOf: (file: string) => ArchiveEntry | null): WalkProblem[] {
  const problems: WalkProblem[] = [];
  for (const family of ['iptables', 'ip6tables']) {
    const counted = [`${family}-legacy-save`, `${family}-nft-save`].map((command) => {
      const row = manifest.commands.find((c) => c.command.split(' ')[0] === command && c.file !== null);
      const entry = row?.file == null ? null : entryOf(row.file);
      return { command, entry, rules: entry === null ? 0 : countRules(entry.readPath) };
    });
    if (counted.every((c) => c.rules > 0)) {
      const [legacy, nft] = counted as [(typeof counted)[0], (typeof counted)[0]];
      problems.push({
        source: `${prefix}${nft.entry!.name}`,
        message: `both ${family} backends hold rules (${legacy.command}: ${legacy.rules}, ${nft.command}: ${nft.rules}); the kernel applies both, natlens replays the newest dump of the node (${family}-save's)`,
      });
    }
  }
  return problems;
}

/** Lines that append a rule (`-A CHAIN ...`, after `[packets:bytes]` with -c), read in pieces. */
function countRules(readPath: string): number {
  const count = (text: string): number => text.match(/^(?:\[\d+:\d+\] )?-A /gm)?.length ?? 0;
  const fd = fs.openSync(readPath, 'r');
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    let rules = 0;
    let carry = '';
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) {
      const text = carry + buffer.toString('latin1', 0, n);
      const cut = text.lastIndexOf('\n') + 1;
      rules += count(text.slice(0, cut));
      carry = text.slice(cut);
    }
    return rules + count(carry);
  } finally {
    fs.closeSync(fd);
  }
}

/** What the manifest says went wrong with one command, or null when it ran cleanly. */
function commandNote(c: ManifestCommand, stderr: ArchiveEntry | undefined): string | null {
  const tool = c.command.split(' ')[0] ?? c.command;
  const said = stderr === undefined ? '' : firstLine(stderr);
  switch (c.status) {
    case 'ok':
      return null;
    case 'missing':
      return `\`${c.command}\` was not run: ${tool} is not installed on the node`;
    case 'timeout':
      return `\`${c.command}\` was stopped at the collector's time limit${c.file === null ? '' : '; its output may be cut short'}`;
    case 'failed':
      return `\`${c.command}\` failed with exit code ${c.exit}${said === '' ? '' : `: ${said}`}`;
  }
}

function firstLine(entry: ArchiveEntry): string {
  const fd = fs.openSync(entry.readPath, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(entry.size, 400));
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8').split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';
  } finally {
    fs.closeSync(fd);
  }
}

function describeHost(m: CollectManifest): string {
  return `host ${m.host ?? 'unknown'}, kernel ${m.kernel ?? 'unknown'}, ${m.time ?? 'time unknown'}`;
}

/** The node of the folder `folder` at `site`: a collector bundle's node when its manifest names no host. */
function siteNode(site: ArchiveSite, folder: FolderStep): string {
  switch (site.kind) {
    case 'named':
      return site.node ?? folder.name;
    case 'found':
      return enterFolder(site.place, folder).node;
    default:
      return assertNever(site);
  }
}

/**
 * Folder rules inside the archive: see the module comment. Archives inside archives are not unpacked. An archive
 * found in a walked folder that starts a node itself may hold several nodes: its files are listed in `nested`,
 * so the walk can say to import the archive itself.
 */
function plainArchiveFiles(shown: string, entries: readonly ArchiveEntry[], site: ArchiveSite): { files: InputFile[]; nested: NestedFile[] } {
  const tops = new Set(entries.map((e) => e.name.split('/')[0]!));
  const wrapped = tops.size === 1 && entries.every((e) => e.name.includes('/'));
  const folder = wrapped ? [...tops][0]! : archiveStem(shown);
  const withFiles = foldersHoldingFiles(entries);
  // The folder at `parts` (below the wrapper, if any): its name in the archive, and as a step of the folder rules.
  const nameOf = (parts: readonly string[]): string => [...(wrapped ? [folder] : []), ...parts].join('/');
  const step = (parts: readonly string[]): FolderStep => ({
    name: parts.length === 0 ? folder : parts[parts.length - 1]!,
    holdsFiles: withFiles.has(nameOf(parts) || '.'),
  });
  // The folder the archive unpacks to, placed as a named folder (a wrapper keeps its own name) or as a sub-folder.
  const top = site.kind === 'found' ? enterFolder(site.place, step([])) : namedFolderPlace(wrapped ? folder : site.node ?? folder);
  const startsNode = site.kind === 'found' && !site.place.chosen && top.chosen;
  // InputFile.guessedFrom of the files placed at `top`: the walk's, unless the archive's folder named their node.
  const topGuess = ((): string | null => {
    if (site.kind === 'found' && !startsNode) return site.guessedFrom;
    const namedByFolder = site.kind === 'found' || wrapped || site.node === null;
    return namedByFolder && isGroupingName(top.node) ? (wrapped ? `${shown}!/${folder}` : shown) : null;
  })();
  const files: InputFile[] = [];
  const nested: NestedFile[] = [];
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of sorted) {
    const parts = e.name.split('/');
    const inside = wrapped ? parts.slice(1) : parts;
    if (inside.some((p) => p.startsWith('.'))) continue;
    const folders = inside.slice(0, -1).map((_, i) => step(inside.slice(0, i + 1)));
    let place = top;
    let guessedFrom = topGuess;
    folders.forEach((f, i) => {
      const next = enterFolder(place, f);
      if (next !== place) guessedFrom = isGroupingName(next.node) ? `${shown}!/${nameOf(inside.slice(0, i + 1))}` : null;
      place = next;
    });
    const node = place.node;
    files.push({ path: `${shown}!/${e.name}`, readPath: e.readPath, folderNode: node, explicit: false, inArchive: true, ...(guessedFrom === null ? {} : { guessedFrom }) });
    const inner = placeOfFolders(folder, folders);
    if (startsNode && looksLikeInnerNode(inner)) nested.push({ nodeFolder: shown, node, inner: inner.node, name: parts[parts.length - 1]! });
  }
  return { files, nested };
}

/** The archive's folders (`a/b`, `.` for its top) that hold a file whose name does not start with a dot directly. */
function foldersHoldingFiles(entries: readonly ArchiveEntry[]): Set<string> {
  const folders = new Set<string>();
  for (const e of entries) if (!path.posix.basename(e.name).startsWith('.')) folders.add(path.posix.dirname(e.name));
  return folders;
}
