import { describe, expect, it } from 'vitest';
import { TupleFlows } from './tuple-flows';

describe('TupleFlows', () => {
  it('keeps each capture\'s tuple → flow apart, in a range of slots when the ids are dense', () => {
    const t = new TupleFlows();
    t.reserve(1, [10, 11, 12, 14]);
    t.reserve(2, [15, 16]);
    t.set(1, 12, 7);
    t.set(1, 10, 3);
    t.set(2, 15, 7);
    expect(t.get(1, 12)).toBe(7);
    expect(t.has(1, 11)).toBe(false);
    expect(t.get(2, 12)).toBeUndefined();
    expect([...t.entries(1)]).toEqual([[10, 3], [12, 7]]);
    expect([...t.entries(2)]).toEqual([[15, 7]]);
  });

  it('falls back to a map for scattered ids, for a capture never reserved and for an id outside the range', () => {
    const t = new TupleFlows();
    t.reserve(1, [1, 5_000_000]);
    t.set(1, 5_000_000, 2);
    t.set(9, 4, 1);
    t.reserve(3, [100, 101]);
    t.set(3, 100, 5);
    t.set(3, 7, 6);
    expect(t.get(1, 5_000_000)).toBe(2);
    expect(t.get(9, 4)).toBe(1);
    expect(new Map(t.entries(3))).toEqual(new Map([[100, 5], [7, 6]]));
  });

  it('refuses a flow id that is not positive (0 marks an empty slot)', () => {
    const t = new TupleFlows();
    t.reserve(1, [1, 2]);
    expect(() => t.set(1, 1, 0)).toThrow(/positive/);
  });
});
