/**
 * Reads a file that is one iptables-save dump, start to end, in fixed-size pieces: rules become ruleset
 * tapes as they are read, so memory stays bounded whatever the file's size, and the file is hashed on
 * the way. Only a plain dump is read so (UTF-8 without a byte-order mark, LF or CRLF line breaks, rules appended
 * in order, no text around it); for anything else, or any error, the answer is `not-plain` and the importer reads
 * the file as text, which says precisely what is wrong with it. Nearly every line of a large dump is taken straight
 * from the piece's bytes (dump-rule-bytes.ts); the few others, and any line with a byte past ASCII (a hand-written
 * rule's comment), become a string each and go through the text reader, as a text read would have decoded them.
 */
import { isCancelled } from '../common/cancellation';
import { isAscii, isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { asideLineOf } from '../capture/transcript/aside-lines';
import { IptablesSaveReader, type IptablesSaveSummary } from '../capture/iptables/iptables-save';
import { MAX_LINE_BYTES } from '../capture/line-limit';
import { DumpHashes } from './dump-hashes';
import { RulesetTapeSink, type RulesetTape } from '../model/ruleset-tape';
import { RuleMatchesLater } from '../capture/iptables/iptables-rule-text';
import { KubeProxyIndex, RuleFacts } from '../netfilter/kube-proxy';
import type { ServiceBlock } from '../model/service-block';
import { kubeProxyIndexBlock } from './kube-proxy-records';
import type { NumberedRulesetSink } from '../netfilter/ruleset-sink';
import { DumpRuleBytes } from './dump-rule-bytes';

export type DumpFileRead =
  | {
      kind: 'dump';
      summary: IptablesSaveSummary;
      /** kube-proxy's services in the dump's nat table, gathered as it was read, encoded as stored (null: none). */
      serviceBlock: ServiceBlock | null;
      /** sha256 of the file, and of the capture in it: its first to last non-blank line, without the final line break. */
      fileHash: string;
      captureHash: string;
      firstLine: number;
      lastLine: number;
      /** Lines in the file, blank ones included (a final line break ends the last line). */
      lineCount: number;
    }
  | { kind: 'not-plain'; reason: string }
  /** A line longer than MAX_LINE_BYTES: refused where it is, not read again as text. */
  | { kind: 'overlong-line'; line: number; bytes: number };

const PIECE_BYTES = 1 << 20;

/**
 * `textOnly`: every line read as text, none taken from its bytes (DumpRuleBytes): the reading the byte path must
 * give the same tapes as (dump-rule-bytes.test.ts).
 */
export function readDumpFile(
  readPath: string, shownAs: string, onTape: (tape: RulesetTape) => void, onBytes?: (bytesRead: number) => void, textOnly = false,
): DumpFileRead {
  let fd: number | null = null;
  try {
    fd = fs.openSync(readPath, 'r');
    return readPieces(fd, shownAs, onTape, onBytes, textOnly);
  } catch (e) {
    if (isCancelled(e)) throw e;
    if (e instanceof OverlongLine) return { kind: 'overlong-line', line: e.line, bytes: e.bytes };
    return { kind: 'not-plain', reason: e instanceof Error ? e.message : String(e) };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

class NotPlain extends Error {}

class OverlongLine extends Error {
  constructor(readonly line: number, readonly bytes: number) {
    super(`line ${line} is longer than ${MAX_LINE_BYTES} bytes`);
  }
}

function readPieces(fd: number, shownAs: string, onTape: (tape: RulesetTape) => void, onBytes: ((bytesRead: number) => void) | undefined, textOnly: boolean): DumpFileRead {
  const tapes = new RulesetTapeSink(onTape);
  // Only the service block is asked of it: the entry rules' text is not kept.
  const services = new KubeProxyIndex(true, false);
  // Each rule goes into a chunk at once: no record is kept to share.
  const reader = new IptablesSaveReader(shownAs, 1, teeSink(tapes, services), 'later');
  const hashes = new DumpHashes();
  let buffer = Buffer.allocUnsafe(PIECE_BYTES);
  // Bytes of an unfinished line, carried at the start of `buffer` into the next read.
  let kept = 0;
  let bytesRead = 0;
  const cut = new LineCutter(reader, textOnly ? null : new DumpRuleBytes(reader, tapes, services));
  let eof = false;
  while (!eof) {
    if (kept === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
    const n = fs.readSync(fd, buffer, kept, buffer.length - kept, null);
    eof = n === 0;
    const fresh = buffer.subarray(kept, kept + n);
    // indexOf with a number offset, as the line loop calls it: includes() passes undefined, which throws away its optimized code.
    if (fresh.indexOf(0, 0) >= 0) throw new NotPlain('NUL bytes');
    // Read as text, a byte-order mark is dropped from the text the capture is hashed as.
    if (bytesRead === 0 && n >= 3 && fresh[0] === 0xef && fresh[1] === 0xbb && fresh[2] === 0xbf) throw new NotPlain('a byte-order mark');
    bytesRead += n;
    const data = buffer.subarray(0, kept + n);
    const hasCr = data.indexOf(13, 0) >= 0;
    hashes.read(data, kept, hasCr);
    const linesEnd = Math.min(cut.piece(data, eof, hasCr, isAscii(data)), data.length);
    if (cut.firstLine !== 0) {
      if (cut.contentEnd >= 0) {
        hashes.content(lf(data.subarray(cut.hashFrom, cut.contentEnd), hasCr));
        cut.hashFrom = cut.contentEnd;
      }
      if (linesEnd > cut.hashFrom) hashes.blank(lf(data.subarray(cut.hashFrom, linesEnd), hasCr));
    }
    kept = data.length - linesEnd;
    // An unfinished line already past the limit is refused before the buffer grows for the rest of it.
    if (kept > MAX_LINE_BYTES) throw new OverlongLine(reader.lines + 1, kept);
    buffer.copy(buffer, 0, linesEnd, data.length);
    onBytes?.(bytesRead);
  }
  const summary = reader.finish();
  tapes.flush();
  return {
    kind: 'dump', summary, serviceBlock: kubeProxyIndexBlock(services), ...hashes.finish(), firstLine: cut.firstLine, lastLine: cut.lastLine,
    lineCount: reader.lines,
  };
}

/**
 * Cuts each piece into lines for the reader and notes where the capture's non-blank lines are. Its own function, not
 * the piece loop's body: the line loop is optimized while the first piece is read, before the code after it ever
 * ran, and the piece loop's code would then be compiled again at the end of every piece whose code was not yet seen.
 */
class LineCutter {
  /** The capture's first and last non-blank lines (0: none yet). */
  firstLine = 0;
  lastLine = 0;
  /** Where the capture's unhashed bytes start in the piece, and where its last non-blank line in the piece ends (-1: none). */
  hashFrom = 0;
  contentEnd = -1;

  constructor(
    private readonly reader: IptablesSaveReader,
    private readonly rules: DumpRuleBytes | null,
  ) {}

  /**
   * Hands the reader the lines of `data` (the last one only at `eof`); returns where the lines read end (past `data`'s
   * end when the last had no line break). `ascii`: no byte of `data` is past ASCII.
   */
  piece(data: Buffer, eof: boolean, hasCr: boolean, ascii: boolean): number {
    const { reader, rules } = this;
    let from = 0;
    // Where the next byte past ASCII is, at or after `from` (data.length: none); looked for only in a piece holding one.
    let high = ascii ? data.length : -1;
    this.hashFrom = 0;
    this.contentEnd = -1;
    for (;;) {
      let stop = data.indexOf(10, from);
      if (stop < 0) {
        if (!eof || from >= data.length) break;
        stop = data.length;
      }
      const end = stop > from && data[stop - 1] === 13 ? stop - 1 : stop;
      if (end - from > MAX_LINE_BYTES) throw new OverlongLine(reader.lines + 1, end - from);
      if (end < stop && stop === data.length) throw new NotPlain('CR line breaks');
      if (high < from) high = nextHigh(data, from);
      const plain = high >= end;
      const first = data[from];
      // Nearly every line of a large dump: a rule or chain taken from its bytes (neither holds a CR: both decline one).
      const taken = plain && rules !== null && (first === 58 ? rules.takeChain(data, from, end) : (first === 45 || first === 91) && rules.take(data, from, end));
      if (taken) {
        this.content(from, end);
        from = stop + 1;
        continue;
      }
      // A string per line, not views into one per piece: what the reader keeps (comments, chain names)
      // then holds on to its line only.
      const line = plain ? data.toString('latin1', from, end) : utf8Line(data, from, end);
      // A CR that does not end a line ends one as text reads it (old Mac line breaks): not this reader's.
      if (hasCr && line.includes('\r')) throw new NotPlain('CR line breaks');
      // A message printed with the dump (`# Warning: iptables-legacy tables present`) must reach the user: the text path names it.
      if (line.charCodeAt(0) === 35 && asideLineOf(line)?.kind === 'noise') throw new NotPlain('a warning printed with the dump');
      reader.line(line, 0, line.length);
      if (!isBlank(line)) this.content(from, end);
      from = stop + 1;
    }
    // Only the return after the loop: the loop is optimized on stack (OSR) before its exit ever ran, and that code,
    // entered again on every piece, would be thrown away at the first operation after the loop that needs feedback.
    return from;
  }

  /** The line the reader read last, at [from, end) of the piece, is not blank. */
  private content(from: number, end: number): void {
    if (this.firstLine === 0) {
      this.firstLine = this.reader.lines;
      this.hashFrom = from;
    }
    this.lastLine = this.reader.lines;
    this.contentEnd = end;
  }
}

/**
 * Hands every call to both the rows to store and kube-proxy's index, which reads the parsed rules: the comment
 * of a rule whose matches are not read yet comes from the reader's scan, so only the few rules the index looks
 * into (the services' entry rules) have their matches read.
 */
function teeSink(a: RulesetTapeSink, b: KubeProxyIndex): NumberedRulesetSink {
  const facts = new RuleFacts();
  return {
    table: (name, line) => (a.table(name, line), b.table(name)),
    chain: (head, number) => (a.chain(head, number), b.chain(head, number)),
    rule: (chain, at, rule, number, jumpNumber) => {
      a.rule(chain, at, rule, number);
      facts.rule = rule;
      const lexed = rule instanceof RuleMatchesLater;
      facts.knownComment = lexed ? rule.comment : undefined;
      facts.frontendSource = lexed ? rule : null;
      b.facts(chain, facts, number, jumpNumber);
    },
    commit: () => (a.commit(), b.commit()),
  };
}

/** The first byte past ASCII at or after `from`, or data.length. */
function nextHigh(data: Buffer, from: number): number {
  for (let i = from; i < data.length; i++) if (data[i]! >= 0x80) return i;
  return data.length;
}

/**
 * A line with a byte past ASCII, decoded as a text read decodes the file. Bytes that are not UTF-8 would become
 * U+FFFD there, and the capture would be hashed as that text: the whole file is left to the text path.
 */
function utf8Line(data: Buffer, from: number, end: number): string {
  if (!isUtf8(data.subarray(from, end))) throw new NotPlain('not UTF-8');
  return data.toString('utf8', from, end);
}

/**
 * The capture is hashed as the text path cuts it, with LF line breaks: CRLF ones lose their CR. One function, not a
 * closure made per piece: optimized code that called one closure is thrown away when the next piece calls another.
 */
function lf(bytes: Buffer, hasCr: boolean): Buffer {
  return hasCr ? Buffer.from(bytes.toString('latin1').replaceAll('\r', ''), 'latin1') : bytes;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}
