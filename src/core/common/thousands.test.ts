import { describe, expect, it } from 'vitest';
import { thousands } from './thousands';

describe('thousands', () => {
  it('writes whole numbers as toLocaleString en-US does', () => {
    const numbers = [0, -0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10000, 99999, 100000, 999999, 1000000, 1234567, -1, -999, -1000, -1234567,
      Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let p = 1; p < 1e15; p *= 7) numbers.push(Math.floor(p), -Math.floor(p), Math.floor(p) + 1);
    for (const n of numbers) expect(thousands(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves what is not a safe whole number to toLocaleString', () => {
    for (const n of [1.5, -2.25, 1e21, Number.NaN, Infinity, 2 ** 60]) expect(thousands(n)).toBe(n.toLocaleString('en-US'));
  });
});
