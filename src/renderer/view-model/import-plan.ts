/**
 * What a drop or a pick imports, before anything is sent: a dropped folder's files keep their paths in it (the
 * server, or main on the desktop, walks the folder as `natlens import FOLDER` does: one node per sub-folder), and
 * several loose files with Node = auto go to one node, whose name the user sees and may change first.
 */
import { fileOfItem, isFolderItem, type ImportItem, type ImportOptions } from '../../shared/contract/api';

export type ImportPlan =
  | { kind: 'import'; items: ImportItem[]; options: ImportOptions }
  /** Several loose files and no node given: ask for the node they go to, `suggested` filled in (their folder, when known). */
  | { kind: 'name-node'; items: ImportItem[]; suggested: string };

/** Archives name their node themselves (a collector tarball's manifest, else the archive's name), as on the CLI. */
const ARCHIVE = /\.(tar\.gz|tgz|tar|zip)$/i;

export function planImport(items: readonly ImportItem[], options: ImportOptions, commonFolder: string | null): ImportPlan {
  const loose = items.filter((i) => !isFolderItem(i)).map(fileOfItem);
  const fromFolder = loose.length < items.length;
  if (options.node !== undefined || fromFolder || loose.length < 2 || loose.every((f) => ARCHIVE.test(f.name))) {
    return { kind: 'import', items: [...items], options };
  }
  return { kind: 'name-node', items: [...items], suggested: commonFolder ?? '' };
}

/** A dropped entry as the walk needs it: FileSystemEntry's shape, so tests can stand in for the browser. */
export interface DroppedEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  /** Files only. */
  file(): Promise<File>;
  /** Folders only: every entry in it. */
  children(): Promise<DroppedEntry[]>;
}

export interface DroppedFiles {
  items: ImportItem[];
  /** Hidden files and folders left out (as the CLI skips them): named so nothing is dropped silently. */
  skipped: string[];
}

/** Folders deeper than this are not walked; the importer stops at 12 levels too. */
const MAX_DEPTH = 12;

/** Walks dropped entries: a file is imported alone, a folder's files with their paths in it (`folder/sub/file`). */
export async function walkDropped(entries: readonly DroppedEntry[]): Promise<DroppedFiles> {
  const out: DroppedFiles = { items: [], skipped: [] };
  const walk = async (entry: DroppedEntry, parent: string | null, depth: number): Promise<void> => {
    const where = parent === null ? entry.name : `${parent}/${entry.name}`;
    if (entry.name.startsWith('.')) {
      out.skipped.push(where);
      return;
    }
    if (entry.isFile) {
      const file = await entry.file();
      out.items.push(parent === null ? file : { file, folderPath: where });
    } else if (entry.isDirectory) {
      if (depth >= MAX_DEPTH) {
        out.skipped.push(where);
        return;
      }
      const children = [...(await entry.children())].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const child of children) await walk(child, where, depth + 1);
    }
  };
  for (const entry of entries) await walk(entry, null, 0);
  return out;
}

/** A browser FileSystemEntry as a DroppedEntry (readEntries answers in batches until an empty one). */
export function droppedEntry(entry: FileSystemEntry): DroppedEntry {
  return {
    name: entry.name,
    isFile: entry.isFile,
    isDirectory: entry.isDirectory,
    file: () => new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)),
    children: async () => {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      const all: DroppedEntry[] = [];
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) return all;
        for (const e of batch) all.push(droppedEntry(e));
      }
    },
  };
}

/** The items of a folder input (`webkitdirectory`): each file with its path in the chosen folder. */
export function folderInputItems(files: readonly File[]): DroppedFiles {
  const out: DroppedFiles = { items: [], skipped: [] };
  for (const file of files) {
    const parts = file.webkitRelativePath.split('/');
    if (parts.some((p) => p.startsWith('.'))) out.skipped.push(file.webkitRelativePath);
    else out.items.push(file.webkitRelativePath === '' ? file : { file, folderPath: file.webkitRelativePath });
  }
  return out;
}
