/**
 * What the desktop remembers between runs, in one JSON file in the user-data folder: the last
 * project (reopened at start) and the recently opened ones (File › Open Recent), newest first,
 * without duplicates, at most MAX_RECENT. No electron import: tested under plain Node.
 */
import fs from 'node:fs';
import path from 'node:path';

export const MAX_RECENT = 10;

export interface DesktopMemory {
  readonly lastProject: string | null;
  /** Absolute paths, newest first. */
  readonly recent: readonly string[];
}

export const EMPTY_MEMORY: DesktopMemory = { lastProject: null, recent: [] };

/** `dbPath` opened now: first in the list, its older entry dropped, the oldest falling off past `max`. */
export function rememberProject(memory: DesktopMemory, dbPath: string, max = MAX_RECENT): DesktopMemory {
  return { lastProject: dbPath, recent: [dbPath, ...memory.recent.filter((p) => p !== dbPath)].slice(0, max) };
}

export function forgetProject(memory: DesktopMemory, dbPath: string): DesktopMemory {
  return { lastProject: memory.lastProject === dbPath ? null : memory.lastProject, recent: memory.recent.filter((p) => p !== dbPath) };
}

export function clearRecent(memory: DesktopMemory): DesktopMemory {
  return { lastProject: memory.lastProject, recent: [] };
}

/**
 * The memory in a file's text. Anything unreadable is an empty memory (the file is ours and only
 * convenience); a file from before the recent list ({"lastProject": ...}) starts the list with it.
 */
export function parseMemory(text: string, max = MAX_RECENT): DesktopMemory {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return EMPTY_MEMORY;
  }
  if (typeof value !== 'object' || value === null) return EMPTY_MEMORY;
  const record = value as { lastProject?: unknown; recent?: unknown };
  const lastProject = typeof record.lastProject === 'string' && path.isAbsolute(record.lastProject) ? record.lastProject : null;
  const listed = Array.isArray(record.recent) ? record.recent.filter((p): p is string => typeof p === 'string' && path.isAbsolute(p)) : [];
  const recent = [...new Set(lastProject === null ? listed : [lastProject, ...listed])].slice(0, max);
  return { lastProject, recent };
}

export function readMemory(file: string): DesktopMemory {
  try {
    return parseMemory(fs.readFileSync(file, 'utf8'));
  } catch {
    return EMPTY_MEMORY;
  }
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves half a file. */
export function writeMemory(file: string, memory: DesktopMemory): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(memory, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
