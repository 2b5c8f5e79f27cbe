/**
 * Runs a bundle of out/cli through V8's code cache. Compiling a 1-1.5 MB bundle is ~40 ms of CPU on every start
 * (each worker thread compiles its own bundle again); with the bytecode V8 produced the last time, loading it is a
 * few. The cache is made after a run (`createCachedData` once the run is over also holds the functions that were
 * compiled lazily while it ran), kept in the user's cache folder, keyed by the bundle's content hash (written by
 * scripts/build-cli.mjs), its size and time, the Node version and the architecture. It is never needed: a missing,
 * stale, rejected or unwritable cache runs the bundle as a plain compile, and a rejected one is written again.
 *
 * Bundled on its own as out/cli/code-cache.cjs; each out/cli entry file is a stub the build writes that calls
 * runBundle with its bundle (`<entry>.bundle.cjs`). Node 20 has no module.enableCompileCache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { wrap } from 'node:module';

export interface CachedBundle {
  /** The bundle: a CommonJS file, run as if required from the stub's module. */
  file: string;
  /** The bundle's sha256 in hex, as the build wrote it. */
  hash: string;
  /**
   * Which use of the bundle this run is (the command line's command): a run's cache holds the functions it
   * compiled, and those differ by command, so each keeps its own. None: 'any'; one not in `variants`: 'other'.
   */
  variant?: string;
  /** The variants kept apart (the command names): a mistyped command does not leave a cache of its own. */
  variants?: readonly string[];
}

/** What the run did with the cache, for tests and benches (NATLENS_CODE_CACHE_REPORT). */
export type CacheUse =
  | { kind: 'off'; why: string }
  | { kind: 'cold'; cacheFile: string }
  | { kind: 'accepted'; cacheFile: string }
  | { kind: 'rejected'; cacheFile: string };

/** Per bundle and variant, the cache files kept (newest first): several builds side by side do not evict each other. */
const KEEP_PER_BUNDLE = 6;
const CACHE_SUFFIX = '.v8cache';

/** Where cache files go: NATLENS_CODE_CACHE names a folder, or `off`; else $XDG_CACHE_HOME or ~/.cache, then the temp folder. */
export function codeCacheCandidates(env: NodeJS.ProcessEnv = process.env): string[] | null {
  const setting = env.NATLENS_CODE_CACHE;
  if (setting === 'off' || setting === '0') return null;
  if (setting !== undefined && setting !== '') return [setting];
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  const home = env.XDG_CACHE_HOME !== undefined && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return [path.join(home, 'natlens', 'code'), path.join(os.tmpdir(), `natlens-code-${uid ?? 'user'}`)];
}

/**
 * A folder only this user can write: cached bytecode is code this process runs, so a folder another user could
 * put a file into (a shared /tmp folder made by someone else, a group-writable one) is not used.
 */
function ownFolder(dir: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      st = fs.lstatSync(dir);
    } catch {
      return false;
    }
  }
  if (!st.isDirectory()) return false;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
  return (st.mode & 0o022) === 0;
}

function cacheFolder(env: NodeJS.ProcessEnv): string | null {
  const candidates = codeCacheCandidates(env);
  if (candidates === null) return null;
  return candidates.find(ownFolder) ?? null;
}

const variantName = ({ variant, variants = [] }: CachedBundle): string => (variant === undefined ? 'any' : variants.includes(variant) ? variant : 'other');

/** `<bundle>.<variant>.` + a key naming this bundle's bytes and the V8 that compiled them. */
export function cacheFileName(bundle: CachedBundle, stat: { size: number; mtimeMs: number }): string {
  const key = [bundle.hash.slice(0, 16), stat.size, Math.trunc(stat.mtimeMs), process.versions.v8, process.arch].join('-');
  return `${cachePrefix(bundle)}${key}${CACHE_SUFFIX}`;
}

const cachePrefix = (bundle: CachedBundle): string => `${path.basename(bundle.file)}.${variantName(bundle)}.`;

function readCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written beside and renamed into place, so a concurrent run reads a whole cache or none; older builds' files pruned. */
export function writeCache(dir: string, fileName: string, data: Buffer, prefix: string): void {
  const target = path.join(dir, fileName);
  const partial = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(partial, data, { mode: 0o600 });
    fs.renameSync(partial, target);
  } catch {
    fs.rmSync(partial, { force: true });
    return;
  }
  try {
    const others = fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(CACHE_SUFFIX) && f !== fileName);
    if (others.length < KEEP_PER_BUNDLE) return;
    const byAge = others.map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { f } of byAge.slice(KEEP_PER_BUNDLE - 1)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // Pruning is housekeeping: another run may have removed the same files.
  }
}

export interface LoadedBundle {
  /** The bundle's CommonJS wrapper, to be called with (exports, require, module, __filename, __dirname). */
  run: (exports: unknown, require: NodeJS.Require, module: NodeJS.Module, filename: string, dirname: string) => void;
  use: CacheUse;
  /** Writes the cache of what ran (cold or rejected use; nothing otherwise). Call when the run is over. */
  save: () => void;
}

/** Compiles `bundle` with its cached bytecode when there is one that V8 accepts. */
export function loadBundle(bundle: CachedBundle, env: NodeJS.ProcessEnv = process.env): LoadedBundle {
  const source = fs.readFileSync(bundle.file, 'utf8');
  const dir = cacheFolder(env);
  let fileName: string | null = null;
  if (dir !== null) {
    try {
      fileName = cacheFileName(bundle, fs.statSync(bundle.file));
    } catch {
      fileName = null;
    }
  }
  const cached = dir !== null && fileName !== null ? readCache(path.join(dir, fileName)) : undefined;
  const script = new vm.Script(wrap(source), { filename: bundle.file, ...(cached === undefined ? {} : { cachedData: cached }),
    // An import() in the bundle loads as it would from a required file.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const run = script.runInThisContext() as LoadedBundle['run'];
  if (dir === null || fileName === null) return { run, use: { kind: 'off', why: dir === null ? 'no cache folder this user alone can write' : 'the bundle cannot be read' }, save: () => undefined };
  const cacheFile = path.join(dir, fileName);
  const use: CacheUse = cached === undefined ? { kind: 'cold', cacheFile } : script.cachedDataRejected === true ? { kind: 'rejected', cacheFile } : { kind: 'accepted', cacheFile };
  let saved = use.kind === 'accepted';
  const save = (): void => {
    if (saved) return;
    saved = true;
    let data: Buffer;
    try {
      data = script.createCachedData();
    } catch {
      return;
    }
    writeCache(dir, fileName, data, cachePrefix(bundle));
  };
  return { run, use, save };
}

/**
 * The stub's call: runs `bundle` as the stub's own module (same require, same folder) and writes its cache when
 * the thread exits. NATLENS_CODE_CACHE_REPORT=1 prints what the cache did on stderr (tests, benches).
 */
export function runBundle(module: NodeJS.Module, require: NodeJS.Require, bundle: CachedBundle): void {
  const loaded = loadBundle(bundle);
  if (process.env.NATLENS_CODE_CACHE_REPORT === '1') process.stderr.write(`natlens: code cache ${path.basename(bundle.file)}: ${loaded.use.kind}\n`);
  if (loaded.use.kind === 'cold' || loaded.use.kind === 'rejected') process.once('exit', loaded.save);
  loaded.run(module.exports, require, module, bundle.file, path.dirname(bundle.file));
}
