/**
 * Splits a shell command line into its commands and words, the way a reader of a transcript would:
 * quotes, `$(...)` and backticks stay inside one word, an unquoted `#` at a word start begins a comment,
 * `|` separates pipeline stages and `;`, `&&`, `||` separate commands. One pass, linear in the line.
 */

/** One command of a command list: its pipeline stages, each a list of words (quotes removed). */
export type ShellCommand = string[][];

/** Characters that may end or change a run of plain word characters. */
const WORD_BREAKS = new Set([' ', '\t', '\\', "'", '"', '`', '$', '#', '|', ';', '&']);

export function splitCommandLine(line: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let stages: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const n = line.length;

  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endStage = (): void => {
    endWord();
    if (words.length > 0) stages.push(words);
    words = [];
  };
  const endCommand = (): void => {
    endStage();
    if (stages.length > 0) commands.push(stages);
    stages = [];
  };

  let i = 0;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else if (c === '\\') {
      if (i + 1 < n) word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      const stop = close < 0 ? n : close;
      word += line.slice(i + 1, stop);
      inWord = true;
      i = stop + 1;
    } else if (c === '"') {
      i++;
      let start = i;
      while (i < n && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < n) {
          word += line.slice(start, i);
          start = i + 1;
          i++;
        }
        i++;
      }
      word += line.slice(start, i);
      inWord = true;
      i++;
    } else if (c === '`') {
      const close = line.indexOf('`', i + 1);
      const stop = close < 0 ? n : close;
      word += line.slice(i, stop + 1);
      inWord = true;
      i = stop + 1;
    } else if (c === '$' && line[i + 1] === '(') {
      const stop = endOfSubstitution(line, i + 2);
      word += line.slice(i, stop);
      inWord = true;
      i = stop;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === '|') {
      if (line[i + 1] === '|') {
        endCommand();
        i += 2;
      } else {
        endStage();
        i += 1;
      }
    } else if (c === ';' || (c === '&' && line[i + 1] === '&')) {
      endCommand();
      i += c === ';' ? 1 : 2;
    } else {
      let j = i + 1;
      while (j < n && !WORD_BREAKS.has(line[j]!)) j++;
      word += line.slice(i, j);
      inWord = true;
      i = j;
    }
  }
  endCommand();
  return commands;
}

/** Index just past the `)` closing a `$(` whose body starts at `from` (quotes inside are skipped). */
function endOfSubstitution(line: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < line.length) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      if (close < 0) return line.length;
      i = close + 1;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
    i++;
  }
  return line.length;
}

/**
 * True when a typed line does not finish the command: a trailing backslash, an open quote,
 * or a trailing pipe or `&&`. (The next line is then a continuation, `> ` in PS2.)
 */
export function continuesOnNextLine(line: string): boolean {
  let quote: string | null = null;
  let lastSignificant = '';
  let secondLast = '';
  let trailingBackslash = false;
  let lastNonSpace = line.length - 1;
  while (lastNonSpace >= 0 && (line[lastNonSpace] === ' ' || line[lastNonSpace] === '\t')) lastNonSpace--;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
    if (c === "'" || c === '"') {
      quote = c;
      lastSignificant = c;
      trailingBackslash = false;
      continue;
    }
    if (c === '\\') {
      if (i === lastNonSpace) {
        trailingBackslash = true;
        break;
      }
      i++;
      continue;
    }
    if (c !== ' ' && c !== '\t') {
      secondLast = lastSignificant;
      lastSignificant = c;
    }
  }
  if (quote || trailingBackslash) return true;
  if (lastSignificant === '|') return true;
  return lastSignificant === '&' && secondLast === '&';
}

/** `./kubectl`, `/usr/sbin/iptables`, `$HOME/bin/kube-proxy` → the program's name. */
export function programName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}
