/** A position in one line of tcpdump output. Every read moves forward only, so parsing a line is linear in its length. */
export class TextCursor {
  constructor(
    readonly text: string,
    public pos = 0,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  rest(): string {
    return this.text.slice(this.pos);
  }

  startsWith(literal: string): boolean {
    return this.text.startsWith(literal, this.pos);
  }

  /** Consumes `literal` if it is next. */
  eat(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  /** Consumes a match of a sticky (`y`) regex at the cursor. The regex must be bounded (no unbounded backtracking). */
  match(sticky: RegExp): RegExpExecArray | null {
    sticky.lastIndex = this.pos;
    const m = sticky.exec(this.text);
    if (m) this.pos = sticky.lastIndex;
    return m;
  }

  skipSpaces(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** The next space-delimited token, consumed (without the space after it). */
  token(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !isSpace(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** Consumes a bracketed group starting at the cursor (`(...)` or `[...]`, nesting counted); false if unbalanced. */
  skipGroup(): boolean {
    const open = this.text.charCodeAt(this.pos);
    const close = open === OPEN_PAREN ? CLOSE_PAREN : open === OPEN_BRACKET ? CLOSE_BRACKET : -1;
    if (close < 0) return false;
    let depth = 0;
    for (let i = this.pos; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === open) depth++;
      else if (c === close && --depth === 0) {
        this.pos = i + 1;
        return true;
      }
    }
    return false;
  }

  /** Moves past the next `, ` that is outside any bracket; to the end if there is none. */
  skipPastComma(): void {
    let depth = 0;
    for (let i = this.pos; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === OPEN_PAREN || c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
      else if (c === CLOSE_PAREN || c === CLOSE_BRACKET || c === CLOSE_BRACE) depth = Math.max(0, depth - 1);
      else if (c === COMMA && depth === 0 && this.text.charCodeAt(i + 1) === SPACE) {
        this.pos = i + 2;
        return;
      }
    }
    this.pos = this.text.length;
  }
}

const SPACE = 32;
const COMMA = 44;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

export function isSpace(c: number): boolean {
  return c === SPACE || c === 9;
}
