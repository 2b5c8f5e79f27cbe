/**
 * Lines inside a command's output that are not part of it: marks that stand for left-out output
 * (`...`, `[...]`, `<snip>`, `(output truncated)`, a grep `--` group separator) and messages printed
 * with it (`sudo: unable to resolve host`, `Warning: ...`, klog lines, `bash: x: command not found`).
 * Such a line is set aside before a parser reads the unit — blanked, so every other line keeps its
 * number — and named in a warning; an elision makes the capture partial. One place for every kind,
 * so no parser rejects a whole capture because of one such line.
 */
import type { CaptureUnit, CaptureWarning } from '../capture-unit';
import type { CaptureKind } from '../../records/records';
import { clipText } from '../capture-error';

export type AsideLine =
  | { kind: 'elision' }
  | { kind: 'noise'; what: string };

/** A word that, alone or wrapped in dots or brackets, says output was left out. */
const LEFT_OUT_WORD = /^(?:snip(?:ped)?|cut|truncated|(?:output|rest|list) (?:truncated|omitted|snipped)|omitted|(?:lines?|rules?|entries) omitted|more|etc\.?|\d+ more (?:lines?|rules?|entries|routes?|rows?))$/i;
const BARE_WORD = /^(?:snip(?:ped)?|output truncated|truncated)$/i;
const BRACKETS: ReadonlyArray<readonly [string, string]> = [['[', ']'], ['<', '>'], ['(', ')'], ['{', '}']];
/** Elision marks are short; longer lines are never looked at closely. */
const MAX_ELISION = 48;

