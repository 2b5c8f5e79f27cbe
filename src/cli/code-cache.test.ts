import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bundleForNode } from '../../scripts/node-bundle.mjs';
import { cacheFileName, type CachedBundle } from './code-cache';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
let dir: string;
let loader: string;
let loaderDir: string;

// Each load in a process of its own: V8 keeps what one isolate compiled, so a second load in the same process would
// not read the cache at all.
beforeAll(async () => {
  loaderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-code-cache-loader-'));
  loader = path.join(loaderDir, 'code-cache.cjs');
  await bundleForNode(path.join(repo, 'src/cli/code-cache.ts'), loader);
}, 60_000);
afterAll(() => {
  fs.rmSync(loaderDir, { recursive: true, force: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-code-cache-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A bundle whose functions run only when called (compiled lazily), answering `n`. */
function writeBundle(name: string, n: number): CachedBundle {
  const file = path.join(dir, name);
  const text = `'use strict';\nfunction later(x) { return [x, x + 1].map((y) => y * 2).reduce((a, b) => a + b, 0); }\nmodule.exports.answer = () => later(${n});\n`;
  fs.writeFileSync(file, text);
  return { file, hash: createHash('sha256').update(text).digest('hex') };
}

const CHILD = `
const [loader, bundle, cacheDir, save] = process.argv.slice(1);
const { loadBundle } = require(loader);
const b = JSON.parse(bundle);
const loaded = loadBundle(b, { NATLENS_CODE_CACHE: cacheDir });
const m = { exports: {} };
loaded.run(m.exports, require, m, b.file, require('node:path').dirname(b.file));
const answer = m.exports.answer();
if (save === 'save') loaded.save();
process.stdout.write(JSON.stringify({ answer, use: loaded.use.kind }));
`;

const NOBODY = 65534;

/**
 * Loads and runs `bundle` as a module in a new process (as user nobody with `asNobody`), saving its cache after
 * unless `save` is false; its answer and what the cache did.
 */
function run(bundle: CachedBundle, cacheDir: string, save = true, asNobody = false): { answer: number; use: string } {
  const user = asNobody ? { uid: NOBODY, gid: NOBODY } : {};
  const r = spawnSync(process.execPath, ['-e', CHILD, loader, JSON.stringify(bundle), cacheDir, save ? 'save' : 'keep'], { encoding: 'utf8', ...user });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { answer: number; use: string };
}

const cacheFiles = (cacheDir: string): string[] => fs.readdirSync(cacheDir).filter((f) => f.endsWith('.v8cache')).sort();

describe('the code cache of a bundle', () => {
  it('is made after the first run and taken by the next, which computes the same', () => {
    const bundle = writeBundle('b.cjs', 20);
    const cache = path.join(dir, 'cache');
    expect(run(bundle, cache, false)).toEqual({ answer: 82, use: 'cold' });
    expect(cacheFiles(cache)).toEqual([]);
    expect(run(bundle, cache)).toEqual({ answer: 82, use: 'cold' });
    expect(cacheFiles(cache)).toHaveLength(1);
    const second = run(bundle, cache);
    expect(second).toEqual({ answer: 82, use: 'accepted' });
    // Only this user may write the folder or read the bytecode.
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(cache, cacheFiles(cache)[0]!)).mode & 0o777).toBe(0o600);
  });

  it('is not taken for a rebuilt bundle of the same length: the build hash and the file time name another cache', () => {
    const cache = path.join(dir, 'cache');
    const before = writeBundle('b.cjs', 20);
    run(before, cache);
    const after = writeBundle('b.cjs', 30);
    expect(fs.statSync(after.file).size).toBe(fs.statSync(before.file).size);
    expect(run(after, cache)).toEqual({ answer: 122, use: 'cold' });
    // Same bytes, an hour later (a copy of the install): the time alone names another cache too.
    const stat = fs.statSync(after.file);
    expect(cacheFileName(after, { size: stat.size, mtimeMs: stat.mtimeMs + 3_600_000 })).not.toBe(cacheFileName(after, stat));
  });

  it('runs a bundle whose cache is damaged, and writes it again', () => {
    const bundle = writeBundle('b.cjs', 5);
    const cache = path.join(dir, 'cache');
    run(bundle, cache);
    const [file] = cacheFiles(cache);
    fs.writeFileSync(path.join(cache, file!), Buffer.from('not bytecode at all, but of some length'));
    expect(run(bundle, cache)).toEqual({ answer: 22, use: 'rejected' });
    expect(run(bundle, cache)).toEqual({ answer: 22, use: 'accepted' });
  });

  it('runs without a cache where none can be kept: switched off, a folder that cannot be made, one others may write', () => {
    const bundle = writeBundle('b.cjs', 1);
    expect(run(bundle, 'off')).toEqual({ answer: 6, use: 'off' });
    const notAFolder = path.join(dir, 'file');
    fs.writeFileSync(notAFolder, '');
    expect(run(bundle, path.join(notAFolder, 'cache'))).toEqual({ answer: 6, use: 'off' });
    const shared = path.join(dir, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o777);
    expect(run(bundle, shared)).toEqual({ answer: 6, use: 'off' });
    expect(fs.readdirSync(shared)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('takes a cache from a folder it may only read, and runs without writing one there (as user nobody; needs root)', () => {
    for (const d of [dir, loaderDir]) fs.chmodSync(d, 0o755);
    const bundle = writeBundle('b.cjs', 7);
    const cache = path.join(dir, 'cache');
    fs.mkdirSync(cache, { mode: 0o700 });
    fs.chownSync(cache, NOBODY, NOBODY);
    expect(run(bundle, cache, true, true)).toEqual({ answer: 30, use: 'cold' });
    expect(cacheFiles(cache)).toHaveLength(1);
    fs.chmodSync(cache, 0o500);
    expect(run(bundle, cache, true, true)).toEqual({ answer: 30, use: 'accepted' });
    // A cold run (another bundle) in the read-only folder: it runs, and nothing is left behind.
    const other = writeBundle('c.cjs', 8);
    expect(run(other, cache, true, true)).toEqual({ answer: 34, use: 'cold' });
    expect(fs.readdirSync(cache)).toHaveLength(1);
  });

  it('keeps a few builds of a bundle side by side and prunes the oldest', () => {
    const cache = path.join(dir, 'cache');
    let last: CachedBundle | null = null;
    for (let n = 10; n < 20; n++) run((last = writeBundle('b.cjs', n)), cache);
    expect(cacheFiles(cache)).toHaveLength(6);
    expect(run(last!, cache).use).toBe('accepted');
  });
});

describe('the built command line through its code cache', () => {
  const natlens = (args: string[], cache: string): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NATLENS_CODE_CACHE: cache, NATLENS_CODE_CACHE_REPORT: '1' } });

  it('caches the command line and the import worker on a first run, uses both after, and prints the same', () => {
    const cache = path.join(dir, 'cache');
    const pcap = path.join(repo, 'test/fixtures/pcap/kernel-sll.pcap');
    const cold = natlens(['import', '--db', path.join(dir, 'a.db'), '--json', pcap], cache);
    expect(cold.status).toBe(0);
    expect(cold.stderr).toContain('code cache natlens.bundle.cjs: cold');
    expect(cold.stderr).toContain('code cache import-worker.bundle.cjs: cold');
    expect(cacheFiles(cache).map((f) => f.split('.').slice(0, 4).join('.'))).toEqual(['import-worker.bundle.cjs.any', 'natlens.bundle.cjs.import']);

    const warm = natlens(['import', '--db', path.join(dir, 'b.db'), '--json', pcap], cache);
    expect(warm.status).toBe(0);
    expect(warm.stderr).toContain('code cache natlens.bundle.cjs: accepted');
    expect(warm.stderr).toContain('code cache import-worker.bundle.cjs: accepted');
    const shown = (out: string): unknown => JSON.parse(out.replace(/"seconds":[0-9.e-]+/g, '"seconds":0'));
    expect(shown(warm.stdout)).toEqual(shown(cold.stdout));

    const trace = ['trace', '--db', path.join(dir, 'a.db'), '--node', 'kernel-sll', '--proto', 'tcp', '--src', '10.0.0.1', '--dst', '10.0.0.2:80', '--local', '--json'];
    const off = natlens(trace, 'off');
    natlens(trace, cache);
    const traced = natlens(trace, cache);
    expect(traced.stderr).toContain('code cache natlens.bundle.cjs: accepted');
    expect([traced.status, traced.stdout]).toEqual([off.status, off.stdout]);

    // A mistyped command shares one cache with every other word.
    expect(natlens(['frobnicate'], cache).status).toBe(2);
    expect(natlens(['imprt'], cache).stderr).toContain('code cache natlens.bundle.cjs: accepted');
    expect(cacheFiles(cache).filter((f) => f.startsWith('natlens.')).map((f) => f.split('.')[3])).toEqual(['import', 'other', 'trace']);
  }, 60_000);
});
