/**
 * Typed columns that grow by doubling: many small facts kept without an object each. Unlike number-map's paged
 * GrowableInt32/GrowableFloat64 (set/get, never copied), these keep one contiguous `values` array, so a hot loop
 * reads it by index without a call per value, and they count what was pushed.
 */

export class Int32Column {
  values: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.values = new Int32Array(capacity);
  }

  push(v: number): number {
    if (this.length === this.values.length) this.grow(this.length + 1);
    this.values[this.length] = v;
    return this.length++;
  }

  /** Sets index i, growing the column (new places hold `fill`). */
  set(i: number, v: number, fill = -1): void {
    if (i >= this.length) {
      if (i >= this.values.length) this.grow(i + 1);
      this.values.fill(fill, this.length, i);
      this.length = i + 1;
    }
    this.values[i] = v;
  }

  /** The value at i, or `missing` past the end. */
  at(i: number, missing = -1): number {
    return i < this.length ? this.values[i]! : missing;
  }

  private grow(need: number): void {
    let n = this.values.length * 2;
    while (n < need) n *= 2;
    const next = new Int32Array(n);
    next.set(this.values.subarray(0, this.length));
    this.values = next;
  }
}

export class Float64Column {
  values: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.values = new Float64Array(capacity);
  }

  push(v: number): number {
    if (this.length === this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length] = v;
    return this.length++;
  }
}