/** `readBy`: kinds whose parser reads the message itself (and says more about it than that it is not output). */
const NOISE: ReadonlyArray<{ re: RegExp; what: string; readBy?: readonly CaptureKind[] }> = [
  { re: /^sudo: /, what: 'a sudo message' },
  {
    re: /^#?\s*warning: iptables-legacy tables present/i, what: 'a warning that iptables-legacy tables exist (they were not captured)',
    readBy: ['iptables-save', 'iptables-list'],
  },
  { re: /^#?\s*(?:warning|WARNING|Warning)(?:\(\w+\))?: /, what: 'a warning printed with the output' },
  // klog: `W1206 12:00:00.123456   12345 warnings.go:70] v1 Endpoints is deprecated`
  { re: /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\] /, what: 'a log line printed with the output' },
  // logrus (kubectl plugins such as ksniff): `INFO[0000] executing command: ...`
  { re: /^(?:INFO|WARN|ERRO|DEBU|TRAC|FATA)\[\d{4,}\] /, what: 'a log line printed with the output' },
  // kubectl exec's own messages before the command's output.
  { re: /^(?:Defaulted container "[^"]*" out of: |Defaulting container name to |Use 'kubectl describe pod\/|Unable to use a TTY - )/, what: 'a kubectl exec message' },
  { re: /^-?(?:ba|da|z|k|tc|fi|c)?sh: (?:\d+: )?(?:line \d+: )?.*(?:command not found|not found|No such file or directory|Permission denied)/, what: 'a shell error' },
];

/** The start of a line that may be a message (the NOISE patterns' first characters). */
const NOISE_START = /^(?:sudo: |#?\s*warning|[IWEF]\d{4} |-?[a-z]{0,3}sh: |(?:INFO|WARN|ERRO|DEBU|TRAC|FATA)\[|Default|Use 'k|Unable to use)/i;

/** NOISE_START at `from`, after a test of the first characters that rules out most data lines (`-A ...`, digits, blanks). */
function mayBeNoise(text: string, from: number): boolean {
  const c = text.charCodeAt(from);
  if (c === 0x2d) {
    const d = text.charCodeAt(from + 1);
    if (d < 0x61 || d > 0x7a) return false;
  } else if (!(c === 0x23 || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  return NOISE_START.test(text.slice(from, from + 12));
}

/** What `line` is when it is not output of the command (of a capture of `kind`, when known), or null when it may be. */
export function asideLineOf(line: string, kind: CaptureKind | null = null): AsideLine | null {
  const first = firstNonSpace(line);
  if (first < 0) return null;
  const c = line.charCodeAt(first);
  if (line.length - first <= MAX_ELISION && isElision(line.trim())) return { kind: 'elision' };
  // Messages start at column 0 with `#`, `-` or a letter: any other line is output.
  if (first !== 0 || !(c === 0x23 || c === 0x2d || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return null;
  for (const n of NOISE) {
    if (!n.re.test(line)) continue;
    return kind !== null && n.readBy?.includes(kind) === true ? null : { kind: 'noise', what: n.what };
  }
  return null;
}

function firstNonSpace(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return i;
  }
  return -1;
}

function isElision(trimmed: string): boolean {
  let s = trimmed;
  // A comment mark before it: `# ...`, `// snip`.
  if (s.startsWith('#') || s.startsWith('//')) s = s.replace(/^(?:#+|\/\/)\s*/, '');
  if (s === '') return false;
  // A grep group separator, or `-- snip --`, `--8<--`.
  if (/^-{2,}$/.test(s) || /^-{2,}\s*8<\s*-{2,}$/.test(s)) return true;
  let wrapped = false;
  const dashed = /^-{2,}\s*(.+?)\s*-{2,}$/.exec(s);
  if (dashed) {
    s = dashed[1]!;
    wrapped = true;
  }
  for (const [open, close] of BRACKETS) {
    if (s.length > 2 && s.startsWith(open) && s.endsWith(close)) {
      s = s.slice(1, -1).trim();
      wrapped = true;
      break;
    }
  }
  // Authors write two to six dots; a longer run alone is more likely data (tcpdump -A prints unprintable bytes as dots).
  if (/^\.+$/.test(s)) return s.length >= 2 && s.length <= 6;
  const dotted = /^(?:\.{2,}|…)|(?:\.{2,}|…)$/.test(s);
  const core = s.replace(/^(?:\.{2,}|…|\s)+/, '').replace(/(?:\.{2,}|…|\s)+$/, '');
  if (core === '') return dotted;
  // A bare word is an elision only when it can be nothing else.
  if (!wrapped && !dotted) return BARE_WORD.test(core);
  return LEFT_OUT_WORD.test(core);
}

/** The text without its aside lines (for content sniffing; line numbers do not matter there). */
export function withoutAsideLines(text: string): string {
  if (!mayHoldAsideLine(text)) return text;
  return text
    .split('\n')
    .filter((l) => asideLineOf(l.endsWith('\r') ? l.slice(0, -1) : l) === null)
    .join('\n');
}

/** Text an aside line holds somewhere: split from ASIDE_LINE_START, for one alternation of either is slower than both. */
const ASIDE_TEXT = /\.\.|…|snip|trunc|omit|more|etc|--|8<|sudo: |arning|sh: /i;
/** How an aside line may start. */
const ASIDE_LINE_START = /^(?:[ \t]*[#IWEF]|(?:WARN|ERRO|DEBU|TRAC|FATA)\[|Default|Use 'k|Unable to use)/im;
/** Characters a piece of a long text is tested in, so that `pause` is called between them. */
const PIECE_CHARS = 1 << 20;

/**
 * A cheap test that no line can be an aside line, for the common clean capture. A long text is tested a piece of
 * whole lines at a time (no pattern crosses a line break), with `pause` between pieces: a busy node's 98 MB
 * conntrack table takes ~0.4 s to test.
 */
function mayHoldAsideLine(text: string, pause?: () => void): boolean {
  for (let from = 0; from < text.length;) {
    let to = from + PIECE_CHARS;
    if (to < text.length) {
      const lf = text.indexOf('\n', to);
      to = lf < 0 ? text.length : lf + 1;
    }
    const piece = from === 0 && to >= text.length ? text : text.slice(from, to);
    if (ASIDE_TEXT.test(piece) || ASIDE_LINE_START.test(piece)) return true;
    from = to;
    if (from < text.length) pause?.();
  }
  return false;
}

/**
 * An arrow an author typed after a line of output to point at it (`eth0  <<<<<< this is default gateway`,
 * `... <-- here`, `← this one`): spaces, an arrow of `<<`, `<-`, `<=` or `←`, then the note. Tools print
 * none of these after two spaces.
 */
const ANNOTATION = /(?:\s{2,}(?:<{2,}|<-+|<=+|←+)|\s(?:<{3,}|<-{2,}|<={2,}|←+))(?:\s.*)?$/;
const MAY_HOLD_ANNOTATION = /\s(?:<<|<-|<=|←)/;

/** Where the author's note after the output on this line starts, or -1. */
export function annotationStart(line: string): number {
  const m = ANNOTATION.exec(line);
  return m === null ? -1 : m.index;
}

export interface SetAside {
  unit: CaptureUnit;
  warnings: CaptureWarning[];
}

/**
 * The unit with its aside lines blanked (every other line keeps its number), partial when one stood
 * for left-out output, and one warning per line set aside. The unit itself when it has none. `pause` is called now
 * and then while a long unit is looked at (where an import hears a cancel).
 */
export function setAsideLines(unit: CaptureUnit, pause?: () => void): SetAside {
  const { text } = unit.input;
  const annotated = MAY_HOLD_ANNOTATION.test(text);
  if (!annotated && !mayHoldAsideLine(text, pause)) return { unit, warnings: [] };
  const warnings: CaptureWarning[] = [];
  // [from, stop) of each aside line or note; the text is rebuilt only when there is one.
  const cuts: number[] = [];
  let elided = false;
  let line = unit.input.firstLine;
  const n = text.length;
  for (let from = 0; from < n; line++) {
    let stop = text.indexOf('\n', from);
    if (stop < 0) stop = n;
    const end = stop > from && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
    const aside = end - from <= MAX_ELISION || mayBeNoise(text, from) ? asideLineOf(text.slice(from, end), unit.kind) : null;
    const note = aside === null && annotated ? annotationStart(text.slice(from, end)) : -1;
    if (note >= 0) {
      cuts.push(from + note, end);
      warnings.push({ file: unit.file, line, message: `"${clipText(text.slice(from + note, end).trim(), 120)}" is a note the author added after the output: skipped, the rest of the line read` });
    }
    if (aside !== null) {
      const shown = clipText(text.slice(from, end).trim(), 120);
      cuts.push(from, end);
      switch (aside.kind) {
        case 'elision':
          elided = true;
          warnings.push({ file: unit.file, line, message: `"${shown}" stands for left-out output: skipped; this ${unit.kind} capture is partial` });
          break;
        case 'noise':
          warnings.push({ file: unit.file, line, message: `"${shown}" is ${aside.what}, not ${unit.kind} output: skipped` });
          break;
        default: {
          const unreachable: never = aside;
          return unreachable;
        }
      }
    }
    from = stop + 1;
  }
  if (cuts.length === 0) return { unit, warnings };
  const pieces: string[] = [];
  let at = 0;
  for (let k = 0; k < cuts.length; k += 2) {
    pieces.push(text.slice(at, cuts[k]));
    at = cuts[k + 1]!;
  }
  pieces.push(text.slice(at));
  return {
    unit: { ...unit, partial: unit.partial || elided, ...(elided ? { elided } : {}), input: { ...unit.input, text: pieces.join('') } },
    warnings,
  };
}
