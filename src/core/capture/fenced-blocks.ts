/**
 * The code blocks of a Markdown document: ``` and ~~~ fences (with or without a language, indented
 * inside list items) and 4-space indented blocks. Text outside them is prose and is not returned.
 */
import type { CaptureWarning } from './capture-unit';

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

/** True when a line opens or closes a fence: what makes a text a Markdown document here. */
export function isFenceLine(text: string): boolean {
  let k = 0;
  while (k < 64 && text.charCodeAt(k) === 32) k++;
  const first = text.charCodeAt(k);
  if (first !== 96 && first !== 126) return false;
  return FENCE_OPEN.test(text.length > HEAD ? text.slice(0, HEAD) : text);
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
    const blank = text.trim() === '';
    const indent = indentOf(head);
    if (!blank && indent >= 4 && previousBlank && !inList) {
      const body: SourceLine[] = [];
      let j = i;
      for (; j < lines.length; j++) {
        const candidate = lines[j]!;
        const candidateBlank = candidate.text.trim() === '';
        if (!candidateBlank && indentOf(candidate.text.slice(0, HEAD)) < 4) break;
        body.push({ line: candidate.line, text: candidateBlank ? '' : dedent(candidate.text, 4) });
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

function closesFence(text: string, fence: string): boolean {
  const trimmed = text.length > HEAD ? text.slice(0, HEAD).trim() : text.trim();
  if (trimmed.length < fence.length || trimmed[0] !== fence[0]) return false;
  for (let k = 0; k < trimmed.length; k++) if (trimmed[k] !== fence[0]) return false;
  return true;
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
