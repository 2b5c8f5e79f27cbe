/**
 * describe() for suites that read a corpus in ../shared. With the corpus present it is a plain describe;
 * without it the body is never run (it may list the corpus at collection time) and the suite holds one
 * skipped test, `needs ../shared/...`, which the reporter prints as "skipped: <title> (... not found)".
 */
import { describe, it } from 'vitest';
import { hasShared, placeholderName, type SharedCorpus } from './shared-corpus';

export function describeShared(corpus: SharedCorpus, title: string, body: () => void): void {
  if (hasShared(corpus)) describe(title, body);
  else skippedForWant(corpus, title);
}

/**
 * For a suite that runs either way but uses less without the corpus (e.g. fuzz seeds): records, when the
 * corpus is absent, a skipped suite titled `what` so the run says what was left out. True when present.
 */
export function sharedOrNote(corpus: SharedCorpus, what: string): boolean {
  if (hasShared(corpus)) return true;
  skippedForWant(corpus, what);
  return false;
}

function skippedForWant(corpus: SharedCorpus, title: string): void {
  describe(title, () => {
    it.skip(placeholderName(corpus), () => undefined);
  });
}
