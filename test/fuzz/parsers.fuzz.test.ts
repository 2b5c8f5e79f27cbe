/**
 * Every text capture parser, and the registry's split-then-parse, on thousands of mutated real inputs:
 * each call returns well-formed records or throws a CaptureError at `file:line:` inside the input.
 * Deterministic: a failure prints its case seed, the mutations and a shrunk reproducer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { failuresOf } from './fuzz-report';
import type { FuzzTarget } from './seed-corpus';
import { FUZZ_TARGETS, SHARED_SEEDS } from './seed-corpus';
import { removeWorkerScript, runInWorker } from './worker-harness';
import { sharedOrNote } from '../support/describe-shared';

afterAll(removeWorkerScript);

const RUN_SEED = 0x6e61_7401;

/** Cases per target; the registry's cases are whole transcripts, each parsed unit by unit. */
const CASES: Readonly<Record<FuzzTarget, number>> = {
  'iptables-save': 1200, 'iptables-rules': 1200, 'iptables-list': 1200, 'ip-addr': 1200, ifconfig: 1200, 'ip-route': 1200,
  'route-table': 1200, conntrack: 1200, bridge: 1200, kubectl: 1200, 'tcpdump-text': 1200, registry: 400,
  'ip-brief': 600, 'ip-rule': 600, 'ip-neigh': 600, 'bridge-fdb': 600, 'iproute-json': 600, 'kernel-trace': 600, 'nft-ruleset': 600, probe: 600,
};

/** A small mutated input parsed for this long has hung; real calls take milliseconds. */
const STALL_MS = 20_000;

sharedOrNote('text capture parsers on mutated real captures: the seeds from ../shared', ...SHARED_SEEDS);

describe('text capture parsers on mutated real captures', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target}: returns well-formed records or a CaptureError at file:line for ${CASES[target]} mutated inputs`, async () => {
      const run = { target, shape: 'mutated', runSeed: RUN_SEED, largeSize: 0 } as const;
      const answer = await runInWorker({ kind: 'cases', cases: CASES[target], ...run }, STALL_MS);
      expect(failuresOf(run, answer)).toBe('');
      if (answer.kind !== 'cases') return;
      // The mutations must reach both outcomes: inputs still read, and inputs rejected.
      expect(answer.report.parsed).toBeGreaterThan(CASES[target] / 10);
      if (target !== 'registry') expect(answer.report.rejected).toBeGreaterThan(CASES[target] / 10);
    }, 180_000);
  }
});
