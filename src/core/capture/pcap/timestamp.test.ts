import { describe, expect, it } from 'vitest';
import { decimalUnit, splitTimestamp, unitOfTsresol, type SplitTime } from './timestamp';

/** Deterministic 32-bit generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function reference(hi: number, lo: number, resol: number): [bigint, bigint] {
  const total = (BigInt(hi) << 32n) | BigInt(lo);
  if (resol & 0x80) {
    const bits = BigInt(resol & 0x7f);
    return [total >> bits, ((total & ((1n << bits) - 1n)) * 1_000_000_000n) >> bits];
  }
  const d = 10n ** BigInt(resol);
  return [total / d, ((total % d) * 1_000_000_000n) / d];
}

describe('splitTimestamp', () => {
  it('matches exact BigInt arithmetic for every decimal and several binary resolutions', () => {
    const next = random(42);
    const out: SplitTime = { sec: 0, nsec: 0 };
    for (const resol of [0, 1, 3, 6, 7, 9, 10, 12, 15, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 32]) {
      for (let i = 0; i < 500; i++) {
        const hi = i < 3 ? [0, 0xffffffff, 0x17a2b3c4][i]! : next();
        const lo = i === 1 ? 0xffffffff : next();
        splitTimestamp(hi, lo, unitOfTsresol(resol), out);
        const [sec, nsec] = reference(hi, lo, resol);
        expect([resol, hi, lo, out.sec, out.nsec]).toEqual([resol, hi, lo, Number(sec), Number(nsec)]);
      }
    }
  });

  it('keeps all nine digits of a present-day nanosecond timestamp', () => {
    const ts = 1_795_419_502_486_955_123n;
    const out: SplitTime = { sec: 0, nsec: 0 };
    splitTimestamp(Number(ts >> 32n), Number(ts & 0xffffffffn), decimalUnit(9), out);
    expect(out).toEqual({ sec: 1_795_419_502, nsec: 486_955_123 });
  });
});
