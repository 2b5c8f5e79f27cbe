import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { safeFolderPath, UploadStore } from './upload-store';

describe('upload store: dropped folders', () => {
  let store: UploadStore | null = null;
  afterEach(() => store?.dispose());

  it('keeps a dropped file\'s place in its folder as safe segments, and refuses one that would leave it', () => {
    expect(safeFolderPath('cluster/node a/ip-addr.txt')).toEqual(['cluster', 'node_a', 'ip-addr.txt']);
    expect(safeFolderPath('cluster\\node-b\\x.txt')).toEqual(['cluster', 'node-b', 'x.txt']);
    for (const bad of ['../x.txt', 'cluster/../../x.txt', '/etc/passwd', 'x.txt', 'cluster/.git/HEAD']) expect(() => safeFolderPath(bad)).toThrow('not a file\'s path inside a dropped folder');
  });

  it('stages a folder\'s files at their place and names the folder once beside loose files; unstage puts them back', async () => {
    store = new UploadStore();
    const a = await store.receive('ip-addr.txt', Readable.from(['a\n']), null, ['cluster', 'node-a', 'ip-addr.txt']);
    const b = await store.receive('ip-addr.txt', Readable.from(['b\n']), null, ['cluster', 'node-b', 'ip-addr.txt']);
    const loose = await store.receive('ip-addr.txt', Readable.from(['c\n']));
    const staged = await store.stage([a, b, loose]);
    expect(staged.names).toEqual(['cluster', 'ip-addr.txt']);
    expect(staged.files).toEqual([path.join('cluster', 'node-a', 'ip-addr.txt'), path.join('cluster', 'node-b', 'ip-addr.txt'), 'ip-addr.txt']);
    expect(fs.readFileSync(path.join(staged.dir, 'cluster', 'node-b', 'ip-addr.txt'), 'utf8')).toBe('b\n');
    await store.unstage(staged, [a, b, loose]);
    expect(fs.readFileSync(a.path, 'utf8')).toBe('a\n');
    expect(store.take([a.id, b.id, loose.id]).every((u) => u !== undefined)).toBe(true);
  });

  it('refuses a loose file named like a dropped folder', async () => {
    store = new UploadStore();
    const loose = await store.receive('cluster', Readable.from(['c\n']));
    const inFolder = await store.receive('x.txt', Readable.from(['x\n']), null, ['cluster', 'x.txt']);
    await expect(store.stage([loose, inFolder])).rejects.toThrow('"cluster" is both a dropped folder and a file');
  });
});
