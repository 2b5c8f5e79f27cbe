/**
 * Splits a text input into the captures it holds: a whole file that is one capture, a terminal
 * transcript (prompts, commands, outputs), or a Markdown document whose code blocks hold them.
 * Each output is cut to its exact source lines and attributed to the node of the prompt and the
 * network namespace the command ran in. Output natlens does not read is kept as text, never guessed at.
 */
import type { CaptureUnit, CaptureWarning, NamespaceContext, SplitResult, StateChangeNote, TextBlock } from '../capture-unit';
import { analyseCommand, type CommandInfo } from './command';
import { looksLikeCommandLine } from './command-line';
import { changes, type StateChange } from './command-selection';
import { codeBlocksOf, isDetailsOpenLine, isFenceLine, isPreOpenLine, withoutCommonIndent, type SourceLine } from './fenced-blocks';
import { isElision, listingTableOf } from '../iptables/iptables-sniff';
import { parsePrompt, stripAnsi, type Prompt } from '../prompt';
import type { CaptureKind } from '../../records/records';
import { continuesOnNextLine } from '../shell-words';
import { dataShapeOf } from './data-shape';
import { clipText } from '../capture-error';
import { contextNamespaceSetBy } from '../kubectl/kubectl-command';
import { LINES_PER_REPORT, lineTicker, type TextInput } from '../text-input';
import { appendAll } from '../../common/append-all';

/** Content sniffing (registry.ts): the kind of a text, the command only breaking ties. */
export type CaptureDetector = (text: string, command: string | null) => CaptureKind | null;

export function splitText(input: TextInput, detect: CaptureDetector): SplitResult {
  const whole = wholeCaptureOf(input, detect);
  if (whole !== null) return { units: [whole], kept: [], warnings: [] };
  const lines = withoutQuoteMarks(sourceLinesOf(input));
  const splitter = new Splitter(input.file, detect, input.onLines);
  const firstContent = lines.find((l) => l.text.trim() !== '');
  if (firstContent === undefined) {
    splitter.warn(input.firstLine, 'empty input: no capture in it');
    return splitter.result();
  }
  const fenced = lines.some((l) => isFenceLine(l.text) || isPreOpenLine(l.text) || isDetailsOpenLine(l.text));
  const prompts = fenced ? [] : lines.map((l) => parsePrompt(l.text));
  // Indented code blocks make a Markdown document only where no line is a prompt of its own.
  if (fenced || (!prompts.some((p) => p?.strength === 'strong') && hasIndentedCommandBlock(lines))) {
    const { blocks, warnings } = codeBlocksOf(lines, input.file);
    appendAll(splitter.warnings, warnings);
    for (const block of blocks) splitter.readBlock(block.lines, block.lang, new ShellState(), undefined, labelCommandOf(lines, block.lines));
  } else {
    if (!prompts.some((p) => p !== null) && !looksLikeCommandLine(firstContent.text) && splitter.readWholeCapture(lines)) {
      return splitter.result();
    }
    splitter.readBlock(lines, null, new ShellState(), prompts);
  }
  if (splitter.units.length === 0 && splitter.kept.length === 0) {
    splitter.warn(firstContent.line, 'no command output or capture found (prose and commands only)');
  }
  return splitter.result();
}

interface Context {
  node: string | null;
  namespace: NamespaceContext | null;
}

/**
 * The shells a transcript has entered: `ip netns exec NS bash`, `docker exec -it C sh`, `ssh host`,
 * `sudo -i`... until `exit`. Commands typed in a namespace shell belong to that namespace; the node
 * stays the outer host (the container's own prompt names the container, not the node).
 */
class ShellState {
  private base: Context = { node: null, namespace: null };
  private readonly frames: Context[] = [];

