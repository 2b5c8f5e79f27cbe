/** Start offsets of every line of a text, so kept blocks can be cut out by line number in O(1). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) {
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** Lines `first`..`last` (1-based, inclusive), without the final line break. */
  slice(first: number, last: number): string {
    const from = this.starts[Math.max(0, first - 1)] ?? this.text.length;
    const to = this.starts[last] ?? this.text.length;
    return this.text.slice(from, to).replace(/\r?\n$|\r$/, '');
  }
}
