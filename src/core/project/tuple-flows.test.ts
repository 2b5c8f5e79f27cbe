import { describe, expect, it } from 'vitest';
import { TupleNumbers, TupleTimes } from './tuple-flows';

describe('TupleNumbers', () => {
  it('keeps each capture\'s tuple → flow apart, in a range of slots when the ids are dense', () => {
    const t = new TupleNumbers();
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
    const seen: Array<[number, number]> = [];
    t.forEach(1, (id, flow) => seen.push([id, flow]));
    expect(seen).toEqual([...t.entries(1)]);
  });

  it('falls back to a map for scattered ids, for a capture never reserved and for an id outside the range', () => {
    const t = new TupleNumbers();
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

  it('refuses a number that is not positive (0 marks an empty slot)', () => {
    const t = new TupleNumbers();
    t.reserve(1, [1, 2]);
    expect(() => t.set(1, 1, 0)).toThrow(/positive/);
  });
});

describe('TupleTimes', () => {
  it('keeps each tuple\'s first and last packet time, in a range and in the map fallback, and forgets a dropped capture', () => {
    const t = new TupleTimes();
    t.reserve(1, [10, 11, 12]);
    t.note(1, 11, 5.5);
    t.note(1, 11, 2.25);
    t.note(1, 11, 9);
    // Outside the range: the capture moves to a map, keeping what it had.
    t.note(1, 900_000, 1);
    t.note(7, 3, 4);
    expect(t.get(1, 11)).toEqual([2.25, 9]);
    expect(t.get(1, 10)).toBeUndefined();
    expect(t.get(1, 900_000)).toEqual([1, 1]);
    expect(t.get(7, 3)).toEqual([4, 4]);
    t.drop(1);
    expect(t.get(1, 11)).toBeUndefined();
  });
});
