/**
 * describe() for suites that read a corpus in ../shared. With the corpus present it is a plain describe;
 * without it the body is never run (it may list the corpus at collection time) and the suite holds one
 * skipped test, `needs ../shared/...`, which the reporter prints as "skipped: <title> (... not found)".
 */
import { describe, it } from 'vitest';
import { hasShared, placeholderName, type SharedCorpus } from './shared-corpus';

export function describeShared(corpus: SharedCorpus, title: string, body: () => void): void {
  if (hasShared(corpus)) describe(title, body);
  else skippedForWant(title, [corpus]);
}

/**
 * For a suite that runs either way but uses less without some corpora (e.g. fuzz seeds): records, when any
 * is absent, one skipped suite titled `what` naming them, so the run says what was left out. True when all are there.
 */
export function sharedOrNote(what: string, ...corpora: SharedCorpus[]): boolean {
  const missing = corpora.filter((c) => !hasShared(c));
  if (missing.length === 0) return true;
  skippedForWant(what, missing);
  return false;
}

function skippedForWant(title: string, corpora: SharedCorpus[]): void {
  describe(title, () => {
    it.skip(placeholderName(...corpora), () => undefined);
  });
}
