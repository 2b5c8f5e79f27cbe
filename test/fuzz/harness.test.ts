/** The fuzz harness's own checks: a hang is caught and named, cases replay from their seed, shrinking and judging work. */
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/core/capture/capture-error';
import { fuzzCase, shrink } from './fuzz-case';
import { judgeError, lineRangeOf } from './parse-outcome';
import { caseSeed, randomFrom } from './prng';
import { FUZZ_TARGETS, loadCorpus } from './seed-corpus';
import { outcomeOf } from './parse-outcome';
import { problemsOfPacket } from './well-formed';
import { removeWorkerScript, REPO_ROOT, runInWorker } from './worker-harness';

afterAll(removeWorkerScript);

describe('fuzz harness', () => {
  it('reports a call that never returns as a hang of that call, and ends the worker', async () => {
    expect(await runInWorker({ kind: 'spin' }, 1_000)).toEqual({ kind: 'hung', index: 0, stallMs: 1_000 });
  }, 60_000);

  it('regenerates a case identically from its run seed and index, and differently for another index', () => {
    const corpus = loadCorpus(REPO_ROOT);
    const a = fuzzCase(corpus, 'conntrack', 'mutated', 7, 41, 0);
    const b = fuzzCase(corpus, 'conntrack', 'mutated', 7, 41, 0);
    const c = fuzzCase(corpus, 'conntrack', 'mutated', 7, 42, 0);
    expect(b).toEqual(a);
    expect(c.seed).not.toBe(a.seed);
    expect(caseSeed(7, 41)).toBe(a.seed);
    const rnd = randomFrom(a.seed);
    expect(Array.from({ length: 5 }, () => rnd.int(1000))).toEqual(((r) => Array.from({ length: 5 }, () => r.int(1000)))(randomFrom(a.seed)));
  });

  it('shrinks an input to what still fails the same way', () => {
    expect(shrink('first line\nsecond X line\nthird line', (t) => t.includes('X'), 1_000)).toBe('X');
  });

  it('accepts only a CaptureError naming the file and a line of the input', () => {
    const input = { file: 'f.txt', text: 'a\r\nb\rc\n', firstLine: 10 };
    const range = lineRangeOf(input);
    expect(range).toEqual({ first: 10, last: 12 });
    expect(judgeError(new CaptureError({ file: 'f.txt', line: 12 }, 'bad'), input, range).kind).toBe('rejected');
    expect(judgeError(new CaptureError({ file: 'f.txt', line: 13 }, 'bad'), input, range).kind).toBe('broken');
    expect(judgeError(new CaptureError({ file: 'g.txt', line: 10 }, 'bad'), input, range).kind).toBe('broken');
    expect(judgeError(new CaptureError({ file: 'f.txt' }, 'bad'), input, range).kind).toBe('broken');
    expect(judgeError(new TypeError('x is undefined'), input, range).kind).toBe('broken');
  });

  it('flags a port above 65535, a NaN and an empty address in a packet record', () => {
    const packet = {
      frame: 1, tsSec: 0, tsNsec: 0, iface: null, direction: null, linkType: null, capLen: 0, origLen: 0, srcMac: null,
      dstMac: null, vlan: null, network: 'ipv4' as const, etherType: null, src: '', dst: '10.0.0.1', ipProto: 6, ipId: null,
      ttl: Number.NaN, fragMf: false, fragOffset: 0, sport: 70000, dport: 80, tcpFlags: null, seq: null, ack: null,
      payloadLen: null, icmpType: null, icmpCode: null, arpOp: null, truncated: null, line: 1, offset: null,
    };
    const problems = problemsOfPacket(packet, 0, { first: 1, last: 1 }).join('\n');
    expect(problems).toMatch(/sport = 70000/);
    expect(problems).toMatch(/ttl = NaN/);
    expect(problems).toMatch(/src = ""/);
  });

  it('starts from real inputs that every parser reads as they are', () => {
    const corpus = loadCorpus(REPO_ROOT);
    for (const target of FUZZ_TARGETS) {
      expect(corpus[target].length, target).toBeGreaterThan(1);
      const unread = corpus[target].map((s) => [`${s.input.file}:${s.input.firstLine}`, outcomeOf(target, s)] as const).filter(([, o]) => o.kind !== 'parsed');
      expect(unread, target).toEqual([]);
    }
  });
});
