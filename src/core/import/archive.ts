/**
 * Tar (plain, gzip, ...) and zip archives of capture files, unpacked into a private temporary folder so
 * the import reads their files like any others. Bounded: the archive is streamed in pieces, each entry
 * written to disk as it is inflated, and an archive with too many entries or bytes, an entry whose path
 * leaves the archive's folder, or a corrupt archive is refused whole with an error naming it (and the
 * entry) — nothing of it is imported.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as Fflate from 'fflate';
import type * as Tar from 'tar';
import { CaptureError } from '../capture/capture-error';

// tar and fflate are loaded when an archive is unpacked: evaluating tar (with the stream, assert and readline modules
// it brings) cost every import ~20 ms of start-up. The CLI's bundles leave both to node_modules (scripts/node-bundle.mjs).
const requireHere = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'package.json'));
let tar: typeof Tar | null = null;
let fflate: typeof Fflate | null = null;
const tarPackage = (): typeof Tar => (tar ??= requireHere('tar') as typeof Tar);
const fflatePackage = (): typeof Fflate => (fflate ??= requireHere('fflate') as typeof Fflate);

export type ArchiveFormat = 'tar' | 'zip';

export interface ArchiveLimits {
  /** Entries of any type (folders, links included). */
  maxEntries: number;
  /** Bytes of all files once unpacked. */
  maxTotalBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 20_000, maxTotalBytes: 8 * 1024 ** 3 };

export interface ArchiveEntry {
  /** The entry's path inside the archive: `/`-separated, no `.` or empty segments. */
  name: string;
  /** Where its bytes were unpacked. */
  readPath: string;
  size: number;
}

export interface UnpackedArchive {
  entries: ArchiveEntry[];
  /** Entries not unpacked (links, devices...), each with the reason. */
  skipped: Array<{ name: string; reason: string }>;
  /** Removes the temporary folder. */
  dispose(): void;
}

/**
 * Read pieces. Small, because an inflater turns each piece into its output at once: deflate's best
 * ratio (~1:1000) makes 64 KiB of a crafted archive at most ~64 MiB in memory before the size limit stops it.
 */
const CHUNK_BYTES = 64 * 1024;

/** The archive format of a file from its first bytes (gzip is taken for a compressed tar), or null. */
export function archiveFormatOf(head: Uint8Array): ArchiveFormat | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar';
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'tar';
  return null;
}

/**
 * The entry's path made safe, or a CaptureError: an absolute path, a `..` segment or a NUL byte would
 * reach outside the folder the archive unpacks to (path traversal), so the archive is refused.
 */
export function safeEntryName(archive: string, raw: string): string {
  const name = raw.replace(/\\/g, '/');
  const refuse = (why: string): never => {
    throw new CaptureError({ file: archive }, `archive entry "${raw}" ${why}; the archive is not imported`);
  };
  if (name.includes('\0')) refuse('holds a NUL byte');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) refuse('has an absolute path (path traversal)');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) refuse('leaves the archive\'s folder with ".." (path traversal)');
  return parts.join('/');
}

/**
 * Unpacks `readPath` (shown as `shownAs` in errors). Throws CaptureError for a refused or corrupt archive;
 * the temporary folder is then already gone.
 */
export function unpackArchive(shownAs: string, readPath: string, format: ArchiveFormat, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): UnpackedArchive {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-archive-'));
  const dispose = (): void => fs.rmSync(dir, { recursive: true, force: true });
  const sink = new EntrySink(shownAs, dir, limits);
  try {
    if (format === 'tar') unpackTar(shownAs, readPath, sink);
    else unpackZip(shownAs, readPath, sink);
    sink.finish();
  } catch (e) {
    sink.closeOpen();
    dispose();
    if (e instanceof CaptureError) throw e;
    throw new CaptureError({ file: shownAs }, `not a readable ${format === 'tar' ? 'tar' : 'zip'} archive: ${describeArchiveError(e)}`);
  }
  return { entries: sink.entries, skipped: sink.skipped, dispose };
}

/** Writes entries to numbered files (never to their own names: no name can reach outside `dir`) and keeps count. */
class EntrySink {
  readonly entries: ArchiveEntry[] = [];
  readonly skipped: Array<{ name: string; reason: string }> = [];
  private seen = 0;
  private written = 0;
  private totalBytes = 0;
  private open: { fd: number; entry: ArchiveEntry } | null = null;

  constructor(
    private readonly archive: string,
    private readonly dir: string,
    private readonly limits: ArchiveLimits,
  ) {}

  /** Counts any entry and returns its name made safe (safeEntryName); throws past the entry limit. */
  count(raw: string): string {
    if (++this.seen > this.limits.maxEntries) {
      throw new CaptureError({ file: this.archive }, `more than ${this.limits.maxEntries} entries; the archive is not imported`);
    }
    return safeEntryName(this.archive, raw);
  }

  skip(name: string, reason: string): void {
    this.skipped.push({ name, reason });
  }

  begin(name: string): void {
    if (this.open !== null) this.end();
    const entry: ArchiveEntry = { name, readPath: path.join(this.dir, String(this.written++)), size: 0 };
    this.open = { fd: fs.openSync(entry.readPath, 'wx', 0o600), entry };
  }

