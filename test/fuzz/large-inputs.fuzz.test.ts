/**
 * Large inputs built from real captures: a 1 MB line of one repeated (mutated) token, or 1 MB of one repeated
 * line. Every parse call must finish (a quadratic regex or re-scan would not) with a well-formed result or a
 * CaptureError at file:line. The watchdog only tells "finishes" from "never finishes".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { failuresOf } from './fuzz-report';
import { loadCorpus, FUZZ_TARGETS, type Seed, SHARED_SEEDS } from './seed-corpus';
import { removeWorkerScript, REPO_ROOT, runInWorker, type Subject } from './worker-harness';
import { sharedOrNote } from '../support/describe-shared';

afterAll(removeWorkerScript);

const RUN_SEED = 0x6e61_7402;
const SIZE = 1_000_000;
const CASES = 2;
/** Linear work on a megabyte takes well under a second; a quadratic one takes hours. */
const STALL_MS = 30_000;

sharedOrNote('text capture parsers on 1 MB lines and runs of lines: the seeds from ../shared', ...SHARED_SEEDS);

describe('text capture parsers on 1 MB lines and runs of lines', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target}: finishes on ${CASES} inputs enlarged by ${SIZE} chars of a repeated token or line`, async () => {
      const run = { target, shape: 'large', runSeed: RUN_SEED, largeSize: SIZE } as const;
      const answer = await runInWorker({ kind: 'cases', cases: CASES, ...run }, STALL_MS);
      expect(failuresOf(run, answer)).toBe('');
    }, 180_000);
  }
});

describe('the registry on an iptables -L listing with many blank lines in it', () => {
  it('splits and parses the listing with 200,000 empty or blank CRLF lines after its first line', async () => {
    const corpus = loadCorpus(REPO_ROOT);
    const listing = corpus.registry.find((s) => s.input.file.endsWith('rich.kernel-list-n.txt')) as Seed;
    const [head, ...rest] = listing.input.text.split('\n');
    const runs = ['\n'.repeat(200_000), ' \r\n'.repeat(200_000)];
    const subjects = runs.map((run): Subject => ({ ...listing, target: 'registry', input: { ...listing.input, text: `${head}\n${run}${rest.join('\n')}` } }));
    // Splitting 200,000 blank lines is a fraction of a second's work; time quadratic in the line count is minutes.
    const answer = await runInWorker({ kind: 'inputs', subjects }, 8_000);
    expect(answer.kind === 'hung' ? `variant ${answer.index} did not finish within ${answer.stallMs} ms` : answer.kind).toBe('outcomes');
    if (answer.kind === 'outcomes') expect(answer.outcomes.map((o) => o.kind)).toEqual(['parsed', 'parsed']);
  }, 180_000);
});
