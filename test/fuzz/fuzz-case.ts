/** The fuzz cases themselves: which real input, which mutations, and the shrinking of a failing one. */
import { enlarge, mutate } from './mutations';
import { outcomeOf, type Outcome } from './parse-outcome';
import { caseSeed, randomFrom } from './prng';
import type { Corpus, FuzzTarget, Seed } from './seed-corpus';

/** `large`: about `largeSize` characters of one repeated token or line added to a real input. */
export type CaseShape = 'mutated' | 'large';

export interface FuzzCase {
  index: number;
  seed: number;
  /** `file:firstLine` of the real input it started from. */
  origin: string;
  ops: string[];
  subject: Seed;
}

export interface FuzzFailure {
  index: number;
  seed: number;
  origin: string;
  ops: string[];
  signature: string;
  detail: string;
  /** The smallest input found that fails the same way (`firstLine` kept from the original). */
  reproducer: string;
  firstLine: number;
}

/** Case `index` of run `runSeed`: regenerated identically wherever it is asked for. */
export function fuzzCase(corpus: Corpus, target: FuzzTarget, shape: CaseShape, runSeed: number, index: number, largeSize: number): FuzzCase {
  const seed = caseSeed(runSeed, index);
  const rnd = randomFrom(seed);
  const seeds = corpus[target];
  const base = rnd.pick(seeds);
  // Splices mostly take from inputs of the same format, sometimes from any other.
  const donorPool = rnd.chance(0.8) ? seeds : corpus[rnd.pick(Object.keys(corpus) as FuzzTarget[])];
  const donors = donorPool.map((s) => s.input.text);
  const m = shape === 'large' ? enlarge(base.input.text, rnd, largeSize) : mutate(base.input.text, rnd, donors);
  return {
    index, seed, origin: `${base.input.file}:${base.input.firstLine}`, ops: m.ops,
    subject: { ...base, input: { ...base.input, text: m.text } },
  };
}

/** Greedy delta debugging over lines, then characters, while `fails` keeps failing; at most `budget` attempts. */
export function shrink(text: string, fails: (candidate: string) => boolean, budget: number): string {
  let best = text;
  let attempts = 0;
  const pass = (split: (t: string) => string[], join: string): void => {
    let parts = split(best);
    for (let chunk = Math.max(1, parts.length >> 1); chunk >= 1 && attempts < budget; chunk = chunk === 1 ? 0 : chunk >> 1) {
      for (let at = 0; at < parts.length && attempts < budget;) {
        const candidate = [...parts.slice(0, at), ...parts.slice(at + chunk)];
        attempts++;
        if (candidate.length < parts.length && fails(candidate.join(join))) {
          parts = candidate;
          best = candidate.join(join);
        } else {
          at += chunk;
        }
      }
    }
  };
  pass((t) => t.split('\n'), '\n');
  pass((t) => [...t], '');
  return best;
}

export interface RunReport {
  cases: number;
  parsed: number;
  rejected: number;
  failures: FuzzFailure[];
}

/**
 * Runs `cases` cases; `onCall` is told before each parse which case is running, so a watcher can name a hang.
 * Failures are shrunk (mutated cases only: a large input is reported as made) and at most `maxFailures` kept.
 */
export function runCases(
  corpus: Corpus, target: FuzzTarget, shape: CaseShape, runSeed: number, cases: number, largeSize: number,
  onCall: (index: number) => void, maxFailures = 6,
): RunReport {
  const report: RunReport = { cases, parsed: 0, rejected: 0, failures: [] };
  const signatures = new Set<string>();
  for (let i = 0; i < cases; i++) {
    const c = fuzzCase(corpus, target, shape, runSeed, i, largeSize);
    onCall(i);
    const outcome = outcomeOf(target, c.subject);
    if (outcome.kind === 'parsed') report.parsed++;
    else if (outcome.kind === 'rejected') report.rejected++;
    else if (!signatures.has(outcome.signature) && report.failures.length < maxFailures) {
      signatures.add(outcome.signature);
      report.failures.push(failureOf(target, shape, c, outcome, () => onCall(i)));
    }
  }
  return report;
}

function failureOf(target: FuzzTarget, shape: CaseShape, c: FuzzCase, outcome: Extract<Outcome, { kind: 'broken' }>, onCall: () => void): FuzzFailure {
  const fails = (text: string): boolean => {
    onCall();
    const again = outcomeOf(target, { ...c.subject, input: { ...c.subject.input, text } });
    return again.kind === 'broken' && again.signature === outcome.signature;
  };
  const reproducer = shape === 'large' ? c.subject.input.text : shrink(c.subject.input.text, fails, 300);
  const shrunk = outcomeOf(target, { ...c.subject, input: { ...c.subject.input, text: reproducer } });
  return {
    index: c.index, seed: c.seed, origin: c.origin, ops: c.ops, signature: outcome.signature,
    detail: shrunk.kind === 'broken' ? shrunk.detail : outcome.detail,
    reproducer, firstLine: c.subject.input.firstLine,
  };
}

/** How a failure reads in a test report: seed, origin, mutations, and the shrunk input. */
export function formatFailure(target: FuzzTarget, f: FuzzFailure): string {
  const shown = f.reproducer.length > 2000 ? `${JSON.stringify(f.reproducer.slice(0, 2000))} … (${f.reproducer.length} chars)` : JSON.stringify(f.reproducer);
  return [
    `${target}: ${f.signature}`,
    `  case ${f.index} (seed ${f.seed}) from ${f.origin}, mutations: ${f.ops.join('; ')}`,
    `  ${f.detail}`,
    `  reproducer (firstLine ${f.firstLine}): ${shown}`,
  ].join('\n');
}
