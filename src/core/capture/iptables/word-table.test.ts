import { describe, it, expect } from 'vitest';
import { hashStep, hashWord, WORD_HASH_SEED, WordTable } from './word-table';

const hashOf = (text: string, start: number, end: number): number => {
  let h = WORD_HASH_SEED;
  for (let i = start; i < end; i++) h = hashStep(h, text.charCodeAt(i));
  return h;
};

describe('WordTable', () => {
  it('finds a word by its place in a text and returns the table string, not a copy', () => {
    const word = ['--', 'comment'].join('');
    const table = new WordTable([word, '-m']);
    const text = '-A X -m comment --comment "a"';
    const found = table.find(text, 16, 25, hashOf(text, 16, 25));
    expect(found).toBe('--comment');
    expect(Object.is(found, word)).toBe(true);
    expect(table.find(text, 5, 7, hashOf(text, 5, 7))).toBe('-m');
  });

  it('does not find a prefix, a longer word or a word it was never given', () => {
    const table = new WordTable(['--dport']);
    const text = '--dports --dpor --sport';
    expect(table.find(text, 0, 8, hashOf(text, 0, 8))).toBeUndefined();
    expect(table.find(text, 9, 15, hashOf(text, 9, 15))).toBeUndefined();
    expect(table.find(text, 16, 23, hashOf(text, 16, 23))).toBeUndefined();
  });

  it('keeps every word through growth, and a clone grows without changing the original', () => {
    const table = new WordTable([], 4);
    const words = Array.from({ length: 500 }, (_, i) => `KUBE-SEP-${i.toString(36).toUpperCase()}`);
    for (const w of words) table.add(w);
    for (const w of words) expect(table.find(w, 0, w.length, hashWord(w))).toBe(w);
    const copy = table.clone();
    copy.add('KUBE-MARK-MASQ');
    expect(copy.find('KUBE-MARK-MASQ', 0, 14, hashWord('KUBE-MARK-MASQ'))).toBe('KUBE-MARK-MASQ');
    expect(table.find('KUBE-MARK-MASQ', 0, 14, hashWord('KUBE-MARK-MASQ'))).toBeUndefined();
  });

  it('returns the string it already holds when a word is added twice', () => {
    const first = ['KUBE', 'SVC'].join('-');
    const table = new WordTable([first]);
    expect(Object.is(table.add(['KUBE', 'SVC'].join('-')), first)).toBe(true);
  });
});

describe('WordTable ordinals', () => {
  it('numbers words in the order they were added, through growth and in a clone', () => {
    const table = new WordTable(['-m'], 4);
    const words = Array.from({ length: 300 }, (_, i) => `KUBE-SVC-${i.toString(36).toUpperCase()}`);
    words.forEach((w, i) => expect(table.addOrdinal(w)).toBe(i + 1));
    expect(table.count).toBe(301);
    expect(table.ordinalOf('-m')).toBe(0);
    words.forEach((w, i) => {
      expect(table.ordinalOf(w)).toBe(i + 1);
      expect(table.wordAt(i + 1)).toBe(w);
      const text = `-A ${w} -j X`;
      expect(table.ordinalAt(text, 3, 3 + w.length, hashWord(w))).toBe(i + 1);
    });
    expect(table.addOrdinal(words[7]!)).toBe(8);
    expect(table.add(words[9]!)).toBe(words[9]);
    expect(table.count).toBe(301);
    expect(table.ordinalOf('KUBE-SVC')).toBe(-1);
    const copy = table.clone();
    expect(copy.addOrdinal('new')).toBe(301);
    expect(table.ordinalOf('new')).toBe(-1);
    expect(table.add('other')).toBe('other');
    expect(table.ordinalOf('other')).toBe(301);
  });

  it('finds a word by its bytes where it lies in a buffer, as by its characters', () => {
    const table = new WordTable([], 4);
    const words = Array.from({ length: 500 }, (_, i) => `KUBE-SEP-${(i * 7919).toString(36).toUpperCase()}`);
    words.forEach((w) => table.addOrdinal(w));
    const buffer = Buffer.from(`xx ${words.join(' ')} KUBE-SEP KUBE-SEP-0X yy`, 'latin1');
    let at = 3;
    words.forEach((w, i) => {
      const hash = hashWord(w);
      expect(table.ordinalAtBytes(buffer, at, at + w.length, hash)).toBe(i);
      expect(table.holdsBytes(i, buffer, at, at + w.length)).toBe(true);
      expect(table.holdsBytes((i + 1) % words.length, buffer, at, at + w.length)).toBe(false);
      // One byte short (another word, or none, as by its characters), or one more: not the word.
      expect(table.ordinalAtBytes(buffer, at, at + w.length - 1, hashWord(w.slice(0, -1)))).toBe(table.ordinalOf(w.slice(0, -1)));
      expect(table.holdsBytes(i, buffer, at, at + w.length + 1)).toBe(false);
      at += w.length + 1;
    });
    expect(table.ordinalAtBytes(buffer, at, at + 8, hashWord('KUBE-SEP'))).toBe(-1);
  });
});