  onPrompt(node: string | null): void {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined) this.base = { node, namespace: null };
    else if (top.namespace === null && node !== null) top.node = node;
  }

  /** Where the command's output comes from: its own wrappers (`ip netns exec`, `ssh host`) first. */
  contextOf(info: CommandInfo): Context {
    const current = this.frames[this.frames.length - 1] ?? this.base;
    if (info.remoteNode !== null) return { node: info.remoteNode, namespace: info.namespace };
    const namespace = info.namespace ?? current.namespace;
    const node = info.viaKubectl ? null : current.node;
    return { node, namespace };
  }

  apply(info: CommandInfo, context: Context): void {
    if (info.exits) this.frames.pop();
    else if (info.entersShell) this.frames.push({ ...context });
  }
}

interface Pending {
  info: CommandInfo;
  context: Context;
}

class Splitter {
  readonly units: CaptureUnit[] = [];
  readonly kept: TextBlock[] = [];
  readonly warnings: CaptureWarning[] = [];
  /** The last command of the previous code block, when it showed no output: a "Sample output:" block may follow. */
  private dangling: Pending | null = null;
  /** State-changing commands in file order, and per context how many of them its last capture had seen. */
  private readonly changes: Array<{ context: Context; note: StateChangeNote }> = [];
  private readonly changesSeen = new Map<string, number>();
  /** The kubectl context's namespace as the transcript's commands set it (`kubens NS`); null: not known. */
  private kubeNamespace: string | null = null;

  constructor(
    private readonly file: string,
    private readonly detect: CaptureDetector,
    /** TextInput.onLines: called every LINES_PER_REPORT lines a block's reading passes. */
    private readonly onLines?: (line: number) => void,
  ) {}

  result(): SplitResult {
    return { units: this.units, kept: this.kept, warnings: this.warnings };
  }

  warn(line: number, message: string): void {
    this.warnings.push({ file: this.file, line, message });
  }

  /** The whole text is one capture (no prompt, no fence): one unit. */
  readWholeCapture(lines: SourceLine[]): boolean {
    const segment = withoutCommonIndent(trimBlank(lines, 0, lines.length));
    const text = joinLines(segment);
    if (isDiff(segment, null, null)) return false;
    const kind = this.detect(text, null);
    if (kind === null || kind === 'pcap') return false;
    this.pushRuns(kind, segment, text, { node: null, namespace: null });
    return true;
  }

  /**
   * `segment` (of `kind` as a whole) as one unit, or, when a paragraph after a blank line is output of another kind
   * (`conntrack -L` lines, then a pasted `kubectl get pods`), one unit per run of paragraphs of one kind.
   */
  private pushRuns(kind: CaptureKind, segment: SourceLine[], text: string, context: Context): void {
    const runs = kindRuns(segment, kind, this.detect);
    if (runs === null) {
      this.units.push(this.unitOf(kind, segment, text, null, context));
      return;
    }
    for (const run of runs) this.units.push(this.unitOf(run.kind, run.lines, joinLines(run.lines), null, context));
  }

