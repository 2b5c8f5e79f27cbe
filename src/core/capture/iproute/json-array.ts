/**
 * The JSON arrays iproute2 prints with `-j` (compact, one line) and `-j -p` (pretty, one key a line):
 * each element with the source line its object starts on, so records keep their provenance.
 */
import { CaptureError } from '../capture-error';
import type { TextInput } from '../text-input';

export type JsonObject = { readonly [key: string]: unknown };

export interface JsonElement {
  value: JsonObject;
  line: number;
}

/** The objects of a top-level JSON array; throws CaptureError naming the line of a syntax error or of a non-object element. */
export function jsonArrayElements(input: TextInput): JsonElement[] {
  const { text } = input;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // Node 20's messages quote the text around the error but do not say where it is: find it.
    const line = lineAt(input, syntaxErrorOffset(text));
    throw new CaptureError({ file: input.file, line }, `not valid JSON: ${message.split('\n')[0] ?? message}`);
  }
  if (!Array.isArray(parsed)) throw new CaptureError({ file: input.file, line: input.firstLine }, 'JSON output is not an array');
  const lines = elementLines(input);
  return parsed.map((value: unknown, i) => {
    const line = lines[i] ?? input.firstLine;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CaptureError({ file: input.file, line }, `JSON element ${i + 1} is not an object`);
    }
    return { value: value as JsonObject, line };
  });
}

/** Line of each element of the top-level array: where its opening brace (or first character) stands. */
function elementLines(input: TextInput): number[] {
  const { text } = input;
  const out: number[] = [];
  let line = input.firstLine;
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      continue;
    }
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (depth === 1 && expectElement && c !== ']') {
      out.push(line);
      expectElement = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectElement = true;
  }
  return out;
}

/** Offset of the first character where `text` stops being JSON (its length when it ends too early). */
export function syntaxErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const space = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string): boolean => {
    if (!text.startsWith(word, i)) return false;
    i += word.length;
    return true;
  };
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) { i++; return true; }
      if (c < 32) return false;
      if (c === 92) i++;
    }
    return false;
  };
  const value = (depth: number): boolean => {
    space();
    if (depth > 512) return false;
    const c = text[i];
    if (c === '"') return string();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) { i++; return true; }
      for (;;) {
        if (c === '{') {
          space();
          if (!string()) return false;
          space();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value(depth + 1)) return false;
        space();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === close) { i++; return true; }
        return false;
      }
    }
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (number) { i += number[0].length; return true; }
    return literal('true') || literal('false') || literal('null');
  };
  if (value(0)) {
    space();
    if (i >= n) return n;
  }
  return Math.min(i, n);
}

/** Line of `position`; past the end (the text ended too early), the line of the last character that is not space. */
function lineAt(input: TextInput, position: number): number {
  let line = input.firstLine;
  const lastContent = input.text.trimEnd().length - 1;
  const end = Math.max(0, Math.min(position, lastContent));
  for (let i = 0; i < end; i++) if (input.text.charCodeAt(i) === 10) line++;
  return line;
}

export function str(o: JsonObject, key: string): string | null {
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

/** A number field of iproute2's JSON that is no u32 (every one natlens reads is: indexes, mtu, metric, priority...). */
export class JsonNumberError extends Error {
  constructor(readonly key: string, readonly value: unknown) {
    super(`"${key}": ${JSON.stringify(value)} is not a whole number from 0 to 4294967295`);
  }
}

/** A u32 field, as a number or a decimal/hex string; null when absent; JsonNumberError when it is out of range. */
export function num(o: JsonObject, key: string): number | null {
  const v = o[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v) ? Number(v) : null;
  if (n === null) return null;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff || Object.is(n, -0)) throw new JsonNumberError(key, v);
  return n;
}

export function strings(o: JsonObject, key: string): string[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function obj(o: JsonObject, key: string): JsonObject | null {
  const v = o[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : null;
}

export function objects(o: JsonObject, key: string): JsonObject[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x)) : [];
}

/**
 * The keys of the first object of a JSON array, read from the head of a text (which may be cut off):
 * what the sniffs tell iproute2's JSON outputs apart by. Null when the text does not start like an array of objects.
 */
export function firstObjectKeys(head: string): Set<string> | null {
  const start = /^\s*\[\s*\{/.exec(head);
  if (!start) return null;
  const keys = new Set<string>();
  let depth = 1;
  const re = /"((?:[^"\\]|\\.)*)"\s*(:)?|[{}[\]]/g;
  re.lastIndex = start[0].length;
  for (let m = re.exec(head); m !== null && m.index < 4096; m = re.exec(head)) {
    const t = m[0];
    if (t === '{' || t === '[') depth++;
    else if (t === '}' || t === ']') {
      depth--;
      if (depth === 0) break;
    } else if (m[2] === ':' && depth === 1) keys.add(m[1] ?? '');
  }
  return keys;
}
