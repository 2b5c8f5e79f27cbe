import { describe, expect, it } from 'vitest';
import { BIG_STEP, DEFAULT_LIMITS, readSplit, splitAfterKey, splitAtPointer, splitPercent, STEP } from './split-pane';

const limits = DEFAULT_LIMITS;

describe('the list/detail split', () => {
  it('reads a stored split, clamped, and falls back to the initial one', () => {
    expect(readSplit('0.45', limits)).toBe(0.45);
    expect(readSplit('0.99', limits)).toBe(limits.max);
    expect(readSplit('-3', limits)).toBe(limits.min);
    expect(readSplit(null, limits)).toBe(limits.initial);
    expect(readSplit('wide', limits)).toBe(limits.initial);
    expect(readSplit('Infinity', limits)).toBe(limits.initial);
  });

  it('moves with the arrow keys (Shift for big steps), jumps with Home/End, resets with Enter, and ignores other keys', () => {
    expect(splitAfterKey(0.5, 'ArrowLeft', false, limits)).toBeCloseTo(0.5 - STEP);
    expect(splitAfterKey(0.5, 'ArrowRight', true, limits)).toBeCloseTo(0.5 + BIG_STEP);
    expect(splitAfterKey(0.5, 'ArrowUp', false, limits)).toBeCloseTo(0.5 - STEP);
    expect(splitAfterKey(0.5, 'ArrowDown', false, limits)).toBeCloseTo(0.5 + STEP);
    expect(splitAfterKey(0.21, 'ArrowLeft', true, limits)).toBe(limits.min);
    expect(splitAfterKey(0.79, 'ArrowRight', true, limits)).toBe(limits.max);
    expect(splitAfterKey(0.5, 'Home', false, limits)).toBe(limits.min);
    expect(splitAfterKey(0.5, 'End', false, limits)).toBe(limits.max);
    expect(splitAfterKey(0.3, 'Enter', false, limits)).toBe(limits.initial);
    expect(splitAfterKey(0.5, 'a', false, limits)).toBeNull();
  });

  it('follows the pointer across the container, within the limits', () => {
    expect(splitAtPointer(0.6, 500, 100, 1000, limits)).toBeCloseTo(0.4);
    expect(splitAtPointer(0.6, 100, 100, 1000, limits)).toBe(limits.min);
    expect(splitAtPointer(0.6, 1200, 100, 1000, limits)).toBe(limits.max);
    expect(splitAtPointer(0.6, 500, 100, 0, limits)).toBe(0.6);
  });

  it('reports its value in whole percent', () => {
    expect(splitPercent(0.456)).toBe(46);
  });
});
