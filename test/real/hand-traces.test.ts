/**
 * Traces on real captures whose answers were worked out by hand from the captured rules
 * (test/real/hand-traces.json, committed before natlens trace was first run on them), checked
 * against `natlens trace --json`. The JSON says, for each case, what the kernel would do and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { natlens } from './natlens-cli';

type Verdict = 'deliver' | 'forward' | 'drop' | 'reject' | 'unknown';

interface ExpectedOutcome {
  probability?: number;
  verdict?: Verdict | Verdict[];
  packet?: Partial<{ proto: string; src: string; sport: number; dst: string; dport: number }>;
  egress?: { interface?: string; nextHop?: string | null };
  /** The packet mark at the end of the node; null: no mark (absent or zero). */
  mark?: string | null;
  lastStep?: Partial<{ table: string; chain: string; target: string; policy: boolean }>;
  assumptions?: 'none' | 'some';
}

interface HandTrace {
  id: string;
  fixture: string;
  node: string;
  trace: { proto: string; src: string; dst: string; in?: string; local?: boolean };
  expect: {
    exhaustive: boolean;
    outcomes: ExpectedOutcome[];
    noOutcome?: Verdict[];
    noOutcomeWithoutAssumptions?: Verdict[];
    /** dst:dport -> its probability within the set of outcomes that share its assumptions (within 1e-3). */
    probabilityOfDst?: Record<string, number>;
  };
  why: string;
  /** Worked out from the rules after an exploratory trace (a pin checked by hand, not a prediction). */
  afterTrace?: true;
}

interface Outcome {
  probability: number;
  verdict: Verdict;
  packet: { proto: string; src: string; sport: number | null; dst: string; dport: number | null };
  egress: { node: string; interface: string | null; nextHop: string | null } | null;
  marks?: Record<string, string>;
  steps: Array<{ node: string; table: string; chain: string; rule: string | null; target: string; policy: boolean }>;
  reason?: string | null;
  assumptions?: Array<{ about: string; assumed: string }>;
}

const cases = (JSON.parse(fs.readFileSync(path.join('test', 'real', 'hand-traces.json'), 'utf8')) as { cases: HandTrace[] }).cases;

let dir: string;
const imported = new Map<string, string>();
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-hand-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One project per fixture, imported once with --node so every case names the node it traces. */
function projectFor(c: HandTrace): string {
  const key = `${c.fixture}|${c.node}`;
  const known = imported.get(key);
  if (known) return known;
  const db = path.join(dir, `${imported.size}.db`);
  const run = natlens(['import', '--db', db, '--node', c.node, '--json', c.fixture]);
  expect(run.code, `import ${c.fixture}: ${run.stderr}`).toBe(0);
  imported.set(key, db);
  return db;
}

function markValue(mark: string | undefined): number {
  return mark === undefined ? 0 : Number.parseInt(mark, 16);
}

/** Why `actual` does not fit `want`, or null when it does. */
function misfit(want: ExpectedOutcome, actual: Outcome, node: string): string | null {
  if (want.probability !== undefined && Math.abs(actual.probability - want.probability) > 1e-6)
    return `probability ${actual.probability} (want ${want.probability})`;
  if (want.verdict !== undefined) {
    const allowed = Array.isArray(want.verdict) ? want.verdict : [want.verdict];
    if (!allowed.includes(actual.verdict)) return `verdict ${actual.verdict} (want ${allowed.join('|')})`;
  }
  for (const [key, value] of Object.entries(want.packet ?? {}))
    if (actual.packet[key as keyof Outcome['packet']] !== value) return `packet.${key} ${String(actual.packet[key as keyof Outcome['packet']])} (want ${String(value)})`;
  if (want.egress) {
    if (!actual.egress) return 'no egress';
    if (want.egress.interface !== undefined && actual.egress.interface !== want.egress.interface)
      return `egress ${actual.egress.interface} (want ${want.egress.interface})`;
    // The hand-worked `nextHop: null` means "no gateway": natlens names the neighbour the frame goes to, which for
    // an on-link route is the destination itself.
    const wantHop = want.egress.nextHop === null ? actual.packet.dst : want.egress.nextHop;
    if (want.egress.nextHop !== undefined && actual.egress.nextHop !== wantHop)
      return `nextHop ${String(actual.egress.nextHop)} (want ${want.egress.nextHop === null ? `the destination ${actual.packet.dst}` : String(wantHop)})`;
  }
  if (want.mark !== undefined) {
    const got = markValue(actual.marks?.[node]);
    const wanted = want.mark === null ? 0 : Number.parseInt(want.mark, 16);
    if (got !== wanted) return `mark 0x${got.toString(16)} (want 0x${wanted.toString(16)})`;
  }
  if (want.lastStep) {
    const last = actual.steps[actual.steps.length - 1];
    if (!last) return 'no steps';
    for (const [key, value] of Object.entries(want.lastStep))
      if (last[key as keyof typeof last] !== value) return `last step ${key} ${String(last[key as keyof typeof last])} (want ${String(value)})`;
  }
  const assumptions = actual.assumptions ?? [];
  if (want.assumptions === 'none' && assumptions.length > 0) return `carries ${assumptions.length} assumption(s)`;
  if (want.assumptions === 'some' && assumptions.length === 0) return 'carries no assumption';
  return null;
}