  /** `label`: the command a heading or label line right above the block names (`## ip route show table 101`). */
  readBlock(lines: SourceLine[], lang: string | null, shell: ShellState, prompts?: (Prompt | null)[], label: string | null = null): void {
    const promptOf = withoutWeakPrompts(prompts ?? lines.map((l) => parsePrompt(l.text)));
    const usesPrompts = promptOf.some((p) => p !== null);
    // Like a command whose output the block shows: used only where the content is what that command prints.
    const labelled: Pending | null = label === null ? null : { info: analyseCommand(label), context: { node: null, namespace: null } };
    const previous = labelled ?? this.dangling;
    this.dangling = null;
    let pending: Pending | null = null;
    let commandsSeen = false;
    let outputStart = 0;
    let outputHasContent = false;
    // Output pasted indented under its command: a line back at the command's own indentation ends it.
    let commandIndent = 0;
    let outputIndent = Infinity;
    for (let i = 0; i < lines.length; i++) {
      if (this.onLines !== undefined && i > 0 && i % LINES_PER_REPORT === 0) this.onLines(lines[i]!.line);
      const prompt = promptOf[i] ?? null;
      const text = lines[i]!.text;
      let command: string | null = null;
      if (prompt !== null) {
        shell.onPrompt(prompt.node);
        command = prompt.command;
      } else if (
        (promptlessCommandAllowed(usesPrompts, pending, outputHasContent, lines[i - 1], text) ||
          (pending !== null && outputHasContent && leadingSpace(text) <= commandIndent && outputIndent > commandIndent)) &&
        looksLikeCommandLine(text)
      ) {
        command = text.trim();
      }
      if (command === null) {
        if (text.trim() !== '') {
          outputHasContent = true;
          outputIndent = Math.min(outputIndent, leadingSpace(text));
        }
        continue;
      }
      commandIndent = leadingSpace(text);
      outputIndent = Infinity;
      this.flush(pending, lines, outputStart, i, lang, commandsSeen ? null : previous);
      commandsSeen = true;
      while (continuesOnNextLine(command) && i + 1 < lines.length) {
        i++;
        const next = lines[i]!.text.replace(/^\s*> ?/, '').trim();
        command = `${command.replace(/\\\s*$/, '').trimEnd()} ${next}`;
      }
      outputStart = i + 1;
      outputHasContent = false;
      if (command === '') {
        pending = null;
        continue;
      }
      const info = analyseCommand(command);
      const setsNamespace = contextNamespaceSetBy(info.argv);
      if (setsNamespace !== undefined) this.kubeNamespace = setsNamespace;
      const context = shell.contextOf(info);
      shell.apply(info, context);
      if (info.selection.changes !== null) {
        this.changes.push({ context, note: { command, source: `${this.file}:${lines[outputStart - 1]!.line}`, changes: info.selection.changes } });
      }
      pending = { info, context };
    }
    const shown = this.flush(pending, lines, outputStart, lines.length, lang, commandsSeen ? null : previous);
    if (!shown && pending !== null) this.dangling = pending;
  }

  /** Turns the output lines [from, to) of `pending` into a unit or a kept block; false when there is no output. */
  private flush(pending: Pending | null, lines: SourceLine[], from: number, to: number, lang: string | null, previous: Pending | null): boolean {
    let segment = trimBlank(lines, from, to);
    // sudo's password prompt stays on screen above the output.
    if (segment.length > 0 && SUDO_PASSWORD.test(segment[0]!.text.slice(0, 256))) segment = trimBlank(segment, 1, segment.length);
    // `watch` prints a header line above the output, and only as much of the output as fits the terminal.
    const watched = segment.length > 0 && WATCH_HEADER.test(segment[0]!.text.slice(0, 256));
    if (watched) segment = trimBlank(segment, 1, segment.length);
    if (segment.length === 0) return false;
    segment = withoutCommonIndent(segment);
    if (pending?.info.lineNumbered === true) segment = withoutGrepLineNumbers(segment);
    let text = joinLines(segment);
    let producer = pending;
    if (producer === null && previous !== null && previous.info.kindHint !== null) {
      // A "Sample output:" block right after a block whose command printed nothing.
      if (this.detect(text, previous.info.text) === previous.info.kindHint) producer = previous;
    }
    const context = producer?.context ?? { node: null, namespace: null };
    const info = producer?.info ?? null;
    // A paragraph of prose after a capture's output (a paste then a sentence about it) is not output.
    const tail = info?.kindHint != null ? proseTailOf(segment) : segment.length;
    if (tail < segment.length) {
      this.keep(segment.slice(tail), info, context, 'prose after the output of the command');
      segment = trimBlank(segment, 0, tail);
      text = joinLines(segment);
    }
    if (isDiff(segment, lang, info)) {
      this.keep(segment, info, context, 'a diff of two outputs, not a capture');
      return true;
    }
    if (info !== null && info.kindHint === null && !info.printsFile) {
      this.keep(segment, info, context, keptReason(info));
      return true;
    }
    const kind = this.detect(text, info?.text ?? null);
    if (kind === null || kind === 'pcap') {
      // A banner a script or the author printed above the output (`First 318 lines from conntrack table`):
      // the output starts at the first line shaped like data, when that much is a capture.
      const from = segment.findIndex((l) => dataShapeOf(l.text) !== null);
      const rest = from > 0 ? segment.slice(from) : [];
      const restKind = rest.length > 0 ? this.detect(joinLines(rest), info?.text ?? null) : null;
      if (restKind === null || restKind === 'pcap') {
        this.keep(segment, info, context, keptReason(info));
        return true;
      }
      this.keep(segment.slice(0, from), info, context, `text above the ${restKind} output`);
      this.units.push(this.unitOf(restKind, rest, joinLines(rest), info, context, watched));
      return true;
    }
    if (info === null && !watched) this.pushRuns(kind, segment, text, context);
    else this.units.push(this.unitOf(kind, segment, text, info, context, watched));
    return true;
  }

