/**
 * The code blocks of a Markdown document: ``` and ~~~ fences (with or without a language, indented
 * inside list items), 4-space indented blocks and HTML `<pre>` blocks (issue threads fold long output
 * into `<details><pre>`). Text outside them is prose and is not returned.
 */
import type { CaptureWarning } from '../capture-unit';
import { looksLikeCommandLine } from './command-line';
import { isElision } from '../iptables/iptables-sniff';
import { parsePrompt } from '../prompt';

export interface SourceLine {
  line: number;
  text: string;
}

export interface CodeBlock {
  /** The fence's info string (`yaml`, `console`), or null. */
  lang: string | null;
  /** Content lines with the block's indentation removed. */
  lines: SourceLine[];
}

const HEAD = 512;
const FENCE_OPEN = /^( {0,64})(`{3,}|~{3,})\s*([^\s`]*)/;
const LIST_ITEM = /^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s/;

/** `<pre>`, `<pre lang="sh"><code>`, with the block's first line possibly after it. */
const PRE_OPEN = /^ {0,64}<pre\b[^>]{0,256}>(?:<code\b[^>]{0,256}>)?/i;
const PRE_CLOSE = /(?:<\/code>)?<\/pre>/i;

/** True when a line opens an HTML `<pre>` block. */
export function isPreOpenLine(text: string): boolean {
  let k = 0;
  while (k < 64 && text.charCodeAt(k) === 32) k++;
  return text.charCodeAt(k) === 60 && PRE_OPEN.test(text.length > HEAD ? text.slice(0, HEAD) : text);
}

/** True when a line opens or closes a fence: what makes a text a Markdown document here. */
export function isFenceLine(text: string): boolean {
  let k = 0;
  while (k < 64 && text.charCodeAt(k) === 32) k++;
  const first = text.charCodeAt(k);
  if (first !== 96 && first !== 126) return false;
  return FENCE_OPEN.test(text.length > HEAD ? text.slice(0, HEAD) : text);
}

const DETAILS_OPEN = /^ {0,64}<details\b[^>]{0,256}>/i;
const DETAILS_CLOSE = /<\/details>\s*$/i;
const SUMMARY = /^\s*(?:<details\b[^>]{0,256}>)?\s*<summary\b[^>]{0,256}>.*<\/summary>\s*$/i;

/** `<details>` (GitHub's collapsed section), whose body may be output pasted as it is, without a fence. */
export function isDetailsOpenLine(text: string): boolean {
  return DETAILS_OPEN.test(text.length > HEAD ? text.slice(0, HEAD) : text);
}

/**
 * The body of a `<details>` section opened on line `open` when it is text pasted as it is (no fence,
 * `<pre>` or indented block inside, which are read as such), without its `<summary>` line; null otherwise.
 */
function rawDetailsBody(lines: readonly SourceLine[], open: number): { body: SourceLine[]; next: number } | null {
  const body: SourceLine[] = [];
  for (let j = open; j < lines.length; j++) {
    const { line, text } = lines[j]!;
    const closes = DETAILS_CLOSE.test(text);
    const content = (j === open ? text.replace(DETAILS_OPEN, '') : text).replace(DETAILS_CLOSE, '');
    if (j > open && (isFenceLine(content) || isPreOpenLine(content) || /^(?: {4}|\t)\S/.test(content))) return null;
    if (!SUMMARY.test(content) && content.trim() !== '') body.push({ line, text: content });
    if (closes) return body.length > 0 ? { body, next: j + 1 } : null;
  }
  return null;
}

