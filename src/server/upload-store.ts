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
import type { Readable } from 'node:stream';

export interface Upload {
  id: string;
  name: string;
  path: string;
  bytes: number;
}

/** Keeps letters, digits, dot, dash, underscore; never a path separator or a leading dot. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 200);
  return cleaned === '' ? 'capture' : cleaned;
}

export class UploadStore {
  private readonly root: string;
  private readonly uploads = new Map<string, Upload>();

  constructor() {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-uploads-'));
  }

  async receive(name: string, body: Readable): Promise<Upload> {
    const id = randomBytes(12).toString('hex');
    const dir = path.join(this.root, id);
    await fs.promises.mkdir(dir);
    const file = path.join(dir, safeFileName(name));
    try {
      await pipeline(body, fs.createWriteStream(file, { flags: 'wx' }));
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw err;
    }
    const upload: Upload = { id, name, path: file, bytes: (await fs.promises.stat(file)).size };
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
   * Moves uploads into one fresh folder under their own names (a repeated name gets `-2`, `-3`...),
   * so one import call reads them side by side as bare file names.
   */
  async stage(uploads: readonly Upload[]): Promise<{ dir: string; names: string[] }> {
    const dir = path.join(this.root, `batch-${randomBytes(8).toString('hex')}`);
    await fs.promises.mkdir(dir);
    const used = new Set<string>();
    const names: string[] = [];
    for (const upload of uploads) {
      const wanted = path.basename(upload.path);
      const { name: stem, ext } = path.parse(wanted);
      let name = wanted;
      for (let n = 2; used.has(name); n++) name = `${stem}-${n}${ext}`;
      used.add(name);
      await fs.promises.rename(upload.path, path.join(dir, name));
      names.push(name);
    }
    return { dir, names };
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
