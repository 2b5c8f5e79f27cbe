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

/**
 * Open addressing over slots of two int32s (the word's hash, its ordinal + 1; 0: empty), the words' characters
 * in one pool of UTF-16 units: a probe reads the slot and the pool, no string of the table (a chain name cut from
 * its line is a slice of that line, slower to read than an array).
 */
export class WordTable {
  private slots: Int32Array;
  private mask: number;
  /** The words by ordinal, their characters at chars[starts[k]] .. chars[starts[k + 1]]. */
  private words: string[] = [];
  private chars = new Uint16Array(1024);
  private starts = new Int32Array(64);

  constructor(words: Iterable<string> = [], capacity = 256) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.slots = new Int32Array(slots * 2);
    this.mask = slots - 1;
    for (const w of words) this.add(w);
  }

  /** A copy that can grow on its own (a reader's per-input table started from a shared one). */
  clone(): WordTable {
    const copy = new WordTable([], 0);
    copy.slots = this.slots.slice();
    copy.mask = this.mask;
    copy.words = this.words.slice();
    copy.chars = this.chars.slice();
    copy.starts = this.starts.slice();
    return copy;
  }

  /** Words held; the next word added takes this ordinal. */
  get count(): number {
    return this.words.length;
  }

  /** The word equal to text[start, end), whose hash is `hash`, if the table holds it. */
  find(text: string, start: number, end: number, hash: number): string | undefined {
    const ordinal = this.ordinalAt(text, start, end, hash);
    return ordinal < 0 ? undefined : this.words[ordinal];
  }

  /** The ordinal of the word equal to text[start, end) (hash `hash`), or -1 when the table does not hold it. */
  ordinalAt(text: string, start: number, end: number, hash: number): number {
    const len = end - start;
    const { slots, mask, chars, starts } = this;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const held = slots[2 * i + 1]!;
      if (held === 0) return -1;
      if (slots[2 * i] !== hash) continue;
      const ordinal = held - 1;
      const from = starts[ordinal]!;
      if (starts[ordinal + 1]! - from !== len) continue;
      let k = 0;
      while (k < len && chars[from + k] === text.charCodeAt(start + k)) k++;
      if (k === len) return ordinal;
    }
  }

  /** True when the word numbered `ordinal` is text[start, end). */
  holds(ordinal: number, text: string, start: number, end: number): boolean {
    const { chars, starts } = this;
    const from = starts[ordinal]!;
    const len = end - start;
    if (starts[ordinal + 1]! - from !== len) return false;
    let k = 0;
    while (k < len && chars[from + k] === text.charCodeAt(start + k)) k++;
    return k === len;
  }

  /** ordinalAt over bytes (ASCII, one unit each): the ordinal of the word equal to bytes[start, end), or -1. */
  ordinalAtBytes(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const len = end - start;
    const { slots, mask, chars, starts } = this;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const held = slots[2 * i + 1]!;
      if (held === 0) return -1;
      if (slots[2 * i] !== hash) continue;
      const ordinal = held - 1;
      const from = starts[ordinal]!;
      if (starts[ordinal + 1]! - from !== len) continue;
      let k = 0;
      while (k < len && chars[from + k] === bytes[start + k]) k++;
      if (k === len) return ordinal;
    }
  }

  /** holds over bytes: true when the word numbered `ordinal` is bytes[start, end). */
  holdsBytes(ordinal: number, bytes: Uint8Array, start: number, end: number): boolean {
    const { chars, starts } = this;
    const from = starts[ordinal]!;
    const len = end - start;
    if (starts[ordinal + 1]! - from !== len) return false;
    let k = 0;
    while (k < len && chars[from + k] === bytes[start + k]) k++;
    return k === len;
  }

  /** The ordinal of `word`, or -1. */
  ordinalOf(word: string, hash = hashWord(word)): number {
    return this.ordinalAt(word, 0, word.length, hash);
  }

  /** The word whose ordinal is `ordinal` (0 <= ordinal < count). */
  wordAt(ordinal: number): string {
    return this.words[ordinal]!;
  }

  /** Adds `word` (once); returns the table's string for it. */
  add(word: string, hash = hashWord(word)): string {
    return this.words[this.addOrdinal(word, hash)]!;
  }

  /** Adds `word` (once); returns its ordinal. */
  addOrdinal(word: string, hash = hashWord(word)): number {
    const found = this.ordinalOf(word, hash);
    if (found >= 0) return found;
    const ordinal = this.words.length;
    if ((ordinal + 1) * 2 > this.mask + 1) this.grow();
    this.put(hash, ordinal);
    this.words.push(word);
    if (ordinal + 2 > this.starts.length) this.starts = widened(this.starts, this.starts.length * 2);
    const from = this.starts[ordinal]!;
    if (from + word.length > this.chars.length) this.chars = widened(this.chars, Math.max(this.chars.length * 2, from + word.length));
    for (let k = 0; k < word.length; k++) this.chars[from + k] = word.charCodeAt(k);
    this.starts[ordinal + 1] = from + word.length;
    return ordinal;
  }

  private grow(): void {
    const old = this.slots;
    const slots = (this.mask + 1) * 2;
    this.slots = new Int32Array(slots * 2);
    this.mask = slots - 1;
    // The words are distinct already: no lookup before placing each.
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.put(old[i]!, old[i + 1]! - 1);
  }

  /** Puts the word numbered `ordinal` in the first free slot from its hash. */
  private put(hash: number, ordinal: number): void {
    const { slots, mask } = this;
    let i = hash & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = hash;
    slots[2 * i + 1] = ordinal + 1;
  }
}

function widened<T extends Uint16Array | Int32Array>(from: T, size: number): T {
  const to = new (from.constructor as new (n: number) => T)(size);
  to.set(from);
  return to;
}