function describeOutcome(o: Outcome): string {
  const e = o.egress ? `${o.egress.interface ?? '?'} via ${o.egress.nextHop ?? '-'}` : 'no egress';
  const last = o.steps[o.steps.length - 1];
  return `${o.probability.toFixed(3)} ${o.verdict} ${o.packet.proto} ${o.packet.src}:${o.packet.sport} -> ${o.packet.dst}:${o.packet.dport} [${e}] marks=${JSON.stringify(o.marks ?? {})} last=${last ? `${last.table}/${last.chain}/${last.target}${last.policy ? '(policy)' : ''}` : '-'} assumptions=${(o.assumptions ?? []).length}${o.reason ? ` reason="${o.reason}"` : ''}`;
}

describe('hand-worked traces on real captures', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const db = projectFor(c);
    const args = ['trace', '--db', db, '--node', c.node, '--proto', c.trace.proto, '--src', c.trace.src, '--dst', c.trace.dst, '--json'];
    if (c.trace.local) args.push('--local');
    if (c.trace.in) args.push('--in', c.trace.in);
    const run = natlens(args);
    expect(run.code, `trace failed: ${run.stderr}`).toBe(0);
    const outcomes = (JSON.parse(run.stdout) as { outcomes: Outcome[] }).outcomes;
    const seen = `natlens gave:\n  ${outcomes.map(describeOutcome).join('\n  ')}`;
    console.log(`${c.id}\n  ${seen}`);

    for (const want of c.expect.outcomes) {
      const fits = outcomes.filter((o) => misfit(want, o, c.node) === null);
      const why = outcomes.map((o) => misfit(want, o, c.node)).join('; ');
      expect(fits.length, `no outcome fits ${JSON.stringify(want)} (${why})\n${seen}`).toBeGreaterThan(0);
    }
    if (c.expect.exhaustive)
      for (const o of outcomes)
        expect(c.expect.outcomes.some((w) => misfit(w, o, c.node) === null), `unexpected outcome ${describeOutcome(o)}\n${seen}`).toBe(true);
    for (const [dst, p] of Object.entries(c.expect.probabilityOfDst ?? {})) {
      const hits = outcomes.filter((o) => `${o.packet.dst}:${o.packet.dport}` === dst);
      expect(hits.length, `no outcome to ${dst}\n${seen}`).toBeGreaterThan(0);
      const key = (o: Outcome): string => JSON.stringify((o.assumptions ?? []).map((a) => a.assumed).sort());
      const set = outcomes.filter((o) => key(o) === key(hits[0]!));
      const share = hits.filter((o) => key(o) === key(hits[0]!)).reduce((s, o) => s + o.probability, 0) / set.reduce((s, o) => s + o.probability, 0);
      expect(Math.abs(share - p), `${dst} has ${share} of its set (want ${p})\n${seen}`).toBeLessThan(1e-3);
    }
    for (const v of c.expect.noOutcome ?? [])
      expect(outcomes.filter((o) => o.verdict === v).map(describeOutcome), `no outcome may be ${v}`).toEqual([]);
    for (const v of c.expect.noOutcomeWithoutAssumptions ?? [])
      expect(outcomes.filter((o) => o.verdict === v && (o.assumptions ?? []).length === 0).map(describeOutcome), `a ${v} outcome must carry its assumption`).toEqual([]);
  });
});
