/**
 * number → non-negative int32, in typed arrays: an entry costs 12 bytes of slots (two at most half full),
 * not a Map entry, and a key above 2^31 (a TCP sequence number) is no heap number. Open addressing with
 * linear probing; entries are never removed one by one (clear() empties it). Any number is a key (equality
 * as ===, NaN excepted); integers of up to 53 bits hash on both halves.
 */
export class NumberMap {
  private keys: Float64Array;
  /** value + 1; 0: an empty slot. */
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 16) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.keys = new Float64Array(slots);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The key's value, or -1 when absent. */
  get(key: number): number {
    const { keys, values, mask } = this;
    for (let i = hashNumber(key) & mask; ; i = (i + 1) & mask) {
      const v = values[i]!;
      if (v === 0) return -1;
      if (keys[i] === key) return v - 1;
    }
  }

  /** Sets the key's value (0 ≤ value < 2^31 - 1). */
  set(key: number, value: number): void {
    if (!(value >= 0 && value < 0x7fffffff) || Number.isNaN(key)) throw new RangeError(`NumberMap: bad entry ${key} → ${value}`);
    if ((this.count + 1) * 2 > this.values.length) this.grow();
    const { keys, values, mask } = this;
    for (let i = hashNumber(key) & mask; ; i = (i + 1) & mask) {
      const v = values[i]!;
      if (v === 0) {
        keys[i] = key;
        values[i] = value + 1;
        this.count++;
        return;
      }
      if (keys[i] === key) {
        values[i] = value + 1;
        return;
      }
    }
  }

  clear(): void {
    this.keys = new Float64Array(16);
    this.values = new Int32Array(16);
    this.mask = 15;
    this.count = 0;
  }

  private grow(): void {
    const { keys, values } = this;
    const slots = values.length * 2;
    this.keys = new Float64Array(slots);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
    for (let j = 0; j < values.length; j++) {
      const v = values[j]!;
      if (v === 0) continue;
      const key = keys[j]!;
      let i = hashNumber(key) & this.mask;
      while (this.values[i] !== 0) i = (i + 1) & this.mask;
      this.keys[i] = key;
      this.values[i] = v;
    }
  }
}

function hashNumber(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) | 0;
  const h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2f), 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** Slots per page of a growable column (a power of two). */
const PAGE_BITS = 13;
const PAGE = 1 << PAGE_BITS;

/**
 * A growable column of number slots, indexed from 0; unset slots read as `fill`. Kept in fixed pages of PAGE slots
 * made as they are first written, not one array grown by doubling: a column holds at most a page more than it uses,
 * and growing never copies (a doubling array wastes up to half, and for a moment holds the old and the new).
 */
class GrowableColumn<A extends Int32Array | Float64Array> {
  private readonly pages: Array<A | undefined> = [];

  constructor(
    private readonly make: (length: number) => A,
    private readonly fill: number,
  ) {}

  get(i: number): number {
    const page = this.pages[i >>> PAGE_BITS];
    return page === undefined ? this.fill : page[i & (PAGE - 1)]!;
  }

  set(i: number, value: number): void {
    const at = i >>> PAGE_BITS;
    let page = this.pages[at];
    if (page === undefined) {
      if (!(i >= 0 && i <= 0xffffffff)) throw new RangeError(`column slot out of range: ${i}`);
      while (this.pages.length < at) this.pages.push(undefined);
      page = this.make(PAGE);
      if (this.fill !== 0) page.fill(this.fill);
      this.pages[at] = page;
    }
    page[i & (PAGE - 1)] = value;
  }

  /** Bytes of the pages made. */
  get bytes(): number {
    let n = 0;
    for (const p of this.pages) if (p !== undefined) n += p.byteLength;
    return n;
  }
}

/** Int32 slots: ids, refs, small counts. */
export class GrowableInt32 extends GrowableColumn<Int32Array> {
  constructor(fill = 0) {
    super((n) => new Int32Array(n), fill);
  }
}

/** Float64 slots: row ids and times beyond 32 bits. */
export class GrowableFloat64 extends GrowableColumn<Float64Array> {
  constructor(fill = 0) {
    super((n) => new Float64Array(n), fill);
  }
}
