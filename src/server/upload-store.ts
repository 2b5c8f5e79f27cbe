/**
 * Files the browser uploaded, waiting to be imported. Each lives in its own directory under one
 * temp directory per server, under its original (sanitised) name, so the importer sees and reports
 * the name the user dropped. Taking an upload hands it over; dispose removes whatever is left.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ApiError } from '../shared/contract/api-error';

export interface Upload {
  id: string;
  name: string;
  path: string;
  bytes: number;
  /** Where the file sat in a dropped folder (`cluster/node-a/ip-addr.txt`), as safe segments; absent for a file given alone. */
  folderPath?: string[];
}

/**
 * A dropped file's path inside its folder, as safe segments (each as safeFileName makes it); the last is the file.
 * Refuses `..`, an absolute path and hidden segments: the path names a place in the staging folder, nothing else.
 */
export function safeFolderPath(relative: string): string[] {
  const parts = relative.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  if (relative.startsWith('/') || parts.length < 2 || parts.length > 16 || parts.some((p) => p === '..' || p.startsWith('.'))) {
    throw new ApiError('invalid-request', `"${relative}" is not a file's path inside a dropped folder`);
  }
  return parts.map(safeFileName);
}

/** Keeps letters, digits, dot, dash, underscore; never a path separator or a leading dot. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 200);
  return cleaned === '' ? 'capture' : cleaned;
}

/** Uploads moved side by side for one import: `names` to import (relative to `dir`), `files` where each upload went. */
export interface Staged {
  dir: string;
  names: string[];
  files: string[];
}

/** What the server takes before it answers 413: an upload's size, and the uploads waiting to be imported. */
export interface UploadLimits {
  maxUploadBytes: number;
  maxPendingUploads: number;
  maxPendingBytes: number;
}

/** A 4M-packet pcap is ~300 MB; a node's collector tarball a few MB. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxUploadBytes: 2 * 1024 ** 3,
  maxPendingUploads: 256,
  maxPendingBytes: 8 * 1024 ** 3,
};

function mib(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MiB`;
}

export class UploadStore {
  private readonly root: string;
  private readonly uploads = new Map<string, Upload>();
  /** Uploads being received or waiting, and their bytes so far: what the limits count. */
  private receiving = 0;
  private receivingBytes = 0;

  constructor(private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-uploads-'));
  }

  /** Refuses (ApiError 'too-large') before reading when `declaredBytes` or the count is past a limit, else as soon as the body passes one. */
  async receive(name: string, body: Readable, declaredBytes: number | null = null, folderPath: string[] | null = null): Promise<Upload> {
    const { maxUploadBytes, maxPendingUploads, maxPendingBytes } = this.limits;
    if (this.uploads.size + this.receiving >= maxPendingUploads) {
      throw new ApiError('too-large', `${maxPendingUploads} uploads are already waiting to be imported; import or discard them first`);
    }
    if (declaredBytes !== null && declaredBytes > maxUploadBytes) {
      throw new ApiError('too-large', `${name} (${mib(declaredBytes)}) is larger than the ${mib(maxUploadBytes)} an upload may be; import it with natlens import instead`);
    }
    const pending = (): number => this.receivingBytes + [...this.uploads.values()].reduce((n, u) => n + u.bytes, 0);
    const id = randomBytes(12).toString('hex');
    const dir = path.join(this.root, id);
    await fs.promises.mkdir(dir);
    const file = path.join(dir, safeFileName(name));
    let bytes = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) => {
        bytes += chunk.length;
        this.receivingBytes += chunk.length;
        if (bytes > maxUploadBytes) done(new ApiError('too-large', `${name} is larger than the ${mib(maxUploadBytes)} an upload may be; import it with natlens import instead`));
        else if (pending() > maxPendingBytes) done(new ApiError('too-large', `the uploads waiting to be imported would pass ${mib(maxPendingBytes)}; import them first`));
        else done(null, chunk);
      },
    });
    this.receiving++;
    try {
      await pipeline(body, counter, fs.createWriteStream(file, { flags: 'wx' }));
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw err;
    } finally {
      this.receiving--;
      this.receivingBytes -= bytes;
    }
    const upload: Upload = { id, name, path: file, bytes: (await fs.promises.stat(file)).size, ...(folderPath === null ? {} : { folderPath }) };
    this.uploads.set(id, upload);
    return upload;
  }

  /** Removes the uploads from the store and returns them; undefined for an id that is not (or no longer) here. */
  take(ids: readonly string[]): (Upload | undefined)[] {
    return ids.map((id) => {
      const upload = this.uploads.get(id);
      this.uploads.delete(id);
      return upload;
    });
  }

  /**
   * Moves uploads into one fresh folder under their own names (a repeated name gets `-2`, `-3`...), and the files
   * of a dropped folder to their place in it, so one import call reads them as the CLI would: `names` are what to
   * import (the bare files and each dropped folder once), `files` where each upload went.
   */
  async stage(uploads: readonly Upload[]): Promise<Staged> {
    // Checked before anything moves: a refused batch leaves every upload where it was.
    const looseNames = new Set(uploads.filter((u) => u.folderPath === undefined).map((u) => path.basename(u.path)));
    const clash = uploads.find((u) => u.folderPath !== undefined && looseNames.has(u.folderPath[0]!));
    if (clash !== undefined) throw new ApiError('invalid-request', `"${clash.folderPath![0]}" is both a dropped folder and a file`);
    const dir = path.join(this.root, `batch-${randomBytes(8).toString('hex')}`);
    await fs.promises.mkdir(dir);
    const used = new Set<string>();
    const names: string[] = [];
    const files: string[] = [];
    const unique = (wanted: string): string => {
      const { dir: parent, name: stem, ext } = path.parse(wanted);
      let name = wanted;
      for (let n = 2; used.has(name); n++) name = path.join(parent, `${stem}-${n}${ext}`);
      used.add(name);
      return name;
    };
    for (const upload of uploads) {
      const folder = upload.folderPath;
      const name = unique(folder === undefined ? path.basename(upload.path) : path.join(...folder));
      // A dropped folder and a file given alone never share a name: the folder's name is reserved by its first file.
      const top = folder === undefined ? name : folder[0]!;
      used.add(top);
      await fs.promises.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.promises.rename(upload.path, path.join(dir, name));
      files.push(name);
      if (!names.includes(top)) names.push(top);
    }
    return { dir, names, files };
  }

  /** Undoes stage: each upload back in its own folder and waiting again under its id. */
  async unstage(staged: Staged, uploads: readonly Upload[]): Promise<void> {
    for (const [i, upload] of uploads.entries()) {
      await fs.promises.rename(path.join(staged.dir, staged.files[i]!), upload.path);
      this.uploads.set(upload.id, upload);
    }
    await this.removeDir(staged.dir);
  }

  async removeDir(dir: string): Promise<void> {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }

  async remove(uploads: readonly Upload[]): Promise<void> {
    await Promise.all(uploads.map((u) => fs.promises.rm(path.dirname(u.path), { recursive: true, force: true })));
  }

  dispose(): void {
    this.uploads.clear();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
