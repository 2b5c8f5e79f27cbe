/**
 * Words a reader expects many times (option names, module and target names, the chains a dump declares),
 * found by their place in the text instead of cut out of it: a found word is one shared string, so a
 * 170,000-rule dump does not allocate a string per `-m` and `--comment`, and the maps keyed by these
 * words compare them by identity. Each word also has an ordinal, its place in the order words were added
 * (0, 1, ...), so that a reader can keep state per word (a chain's length, the table that declared it) in
 * arrays instead of maps keyed by the word.
 */

/** The hash WordTable expects for text[start, end): continue it one character at a time with `step`. */
export const WORD_HASH_SEED = 0x811c9dc5 | 0;

export function hashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** The hash of text[start, end). */
export function hashRange(text: string, start: number, end: number): number {
  let h = WORD_HASH_SEED;
  for (let i = start; i < end; i++) h = hashStep(h, text.charCodeAt(i));
  return h;
}

export function hashWord(word: string): number {
  let h = WORD_HASH_SEED;
  for (let i = 0; i < word.length; i++) h = hashStep(h, word.charCodeAt(i));
  return h;
}

export class WordTable {
  private keys: Array<string | undefined>;
  private hashes: Int32Array;
  /** The ordinal of the word in each slot. */
  private ordinals: Int32Array;
  /** The words by ordinal. */
  private byOrdinal: string[] = [];
  private mask: number;
  private size = 0;

  constructor(words: Iterable<string> = [], capacity = 256) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
    this.ordinals = new Int32Array(slots);
    this.mask = slots - 1;
    for (const w of words) this.add(w);
  }

  /** A copy that can grow on its own (a reader's per-input table started from a shared one). */
  clone(): WordTable {
    const copy = new WordTable([], 0);
    copy.keys = this.keys.slice();
    copy.hashes = this.hashes.slice();
    copy.ordinals = this.ordinals.slice();
    copy.byOrdinal = this.byOrdinal.slice();
    copy.mask = this.mask;
    copy.size = this.size;
    return copy;
  }

  /** Words held; the next word added takes this ordinal. */
  get count(): number {
    return this.size;
  }

  /** The word equal to text[start, end), whose hash is `hash`, if the table holds it. */
  find(text: string, start: number, end: number, hash: number): string | undefined {
    const slot = this.slotOf(text, start, end, hash);
    return slot < 0 ? undefined : this.keys[slot];
  }

  /** The ordinal of the word equal to text[start, end) (hash `hash`), or -1 when the table does not hold it. */
  ordinalAt(text: string, start: number, end: number, hash: number): number {
    const slot = this.slotOf(text, start, end, hash);
    return slot < 0 ? -1 : this.ordinals[slot]!;
  }

  /** The ordinal of `word`, or -1. */
  ordinalOf(word: string, hash = hashWord(word)): number {
    return this.ordinalAt(word, 0, word.length, hash);
  }

  /** The word whose ordinal is `ordinal` (0 <= ordinal < count). */
  wordAt(ordinal: number): string {
    return this.byOrdinal[ordinal]!;
  }

  private slotOf(text: string, start: number, end: number, hash: number): number {
    const len = end - start;
    const { keys, hashes, mask } = this;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const key = keys[i];
      if (key === undefined) return -1;
      if (hashes[i] !== hash || key.length !== len) continue;
      // Words are short: a loop the compiler inlines beats a call to startsWith.
      let k = 0;
      while (k < len && key.charCodeAt(k) === text.charCodeAt(start + k)) k++;
      if (k === len) return i;
    }
  }

  /** Adds `word` (once); returns the table's string for it. */
  add(word: string, hash = hashWord(word)): string {
    const slot = this.slotOf(word, 0, word.length, hash);
    if (slot >= 0) return this.keys[slot]!;
    this.place(word, hash, this.size);
    return word;
  }

  /** Adds `word` (once); returns its ordinal. */
  addOrdinal(word: string, hash = hashWord(word)): number {
    const slot = this.slotOf(word, 0, word.length, hash);
    if (slot >= 0) return this.ordinals[slot]!;
    const ordinal = this.size;
    this.place(word, hash, ordinal);
    return ordinal;
  }

  private grow(): void {
    const { keys, hashes, ordinals } = this;
    this.keys = new Array<string | undefined>(keys.length * 2).fill(undefined);
    this.hashes = new Int32Array(keys.length * 2);
    this.ordinals = new Int32Array(keys.length * 2);
    this.mask = keys.length * 2 - 1;
    // The words are distinct already: no lookup before placing each.
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key !== undefined) this.put(key, hashes[i]!, ordinals[i]!);
    }
  }

  /** Adds `word`, which the table does not hold, with `ordinal`. */
  private place(word: string, hash: number, ordinal: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.put(word, hash, ordinal);
    this.byOrdinal.push(word);
    this.size++;
  }

  /** Puts `word` in the first free slot from its hash. */
  private put(word: string, hash: number, ordinal: number): void {
    let i = hash & this.mask;
    while (this.keys[i] !== undefined) i = (i + 1) & this.mask;
    this.keys[i] = word;
    this.hashes[i] = hash;
    this.ordinals[i] = ordinal;
  }
}
