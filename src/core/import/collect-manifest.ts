/**
 * manifest.tsv of a collector tarball (resources/collect.sh): `natlens-collect<TAB>VERSION`, then
 * `key<TAB>value` lines (host, kernel, time, ...), then the header `file status exit started version
 * netns command` and one row per command the collector ran. Columns are found by their header name, so
 * a later collector may add some; the collector turns tabs and line breaks inside a value into spaces.
 */
import { CaptureError } from '../capture/capture-error';

export const MANIFEST_MAGIC = 'natlens-collect';
export const MANIFEST_NAME = 'manifest.tsv';

export type CommandStatus = 'ok' | 'failed' | 'timeout' | 'missing';

export interface ManifestCommand {
  /** The output file, relative to the folder holding the manifest; null when the output was not kept. */
  file: string | null;
  status: CommandStatus;
  exit: number;
  /** ISO-8601 UTC time the command started. */
  started: string;
  /** The tool's first line of `--version`, or null when unknown. */
  version: string | null;
  /** The network namespace the command ran in (an `ip netns` name, `crictl:ID`, `docker:ID`); null: the node's own. */
  netns: string | null;
  /** The exact command line, as a shell reads it. */
  command: string;
  /** The manifest line it was read from. */
  line: number;
}

export interface CollectManifest {
  version: number;
  host: string | null;
  kernel: string | null;
  /** When the collector started (UTC). */
  time: string | null;
  /** Every `key<TAB>value` line, the ones above included. */
  meta: ReadonlyMap<string, string>;
  commands: ManifestCommand[];
}

const COLUMNS = ['file', 'status', 'exit', 'started', 'version', 'netns', 'command'] as const;
const STATUSES: readonly CommandStatus[] = ['ok', 'failed', 'timeout', 'missing'];
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** True when `text` starts as a collector manifest does. */
export function isCollectManifest(text: string): boolean {
  return text.startsWith(`${MANIFEST_MAGIC}\t`);
}

/** Reads a manifest; throws CaptureError naming `file:line` for anything it cannot read. */
export function parseCollectManifest(file: string, text: string): CollectManifest {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const fail = (line: number, message: string): never => {
    throw new CaptureError({ file, line }, message);
  };
  const [magic, versionText] = (lines[0] ?? '').split('\t');
  if (magic !== MANIFEST_MAGIC) fail(1, `not a natlens collector manifest (the first line must be "${MANIFEST_MAGIC}<TAB>VERSION")`);
  const version = Number(versionText);
  if (!Number.isInteger(version) || version < 1) fail(1, `manifest version "${versionText ?? ''}" is not a whole number`);

  const meta = new Map<string, string>();
  let k = 1;
  for (; k < lines.length; k++) {
    const cells = lines[k]!.split('\t');
    if (cells.includes('file') && cells.includes('status') && cells.includes('command')) break;
    if (lines[k]!.trim() === '') continue;
    if (cells.length < 2) fail(k + 1, `expected "key<TAB>value", found "${lines[k]}"`);
    meta.set(cells[0]!, cells.slice(1).join('\t'));
  }
  if (k >= lines.length) fail(lines.length, 'no command table (a header line naming the columns file, status, exit, started, version, netns, command)');
  const header = lines[k]!.split('\t');
  const at = new Map(header.map((name, i) => [name, i]));
  for (const column of COLUMNS) if (!at.has(column)) fail(k + 1, `the command table has no "${column}" column`);
  const cell = (cells: string[], column: (typeof COLUMNS)[number]): string => cells[at.get(column)!] ?? '';

  const commands: ManifestCommand[] = [];
  for (k++; k < lines.length; k++) {
    const line = k + 1;
    if (lines[k]!.trim() === '') continue;
    const cells = lines[k]!.split('\t');
    if (cells.length < header.length) fail(line, `a command row has ${cells.length} columns, the header ${header.length}`);
    const status = cell(cells, 'status');
    if (!(STATUSES as readonly string[]).includes(status)) fail(line, `unknown status "${status}" (expected ${STATUSES.join(', ')})`);
    const exit = Number(cell(cells, 'exit'));
    if (!Number.isInteger(exit)) fail(line, `exit code "${cell(cells, 'exit')}" is not a number`);
    const started = cell(cells, 'started');
    if (!UTC_TIME.test(started)) fail(line, `start time "${started}" is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)`);
    const fileCell = cell(cells, 'file');
    commands.push({
      file: fileCell === '-' || fileCell === '' ? null : fileCell,
      status: status as CommandStatus,
      exit,
      started,
      version: dashIsNull(cell(cells, 'version')),
      netns: dashIsNull(cell(cells, 'netns')),
      command: cell(cells, 'command'),
      line,
    });
  }
  const time = meta.get('time') ?? null;
  return {
    version,
    host: nonEmpty(meta.get('host')),
    kernel: nonEmpty(meta.get('kernel')),
    time: time !== null && UTC_TIME.test(time) ? time : null,
    meta,
    commands,
  };
}

function dashIsNull(value: string): string | null {
  return value === '-' || value === '' ? null : value;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' || value === 'unknown' ? null : value.trim();
}
