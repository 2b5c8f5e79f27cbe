/**
 * PATH arguments → the files to import, each with the node its folder names.
 * A folder's sub-folders are one node each, named after the sub-folder (everything below it
 * belongs to that node); files directly in a named folder form one node named after the folder.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface InputFile {
  /** The path as the user wrote it (joined with folder entries): what sources and errors print. */
  path: string;
  /** Where the file is read from: `path`, or `path` inside ImportOptions.readFrom. */
  readPath: string;
  /** The node its folder names, or null for a file given directly. */
  folderNode: string | null;
  /** Named on the command line, not found by walking a folder: a file with no capture in it is an error, not a warning. */
  explicit: boolean;
}

export interface WalkProblem {
  source: string;
  message: string;
}

export interface WalkResult {
  files: InputFile[];
  errors: WalkProblem[];
}

/** Deep enough for any capture layout; stops symlink loops. */
const MAX_DEPTH = 12;

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

export function walkInputs(paths: readonly string[], readFrom: string | null = null): WalkResult {
  const files: InputFile[] = [];
  const errors: WalkProblem[] = [];
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
      files.push({ path: given, readPath, folderNode: null, explicit: true });
    } else if (stat.isDirectory()) {
      const name = path.basename(path.resolve(readPath));
      walkFolder({ shown: given, read: readPath }, name, true, 0, files, errors);
    } else {
      errors.push({ source: given, message: 'not a regular file or folder' });
    }
  }
  return { files, errors };
}

/** `top`: the folder named on the command line, whose sub-folders start their own nodes. */
function walkFolder(dir: { shown: string; read: string }, node: string, top: boolean, depth: number, files: InputFile[], errors: WalkProblem[]): void {
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
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const full = { shown: path.join(dir.shown, entry.name), read: path.join(dir.read, entry.name) };
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const s = fs.statSync(full.read);
        isDir = s.isDirectory();
        isFile = s.isFile();
      } catch (e) {
        errors.push({ source: full.shown, message: describeFsError(e) });
        continue;
      }
    }
    if (isFile) files.push({ path: full.shown, readPath: full.read, folderNode: node, explicit: false });
    else if (isDir) walkFolder(full, top ? entry.name : node, false, depth + 1, files, errors);
  }
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
