import { describe, it, expect } from 'vitest';
import { Float64Column, Int32Column } from './grow-columns';

describe('typed columns', () => {
  it('keep every value pushed past their first capacity, in order', () => {
    const ints = new Int32Column(2);
    const floats = new Float64Column(2);
    for (let i = 0; i < 1000; i++) {
      expect(ints.push(i * 3 - 500)).toBe(i);
      expect(floats.push(i + 0.5)).toBe(i);
    }
    expect(ints.length).toBe(1000);
    expect(Array.from(ints.values.subarray(0, 1000))).toEqual(Array.from({ length: 1000 }, (_, i) => i * 3 - 500));
    expect(Array.from(floats.values.subarray(0, 1000))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 0.5));
  });

  it('set a place past the end, filling the places between, and read what is missing as asked', () => {
    const c = new Int32Column(2);
    c.push(7);
    c.set(40, 9, -1);
    expect(c.length).toBe(41);
    expect(c.at(0)).toBe(7);
    expect(c.at(1)).toBe(-1);
    expect(c.at(39)).toBe(-1);
    expect(c.at(40)).toBe(9);
    expect(c.at(41, 0)).toBe(0);
    c.set(50, 1, 0);
    expect(c.at(45)).toBe(0);
    c.set(3, 5);
    expect([c.at(3), c.length]).toEqual([5, 51]);
  });
});