export function codeBlocksOf(lines: readonly SourceLine[], file: string): { blocks: CodeBlock[]; warnings: CaptureWarning[] } {
  const blocks: CodeBlock[] = [];
  const warnings: CaptureWarning[] = [];
  let inList = false;
  let previousBlank = true;
  let i = 0;
  while (i < lines.length) {
    const { line, text } = lines[i]!;
    const head = text.length > HEAD ? text.slice(0, HEAD) : text;
    const open = FENCE_OPEN.exec(head);
    if (open) {
      const indent = open[1]!.length;
      const fence = open[2]!;
      const body: SourceLine[] = [];
      let j = i + 1;
      let closed = false;
      for (; j < lines.length; j++) {
        const candidate = lines[j]!;
        if (closesFence(candidate.text, fence)) {
          closed = true;
          break;
        }
        body.push({ line: candidate.line, text: dedent(candidate.text, indent) });
      }
      if (!closed) warnings.push({ file, line, message: `code block opened here is never closed; read to the end of the file` });
      blocks.push({ lang: open[3] ? open[3] : null, lines: body });
      i = j + 1;
      previousBlank = false;
      continue;
    }
    const details = isDetailsOpenLine(head) ? rawDetailsBody(lines, i) : null;
    if (details) {
      blocks.push({ lang: null, lines: details.body });
      i = details.next;
      previousBlank = false;
      continue;
    }
    const pre = isPreOpenLine(head) ? PRE_OPEN.exec(head) : null;
    if (pre) {
      const { body, next, closed } = preBlock(lines, i, pre[0].length);
      if (!closed) warnings.push({ file, line, message: `<pre> block opened here is never closed; read to the end of the file` });
      blocks.push({ lang: null, lines: body });
      i = next;
      previousBlank = false;
      continue;
    }
    const blank = text.trim() === '';
    const indent = indentOf(head);
    // In a list item an indented paragraph continues the item; a code block there is indented deeper
    // and, to be told from a paragraph, must start with a prompt or a command.
    const listCode = inList && !blank && indent >= 6 && previousBlank && startsWithCommand(head.trim());
    if (!blank && indent >= 4 && previousBlank && (!inList || listCode)) {
      const width = inList ? indent : 4;
      const body: SourceLine[] = [];
      let j = i;
      for (; j < lines.length; j++) {
        const candidate = lines[j]!;
        const candidateBlank = candidate.text.trim() === '';
        if (!candidateBlank && indentOf(candidate.text.slice(0, HEAD)) < width) break;
        body.push({ line: candidate.line, text: candidateBlank ? '' : dedent(candidate.text, width) });
      }
      while (body.length > 0 && body[body.length - 1]!.text === '') body.pop();
      blocks.push({ lang: null, lines: body });
      i = i + body.length;
      previousBlank = false;
      continue;
    }
    if (!blank && indent < 4) {
      if (LIST_ITEM.test(head)) inList = true;
      else if (indent === 0) inList = false;
    }
    previousBlank = blank;
    i++;
  }
  return { blocks, warnings };
}

/** The lines of a `<pre>` block opened on line `open` (its first content may follow the tag), entities decoded. */
function preBlock(lines: readonly SourceLine[], open: number, tagLength: number): { body: SourceLine[]; next: number; closed: boolean } {
  const body: SourceLine[] = [];
  for (let j = open; j < lines.length; j++) {
    const { line, text } = lines[j]!;
    const content = j === open ? text.slice(tagLength) : text;
    const close = PRE_CLOSE.exec(content);
    const kept = close ? content.slice(0, close.index) : content;
    if (!(j === open || close) || kept.trim() !== '') body.push({ line, text: decodeEntities(kept) });
    if (close) return { body, next: j + 1, closed: true };
  }
  return { body, next: lines.length, closed: false };
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };

/** The entities GitHub and HTML pages write in `<pre>` text: `&lt;BROADCAST,UP&gt;` is `<BROADCAST,UP>`. */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:(lt|gt|amp|quot|apos|nbsp)|#(\d{1,6})|#x([\da-fA-F]{1,6}));/g, (all, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return ENTITIES[name]!;
    const code = dec !== undefined ? Number(dec) : Number.parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

function startsWithCommand(text: string): boolean {
  return parsePrompt(text) !== null || looksLikeCommandLine(text);
}

function closesFence(text: string, fence: string): boolean {
  const trimmed = text.length > HEAD ? text.slice(0, HEAD).trim() : text.trim();
  if (trimmed.length < fence.length || trimmed[0] !== fence[0]) return false;
  for (let k = 0; k < trimmed.length; k++) if (trimmed[k] !== fence[0]) return false;
  return true;
}

/**
 * The lines without the indentation they all share (blank lines aside): output pasted indented under its
 * command, or a whole paste indented as a block, reads as the tool printed it. Relative indentation
 * (ip addr's and brctl's continuation lines) is kept; `...` elision lines are not counted. The same array when no line is indented.
 */
export function withoutCommonIndent(lines: SourceLine[]): SourceLine[] {
  let common = Infinity;
  for (const { text } of lines) {
    // `...` put in place of left-out lines is the poster's, not the tool's: its indentation says nothing.
    if (text.trim() === '' || isElision(text)) continue;
    const c = text.charCodeAt(0);
    if (c !== 32 && c !== 9) return lines;
    common = Math.min(common, indentOf(text.length > HEAD ? text.slice(0, HEAD) : text));
  }
  if (common === Infinity) return lines;
  return lines.map(({ line, text }) => ({ line, text: text.trim() === '' ? '' : dedent(text, common) }));
}

function indentOf(text: string): number {
  let n = 0;
  for (const c of text) {
    if (c === ' ') n++;
    else if (c === '\t') n += 4 - (n % 4);
    else break;
  }
  return n;
}

/** Removes up to `width` columns of leading whitespace. */
function dedent(text: string, width: number): string {
  let col = 0;
  let k = 0;
  while (k < text.length && col < width) {
    const c = text[k];
    if (c === ' ') col++;
    else if (c === '\t') col += 4 - (col % 4);
    else break;
    k++;
  }
  return k === 0 ? text : text.slice(k);
}