  private unitOf(kind: CaptureKind, segment: SourceLine[], text: string, info: CommandInfo | null, context: Context, cut = false): CaptureUnit {
    const excerpt = cut || segment.some((l) => isElision(l.text));
    const unit = captureUnit(this.file, kind, segment[0]!.line, segment[segment.length - 1]!.line, text, excerpt, info, context);
    const changedBy = this.changesSince(context, kind);
    const withNamespace = kind === 'kubectl' && this.kubeNamespace !== null ? { ...unit, kubeNamespace: this.kubeNamespace } : unit;
    return changedBy.length > 0 ? { ...withNamespace, changedBy } : withNamespace;
  }

  /**
   * The state changes typed since the last capture of the same part of the state (rules, interfaces, routes) in
   * `context`: its own node and namespace's, and those typed outside any node (kubectl, a prompt without host).
   */
  private changesSince(context: Context, kind: CaptureKind): StateChangeNote[] {
    const part = STATE_PART[kind];
    if (part === undefined) return [];
    const key = `${context.node ?? ''}\u0000${context.namespace?.name ?? ''}\u0000${part}`;
    const from = this.changesSeen.get(key) ?? 0;
    this.changesSeen.set(key, this.changes.length);
    return this.changes
      .slice(from)
      .filter((c) => changes(c.note.changes, part))
      .filter((c) => (c.context.node === null && c.context.namespace === null) || (c.context.node === context.node && (c.context.namespace?.name ?? null) === (context.namespace?.name ?? null)))
      .map((c) => c.note);
  }

  private keep(segment: SourceLine[], info: CommandInfo | null, context: Context, reason: string): void {
    this.kept.push({
      node: context.node,
      file: this.file,
      firstLine: segment[0]!.line,
      lastLine: segment[segment.length - 1]!.line,
      command: info?.text ?? null,
      reason,
    });
  }
}

/** The part of a node's state each kind of capture shows, which the commands typed before it may have changed. */
const STATE_PART: Partial<Record<CaptureKind, Exclude<StateChange, 'everything'>>> = {
  'iptables-save': 'rules', 'iptables-list': 'rules', 'nft-ruleset': 'rules', 'ip-addr': 'interfaces', bridge: 'interfaces', 'ip-route': 'routes', 'route-table': 'routes',
};

function captureUnit(
  file: string, kind: CaptureKind, firstLine: number, lastLine: number, text: string, excerpt: boolean,
  info: CommandInfo | null, context: Context,
): CaptureUnit {
  // `iptables -S` (kind iptables-save) names its table the same way; iptables-save -t T does too.
  const table =
    kind === 'iptables-list' ? (info?.kindHint === 'iptables-list' ? info.table : listingTableOf(text))
    : kind === 'iptables-save' && info?.kindHint === 'iptables-save' ? info.table : null;
  const partial =
    kind === 'iptables-list' ||
    excerpt ||
    (info !== null && (info.filtered || info.selective || (kind === 'iptables-save' && info.table !== null)));
  return {
    kind,
    node: kind === 'kubectl' ? null : context.node,
    namespace: context.namespace,
    file,
    firstLine,
    lastLine,
    command: info?.text ?? null,
    partial,
    table,
    input: { file, text, firstLine },
  };
}

/**
 * The whole text as one capture, decided with scans of the whole text instead of line by line: the result
 * splitText's general path gives a text with no fence, prompt, diff, carriage return or terminal escape whose
 * first line is not a command, at a fraction of its cost on a 170,000-line dump. null: the general path decides.
 */
