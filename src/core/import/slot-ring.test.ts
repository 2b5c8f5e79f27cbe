import { describe, expect, it } from 'vitest';
import { freeSlot, SlotRing } from './slot-ring';

describe('SlotRing', () => {
  it('hands out its slots in turn, and a slot again only once the taker freed the oldest', () => {
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const ring = new SlotRing(new SharedArrayBuffer(3 * 16), 16, signal, 1);
    const taken = [ring.next(), ring.next(), ring.next()];
    expect(taken.map((b) => b.byteOffset)).toEqual([0, 16, 32]);
    taken[0]!.fill(7);
    freeSlot(signal, 1);
    const again = ring.next();
    expect(again.byteOffset).toBe(0);
    expect(again[0]).toBe(7);
    expect(Atomics.load(signal, 1)).toBe(1);
  });

  it('refuses memory for fewer than two slots', () => {
    expect(() => new SlotRing(new SharedArrayBuffer(24), 16, new Int32Array(new SharedArrayBuffer(8)), 0)).toThrow(RangeError);
  });
});