  write(chunk: Uint8Array): void {
    const open = this.open;
    if (open === null) return;
    this.totalBytes += chunk.length;
    if (this.totalBytes > this.limits.maxTotalBytes) {
      throw new CaptureError(
        { file: this.archive },
        `unpacks to more than ${formatBytes(this.limits.maxTotalBytes)} (at entry "${open.entry.name}"); the archive is not imported`,
      );
    }
    for (let done = 0; done < chunk.length; ) done += fs.writeSync(open.fd, chunk, done, chunk.length - done);
    open.entry.size += chunk.length;
  }

  end(): void {
    const open = this.open;
    if (open === null) return;
    this.open = null;
    fs.closeSync(open.fd);
    // A later entry of the same name replaces an earlier one, as when the archive is unpacked.
    const earlier = this.entries.findIndex((e) => e.name === open.entry.name);
    if (earlier >= 0) this.entries.splice(earlier, 1);
    this.entries.push(open.entry);
  }

  /** An entry still open at the end: the archive was cut inside it. */
  finish(): void {
    if (this.open !== null) {
      const { name } = this.open.entry;
      this.closeOpen();
      throw new CaptureError({ file: this.archive }, `the archive ends inside entry "${name}" (truncated); the archive is not imported`);
    }
  }

  closeOpen(): void {
    if (this.open !== null) fs.closeSync(this.open.fd);
    this.open = null;
  }
}

function unpackTar(shownAs: string, readPath: string, sink: EntrySink): void {
  // Our own refusal, thrown through the parser so that reading stops at once (not after inflating the rest).
  let failure: unknown = null;
  const stop = (e: unknown): never => {
    failure ??= e;
    throw e;
  };
  try {
    tarPackage().list({
      file: readPath,
      sync: true,
      strict: true,
      maxReadSize: CHUNK_BYTES,
      onReadEntry(entry: Tar.ReadEntry) {
        let name: string;
        try {
          name = sink.count(entry.path);
        } catch (e) {
          return stop(e);
        }
        switch (entry.type) {
          case 'File':
          case 'OldFile':
          case 'ContiguousFile':
            if (name === '') stop(new CaptureError({ file: shownAs }, `archive entry "${entry.path}" has no name; the archive is not imported`));
            sink.begin(name);
            entry.on('data', (chunk: Buffer) => {
              try {
                sink.write(chunk);
              } catch (e) {
                stop(e);
              }
            });
            entry.on('end', () => sink.end());
            return;
          case 'Directory':
          case 'GNUDumpDir':
            break;
          case 'SymbolicLink':
          case 'Link':
            sink.skip(name, `a link to "${entry.linkpath ?? ''}": links are not followed`);
            break;
          default:
            sink.skip(name, `a ${entry.type} entry, not a file`);
        }
        entry.resume();
      },
    });
  } catch (e) {
    throw failure ?? e;
  }
  if (failure !== null) throw failure;
}

function unpackZip(shownAs: string, readPath: string, sink: EntrySink): void {
  let failure: unknown = null;
  const files: Array<{ name: string; done: boolean }> = [];
  const { Unzip, UnzipInflate } = fflatePackage();
  const unzip = new Unzip((file: Fflate.UnzipFile) => {
    if (failure !== null) return;
    try {
      const name = sink.count(file.name);
      if (file.name.endsWith('/') || file.name.endsWith('\\')) return;
      if (name === '') throw new CaptureError({ file: shownAs }, `archive entry "${file.name}" has no name; the archive is not imported`);
      const state = { name, done: false };
      files.push(state);
      let begun = false;
      file.ondata = (err, chunk, final) => {
        if (failure !== null) return;
        try {
          if (err) throw new CaptureError({ file: shownAs }, `entry "${name}" cannot be inflated: ${err.message}; the archive is not imported`);
          if (!begun) {
            sink.begin(name);
            begun = true;
          }
          sink.write(chunk);
          if (final) {
            sink.end();
            state.done = true;
          }
        } catch (e) {
          failure = e;
        }
      };
      try {
        file.start();
      } catch (e) {
        throw new CaptureError({ file: shownAs }, `entry "${name}" uses a compression natlens does not read (method ${file.compression}); the archive is not imported`);
      }
    } catch (e) {
      failure = e;
    }
  });
  unzip.register(UnzipInflate);
  const fd = fs.openSync(readPath, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (let offset = 0; offset < size && failure === null; ) {
      const n = fs.readSync(fd, buffer, 0, Math.min(CHUNK_BYTES, size - offset), offset);
      if (n === 0) break;
      offset += n;
      // fflate keeps a reference to what it is given until it is consumed: hand it its own copy.
      unzip.push(buffer.subarray(0, n).slice(), offset >= size);
    }
  } finally {
    fs.closeSync(fd);
  }
  if (failure !== null) throw failure;
  const cut = files.find((f) => !f.done);
  if (cut !== undefined) {
    sink.closeOpen();
    throw new CaptureError({ file: shownAs }, `the archive ends inside entry "${cut.name}" (truncated or corrupt); the archive is not imported`);
  }
}

function describeArchiveError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/^TAR_[A-Z_]+: /, '');
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${Math.round((n / 1024 ** 3) * 10) / 10} GiB`;
  if (n >= 1024 ** 2) return `${Math.round((n / 1024 ** 2) * 10) / 10} MiB`;
  return `${n} bytes`;
}
