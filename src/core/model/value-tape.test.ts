import { describe, expect, it } from 'vitest';
import { DamagedTape, ValueTapeReader, ValueTapeWriter } from './value-tape';

describe('value tape', () => {
  it('gives back every string, number, null and count in the order written', () => {
    const strings = ['', 'a', 'a', 'nul\0byte', 'line\nbreak\u2028', 'lone \ud800 surrogate', '"quoted" \\ ,', 'ünï 𝄞', 'x'.repeat(70_000)];
    const numbers = [0, -0, 1, -1, 2147483647, -2147483648, -2147483647, -2147483646, 2147483648, 4294967295, 0.5, 1e20, -1e-300, Infinity, -Infinity, Number.MAX_SAFE_INTEGER];
    const w = new ValueTapeWriter();
    for (const s of strings) w.str(s);
    for (const s of strings) w.once(s);
    w.str(null);
    for (const n of numbers) w.num(n);
    w.num(null);
    w.num(NaN);
    w.count(0);
    w.count(2147483647);
    const r = new ValueTapeReader(w.finish());
    expect(strings.map(() => r.str())).toEqual(strings);
    expect(strings.map(() => r.text())).toEqual(strings);
    expect(r.str()).toBeNull();
    const back = numbers.map(() => r.num());
    // toEqual tells -0 from 0: each number comes back as itself.
    back.forEach((n, i) => expect(Object.is(n, numbers[i])).toBe(true));
    expect(r.num()).toBeNull();
    expect(r.num()).toBeNaN();
    expect(r.done).toBe(false);
    expect([r.count(), r.count()]).toEqual([0, 2147483647]);
    expect(r.done).toBe(true);
  });

  it('stores a string it looks up once, however often it is written', () => {
    const once = new ValueTapeWriter();
    const looked = new ValueTapeWriter();
    for (let i = 0; i < 100; i++) {
      once.once('kube-system');
      looked.str('kube-system');
    }
    expect(looked.finish().length).toBeLessThan(once.finish().length - 99 * 'kube-system'.length);
  });

  it('refuses a count that is not a 31-bit integer', () => {
    const w = new ValueTapeWriter();
    for (const n of [-1, 0.5, 2147483648, NaN]) expect(() => w.count(n)).toThrow(RangeError);
  });

  it('says a damaged blob is damaged: another format, cut short, with too much, strings that are not strings, an index past them', () => {
    const w = new ValueTapeWriter();
    w.str('a');
    w.num(1.5);
    const good = w.finish();
    const damaged = (blob: Buffer, reads: (r: ValueTapeReader) => unknown = (r) => [r.str(), r.num()]): string => {
      try {
        reads(new ValueTapeReader(blob));
      } catch (e) {
        expect(e).toBeInstanceOf(DamagedTape);
        return (e as Error).message;
      }
      throw new Error('read as a tape');
    };
    expect(damaged(Buffer.concat([Buffer.from([2]), good.subarray(1)]))).toMatch(/not a value tape of format 1/);
    expect(damaged(good.subarray(0, good.length - 1))).toMatch(/bytes where its header says/);
    expect(damaged(Buffer.concat([good, Buffer.alloc(4)]))).toMatch(/bytes where its header says/);
    expect(damaged(good, (r) => [r.str(), r.num(), r.num()])).toMatch(/ends early/);
    const notStrings = Buffer.from(good);
    notStrings.write('[1]  ', 16, 'utf8');
    expect(damaged(notStrings)).toMatch(/not a list of strings/);
    const notJson = Buffer.from(good);
    notJson.write('{', 16, 'utf8');
    expect(damaged(notJson)).toMatch(/do not read as JSON/);
    const pastStrings = new ValueTapeWriter();
    pastStrings.count(7);
    expect(damaged(pastStrings.finish(), (r) => r.str())).toMatch(/string 7 of 0/);
    const nulls = new ValueTapeWriter();
    nulls.str(null);
    nulls.num(null);
    expect(damaged(nulls.finish(), (r) => r.text())).toMatch(/a null where a string must be/);
  });
});