function wholeCaptureOf(input: TextInput, detect: CaptureDetector): CaptureUnit | null {
  const { text } = input;
  // No CR or escape: the lines are the text's own, joined back with LF. No backquote or tilde: no fence.
  if (text.includes('\r') || text.includes('\x1b') || text.includes('`') || text.includes('~')) return null;
  // No quoted paste, no <pre> block, no zsh prompt.
  if (text.startsWith('>') || text.includes('\n>') || text.includes('<pre') || text.includes('❯') || text.includes('➜')) return null;
  if (text.startsWith('@@') || text.includes('\n@@') || text.includes('\n+++ ')) return null;
  if (!noPromptLine(text, '#') || !noPromptLine(text, '$') || !noPromptLine(text, '%')) return null;
  const n = text.length;
  let start = 0;
  let line = input.firstLine;
  for (;;) {
    if (start >= n) return null;
    const stop = lineEnd(text, start);
    if (text.slice(start, stop).trim() !== '') {
      if (looksLikeCommandLine(text.slice(start, stop))) return null;
      break;
    }
    start = stop + 1;
    line++;
  }
  // An indented paste: the general path reads it without the indentation all its lines share.
  if (firstContentIndented(text, start)) return null;
  // Lines run to an LF; an LF at the very end closes the last line rather than opening an empty one.
  let end = text.charCodeAt(n - 1) === 10 ? n - 1 : n;
  for (;;) {
    const from = text.lastIndexOf('\n', end - 1) + 1;
    if (from <= start || text.slice(from, end).trim() !== '') break;
    end = from - 1;
  }
  const body = start === 0 && end === n ? text : text.slice(start, end);
  const kind = detect(body, null);
  if (kind === null || kind === 'pcap') return null;
  if (hasParagraphOfOtherKind(body, kind, detect)) return null;
  let lastLine = line;
  for (let k = body.indexOf('\n'); k >= 0; k = body.indexOf('\n', k + 1)) lastLine++;
  const excerpt = anyLineWith(body, '..', isElision) || anyLineWith(body, '…', isElision);
  return captureUnit(input.file, kind, line, lastLine, body, excerpt, null, { node: null, namespace: null });
}

/** Whether the first line from `from` that is neither blank nor an elision (`...`) starts with a space or tab. */
function firstContentIndented(text: string, from: number): boolean {
  for (let at = from; at < text.length; ) {
    const stop = lineEnd(text, at);
    const line = text.slice(at, Math.min(stop, at + 256));
    if (line.trim() !== '' && !isElision(line)) return line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9;
    at = stop + 1;
  }
  return false;
}

function lineEnd(text: string, from: number): number {
  const stop = text.indexOf('\n', from);
  return stop < 0 ? text.length : stop;
}

/** Whether some line holding `needle` satisfies `test`: only those lines are looked at. */
function anyLineWith(text: string, needle: string, test: (line: string) => boolean): boolean {
  for (let at = text.indexOf(needle); at >= 0; ) {
    const from = text.lastIndexOf('\n', at) + 1;
    const stop = lineEnd(text, at);
    if (test(text.slice(from, stop))) return true;
    at = text.indexOf(needle, stop);
  }
  return false;
}

/** parsePrompt finds nothing on a line without $, # or % in its head: only the lines with `char` are parsed. */
function noPromptLine(text: string, char: '#' | '$' | '%'): boolean {
  return !anyLineWith(text, char, (line) => parsePrompt(line) !== null);
}

/**
 * Where a strong prompt is in sight, `# text` and `host$ text` lines are output (comments in printed files),
 * except a bare root prompt running a command whose output natlens reads (`# iptables -t nat -nvL` among
 * `$ ...` lines: a root shell and a user shell pasted together), which a comment seldom is. Once such a root
 * shell is in the block, its other bare prompts (`# ip netns`, `# arp -n`) are prompts too: taken for output,
 * they would end up inside the output of the readable command above them.
 */
