/**
 * Where the corpora that live beside the repository (../shared) are, and whether this checkout has them.
 * A fresh clone has nothing beside it: the suites that read these corpora then skip, and the run prints one
 * line per suite saying what it skipped and why (shared-skip-reporter.ts). The corpora
 * are read in place and never copied into the repository. Framework-neutral: vitest suites use
 * describe-shared.ts, the Playwright specs use this module directly.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * ../shared beside the repository, or NATLENS_SHARED when set (the corpora checked out elsewhere).
 * `repoRoot` is for code bundled away from this file (the fuzz worker), where __dirname is not the repo's.
 */
export function sharedRoot(repoRoot = REPO_ROOT): string {
  const env = process.env.NATLENS_SHARED;
  return env !== undefined && env !== '' ? path.resolve(env) : path.resolve(repoRoot, '..', 'shared');
}

export type SharedCorpus = 'transcripts' | 'tcpdump-suite' | 'kube-proxy-conformance';

const CORPUS_DIR: Record<SharedCorpus, readonly string[]> = {
  transcripts: ['captures', 'transcripts'],
  'tcpdump-suite': ['captures', 'tcpdump-suite'],
  'kube-proxy-conformance': ['conformance', 'kube-proxy'],
};

/** The corpus folder (absolute), whether or not it exists. */
export function sharedDir(corpus: SharedCorpus, repoRoot = REPO_ROOT): string {
  return path.join(sharedRoot(repoRoot), ...CORPUS_DIR[corpus]);
}

/** A file of a corpus (absolute), whether or not it exists. */
export function sharedFile(corpus: SharedCorpus, ...parts: string[]): string {
  return path.join(sharedDir(corpus), ...parts);
}

export function hasShared(corpus: SharedCorpus, repoRoot = REPO_ROOT): boolean {
  return existsSync(sharedDir(corpus, repoRoot));
}

/** The corpus folder as seen from the repository root, e.g. ../shared/captures/tcpdump-suite. */
export function sharedDisplay(corpus: SharedCorpus): string {
  return path.relative(REPO_ROOT, sharedDir(corpus)).split(path.sep).join('/');
}

/**
 * The name of the one skipped test a suite holds when its corpus is absent. The reporter turns each into a
 * line "skipped: <suite> (<folder> not found)"; see shared-skip-reporter.ts.
 */
export function placeholderName(...corpora: SharedCorpus[]): string {
  return `needs ${corpora.map((c) => sharedDisplay(c)).join(', ')}`;
}

/** The line printed for a suite skipped for want of `corpus`: "skipped: <what> (../shared/... not found)". */
export function skipLine(what: string, folder: string): string {
  return `skipped: ${what} (${folder} not found)`;
}

/** The folder a placeholder test name asks for, or null when the name is not a placeholder's. */
export function placeholderFolder(testName: string): string | null {
  return /^needs (\.\.?\/.+|\/.+)$/.exec(testName)?.[1] ?? null;
}
