/**
 * The words of the free text at the end of an `iptables -L` rule line, and the cursor the extensions' listing
 * readers (iptables-match.ts, iptables-target.ts) take their words from.
 */
import { fail } from './iptables-values';

export interface Word {
  text: string;
  /** A `/* ... *\/` comment. */
  comment: boolean;
}

/** Splits the extras into words; a comment and a double-quoted string are one word each. */
export function extraWords(text: string): Word[] {
  const words: Word[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated /* comment');
      words.push({ text: text.slice(i + 2, end).trim(), comment: true });
      i = end + 2;
      continue;
    }
    const start = i;
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) fail('unterminated quote');
      i = end + 1;
    } else {
      while (i < n && text[i] !== ' ' && text[i] !== '\t') i++;
    }
    words.push({ text: text.slice(start, i), comment: false });
  }
  return words;
}

export function unquote(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === '`' && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

export function bang(s: string): { negated: boolean; value: string } {
  return s.startsWith('!') ? { negated: true, value: s.slice(1) } : { negated: false, value: s };
}

/** The extras' words and the place of the next one; a comment reads as '' (no value). */
export class ListCursor {
  i = 0;

  constructor(readonly words: readonly Word[]) {}

  at(k: number): string {
    return k < this.words.length && !this.words[k]!.comment ? this.words[k]!.text : '';
  }

  /** The next word, not taken. */
  peek(): string {
    return this.at(this.i);
  }

  /** Takes the next word, which `what` needs as its value. */
  need(what: string): string {
    const w = this.at(this.i);
    if (w === '') fail(`${what} needs a value`);
    this.i++;
    return w;
  }
}