function withoutWeakPrompts(prompts: (Prompt | null)[]): (Prompt | null)[] {
  if (!prompts.some((p) => p?.strength === 'strong')) return prompts;
  const readableRoot = (p: Prompt | null): boolean => p !== null && p.strength === 'weak' && p.node === null && analyseCommand(p.command).kindHint !== null;
  const rootShell = prompts.some(readableRoot);
  return prompts.map((p) => (p?.strength === 'weak' && !(p.node === null && rootShell) ? null : p));
}

/** Markdown heading, bold or code marks, and a trailing colon around a label: `## ip r s t 101`, `**\`ip rule\`:**`. */
const LABEL_MARKS = /^(?:#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+)?[*_`]*\s*|\s*[*_`]*\s*:?\s*[*_`]*\s*$/g;

/** `<details><summary><code>ip route</code></summary>`: the tags around a label. */
const HTML_TAGS = /<\/?(?:details|summary|b|strong|code|em|i)\b[^>]{0,64}>/gi;

/**
 * The command a write-up names on the line right above a code block (a heading, a bold label, a list item) when
 * the block holds only output: null unless that line, without its Markdown marks, is a command natlens reads.
 */
function labelCommandOf(all: SourceLine[], block: SourceLine[]): string | null {
  const first = block[0];
  if (first === undefined) return null;
  const at = all.findIndex((l) => l.line === first.line);
  for (let k = at - 1, seen = 0; k >= 0 && seen < 2; k--) {
    const text = all[k]!.text;
    if (text.trim() === '') continue;
    seen++;
    if (isFenceLine(text) || isPreOpenLine(text)) continue;
    const candidate = text.replace(HTML_TAGS, '').replace(LABEL_MARKS, '').trim();
    if (candidate === '' || !looksLikeCommandLine(candidate)) return null;
    return analyseCommand(candidate).kindHint === null ? null : candidate;
  }
  return null;
}

const GREP_NUMBER = /^\d{1,9}[:-]/;

/**
 * `grep -n` output without the numbers grep put before each line (`40:-A KUBE-SEP-X ...`, `39--A ...` for a context
 * line; `--` between groups stays, the readers take it for left-out lines): only when every line has one.
 */
function withoutGrepLineNumbers(segment: SourceLine[]): SourceLine[] {
  const numbered = segment.every((l) => l.text.trim() === '' || l.text === '--' || GREP_NUMBER.test(l.text));
  if (!numbered) return segment;
  return segment.map((l) => (GREP_NUMBER.test(l.text) ? { line: l.line, text: l.text.replace(GREP_NUMBER, '') } : l));
}

function keptReason(info: CommandInfo | null): string {
  if (info === null) return 'text not recognised as a capture';
  if (info.kindHint !== null) return `output of \`${info.text}\` not recognised as ${info.kindHint}`;
  return `output of \`${commandGist(info)}\` is not a capture natlens reads`;
}

/** The program and its first words up to the first option's value (`ip -6 neigh`, `kubectl logs`), at most 6 words. */
function commandGist(info: CommandInfo): string {
  if (info.program === null) return clipText(info.text, 60);
  const words = [info.program];
  for (const word of info.argv.slice(1, 6)) {
    if (word.length > 24 || /[|;&<>]/.test(word)) break;
    words.push(word);
    if (!word.startsWith('-') && words.length >= 3) break;
  }
  return words.join(' ');
}

/** The lines of the input (LF, CRLF or CR) with their source line numbers, terminal escapes removed. */
function sourceLinesOf(input: TextInput): SourceLine[] {
  const { text } = input;
  const lines: SourceLine[] = [];
  let line = input.firstLine;
  let start = 0;
  const n = text.length;
  let nextCr = -1;
  const passed = lineTicker(input.onLines);
  while (start < n) {
    let stop = text.indexOf('\n', start);
    if (stop < 0) stop = n;
    // Found once and reused until passed, so a text without CR is not rescanned per line.
    if (nextCr !== n && nextCr < start) nextCr = text.indexOf('\r', start) < 0 ? n : text.indexOf('\r', start);
    if (nextCr < stop) stop = nextCr;
    lines.push({ line, text: stripAnsi(text.slice(start, stop)) });
    line++;
    start = stop + (text.charCodeAt(stop) === 13 && text.charCodeAt(stop + 1) === 10 ? 2 : 1);
    passed(line);
  }
  return lines;
}

/** How many leading lines of a paragraph decide its kind: the sniffers look no further. */
const PARAGRAPH_HEAD = 5;

/**
 * Runs of blank-line-separated paragraphs of one kind, where some paragraph's own first lines are output of
 * another kind than `kind` (the whole); a paragraph of no kind (`...`, a summary line) joins the run before it.
 * null when every paragraph is of `kind` or of none: the segment stays one unit.
 */
function kindRuns(segment: SourceLine[], kind: CaptureKind, detect: CaptureDetector): Array<{ kind: CaptureKind; lines: SourceLine[] }> | null {
  const runs: Array<{ kind: CaptureKind; lines: SourceLine[] }> = [];
  let from = 0;
  let current: { kind: CaptureKind; from: number } = { kind, from: 0 };
  let split = false;
  for (let i = 0; i <= segment.length; i++) {
    if (i < segment.length && segment[i]!.text.trim() !== '') continue;
    // A paragraph is [from, i); the first paragraph is of the whole's kind by definition.
    if (i > from && from > 0) {
      const head = joinLines(segment.slice(from, Math.min(i, from + PARAGRAPH_HEAD)));
      const own = detect(head, null);
      if (own !== null && own !== 'pcap' && own !== current.kind) {
        runs.push({ kind: current.kind, lines: trimBlank(segment, current.from, from) });
        current = { kind: own, from };
        split = true;
      }
    }
    from = i + 1;
  }
  if (!split) return null;
  runs.push({ kind: current.kind, lines: trimBlank(segment, current.from, segment.length) });
  return runs;
}

/** kindRuns' question on a whole text, without splitting it into lines first: only the paragraphs' heads are read. */
function hasParagraphOfOtherKind(body: string, kind: CaptureKind, detect: CaptureDetector): boolean {
  // Each run of blank lines is stepped over once: 200,000 of them in a row stay one pass.
  for (let at = body.indexOf('\n\n'); at >= 0; ) {
    let from = at + 2;
    while (body.charCodeAt(from) === 10) from++;
    if (from >= body.length) return false;
    let stop = from;
    for (let k = 0; k < PARAGRAPH_HEAD && stop >= 0; k++) stop = body.indexOf('\n', stop + 1);
    const head = body.slice(from, stop < 0 ? body.length : stop);
    const own = detect(head, null);
    if (own !== null && own !== 'pcap' && own !== kind) return true;
    at = body.indexOf('\n\n', from);
  }
  return false;
}

/** Lines [from, to) without the blank lines at either end. */
function trimBlank(lines: SourceLine[], from: number, to: number): SourceLine[] {
  let a = from;
  let b = to;
  while (a < b && lines[a]!.text.trim() === '') a++;
  while (b > a && lines[b - 1]!.text.trim() === '') b--;
  return lines.slice(a, b);
}

/** Spaces and tabs before a line's first character (a tab counted as one: only compared with the same paste's). */
function leadingSpace(text: string): number {
  let k = 0;
  while (k < text.length && k < 256 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
  return k;
}

function joinLines(lines: SourceLine[]): string {
  return lines.map((l) => l.text).join('\n');
}

/**
 * Whether a line with no prompt may be a command. Without prompts: at the start of the output or after a
 * blank line. With prompts (a PS1-less command among prompted ones): before the first output, or inside
 * the output of a netfilter, address, route, conntrack or bridge listing, which never holds a line that
 * starts with a program's name (`iptables -t nat -S` pasted right after a pod's `iptables -t nat -S` and a
 * sentence). kubectl's output (`tier=frontend`) and tcpdump's can, so they are not cut so.
 */
function promptlessCommandAllowed(usesPrompts: boolean, pending: Pending | null, outputHasContent: boolean, previous: SourceLine | undefined, line: string): boolean {
  if (!usesPrompts) return !outputHasContent || previous?.text.trim() === '';
  if (pending === null) return !outputHasContent;
  const kind = pending.info.kindHint;
  return kind !== null && kind !== 'kubectl' && kind !== 'tcpdump-text' && !ASSIGNMENT_LINE.test(line);
}

const ASSIGNMENT_LINE = /^\s*[A-Za-z_]\w*=/;

/** Prose: a sentence of words, not data (`iptables rules of table nat in host machine`). */
const PROSE_LINE = /^[A-Za-z][\w'’,-]*(?: +[\w'’(),.:;/-]+){2,}[.:!?]?$/;

/**
 * Where a trailing paragraph of prose begins in an output: after its last blank line, at most 5 lines,
 * each a sentence with no data-shaped line among them, and data before it. segment.length when none.
 */
function proseTailOf(segment: SourceLine[]): number {
  let blank = -1;
  for (let k = segment.length - 1; k >= Math.max(1, segment.length - 6); k--) {
    if (segment[k]!.text.trim() === '') {
      blank = k;
      break;
    }
  }
  if (blank < 1) return segment.length;
  for (let k = blank + 1; k < segment.length; k++) {
    const text = segment[k]!.text.trim();
    if (text.length > 256 || !PROSE_LINE.test(text) || dataShapeOf(text) !== null || !/[a-z]{3}/.test(text)) return segment.length;
  }
  return blank + 1;
}

const WATCH_HEADER = /^Every \d+(?:\.\d+)?s: /;
const SUDO_PASSWORD = /^(?:\[sudo\] password for [^:\s]{1,64}|Password): ?$/;

/**
 * Lines of Markdown block quotes (`> $ ip route`, `> > 10.0.0.0/24 dev eth0`), as issue threads quote
 * pastes, without their quote marks. A `>` line right after a command or prompt is the shell's
 * continuation prompt (PS2) or a heredoc line, not a quote, and is left as it is.
 */
function withoutQuoteMarks(lines: SourceLine[]): SourceLine[] {
  let quoted = false;
  let out: SourceLine[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    const marked = QUOTE_MARK.test(text.length > 256 ? text.slice(0, 256) : text);
    if (!marked) {
      quoted = false;
      continue;
    }
    if (!quoted) {
      const previous = lines[i - 1]?.text ?? '';
      quoted = previous.trim() === '' || (parsePrompt(previous) === null && !looksLikeCommandLine(previous) && !continuesOnNextLine(previous));
    }
    if (!quoted) continue;
    out ??= lines.slice();
    out[i] = { line: lines[i]!.line, text: text.replace(QUOTE_MARKS, '') };
  }
  return out ?? lines;
}

const QUOTE_MARK = /^ {0,3}>/;
const QUOTE_MARKS = /^(?: {0,3}> ?)+/;

/**
 * A Markdown document whose code blocks are all indented four spaces: a block after a blank line
 * whose first line is a prompt or a command. Output alone indented after a blank line (tcpdump -v,
 * wrapped rules) does not make a document of a transcript.
 */
function hasIndentedCommandBlock(lines: SourceLine[]): boolean {
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    if (!text.startsWith('    ') && !text.startsWith('\t')) continue;
    if (i > 0 && lines[i - 1]!.text.trim() !== '') continue;
    const code = text.trim();
    if (code === '') continue;
    if (parsePrompt(code)?.strength === 'strong' || looksLikeCommandLine(code)) return true;
  }
  return false;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/;

/** `diff -u` output, or a ```diff block: two dumps compared, not a dump. */
function isDiff(segment: SourceLine[], lang: string | null, info: CommandInfo | null): boolean {
  if (lang === 'diff' || lang === 'patch' || info?.program === 'diff') return true;
  for (let k = 0; k < segment.length; k++) {
    const text = segment[k]!.text;
    if (text.startsWith('@@') && HUNK.test(text.slice(0, 64))) return true;
    if (text.startsWith('--- ') && segment[k + 1]?.text.startsWith('+++ ')) return true;
  }
  return false;
}
