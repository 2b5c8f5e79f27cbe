import { describe, expect, it } from 'vitest';
import { GrowableFloat64, GrowableInt32, NumberMap } from './number-map';

describe('growable columns', () => {
  it('read unset slots as their fill, before and between the slots written', () => {
    const c = new GrowableFloat64(NaN);
    expect(c.get(5)).toBeNaN();
    c.set(100_000, 1.5);
    c.set(3, -2);
    expect(c.get(100_000)).toBe(1.5);
    expect(c.get(3)).toBe(-2);
    expect(c.get(50_000)).toBeNaN();
    expect(c.get(10_000_000)).toBeNaN();
  });

  it('hold a page per stretch of slots written, never twice what they use', () => {
    const c = new GrowableInt32();
    c.set(0, 1);
    const page = c.bytes;
    expect(page).toBeGreaterThan(0);
    // One slot far out costs one more page, not an array up to it.
    c.set(1_000_000, 7);
    expect(c.bytes).toBe(2 * page);
    const dense = new GrowableInt32();
    for (let i = 0; i < 300_000; i++) dense.set(i, i);
    expect(dense.bytes).toBeLessThan(300_000 * 4 + page);
    expect(dense.get(299_999)).toBe(299_999);
  });

  it('refuse a negative slot', () => {
    expect(() => new GrowableInt32().set(-1, 1)).toThrow(RangeError);
  });
});

describe('NumberMap', () => {
  it('maps sequence numbers above 2^31 and grows past its first slots', () => {
    const m = new NumberMap();
    for (let i = 0; i < 1000; i++) m.set(0xfffff000 + i, i);
    expect(m.size).toBe(1000);
    expect(m.get(0xfffff000 + 999)).toBe(999);
    expect(m.get(12)).toBe(-1);
  });
});
