/**
 * One input file → the store, in ONE transaction: a rejected file leaves nothing behind.
 * In a single-capture file any parse error rejects the file; in a transcript a unit that fails
 * to parse is rolled back to its savepoint, kept as text and reported as a warning.
 */
import { capturedTunnels } from './captured-tunnels';
import { TunnelProblems } from '../capture/pcap/tunnel-problems';
import { isAscii } from 'node:buffer';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { CaptureError } from '../capture/capture-error';
import type { CaptureUnit, SplitResult } from '../capture/capture-unit';
import { isDatabaseError, type Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { sha256Bytes, sha256File, sha256Text, sha256TextAndPrefix } from './content-hash';
import { describeFsError, type InputFile } from './input-walk';
import type { ImportOptions } from './import-report';
import { noteNode, type FileOutcome } from './file-outcome';
import { problemOf } from './import-report';
import { nodeNameFor } from './node-name';
import { LineCursor, LineIndex } from './line-index';
import { packetDetail, storeUnit, type UnitContext } from './unit-import';
import { importDumpFile } from './dump-import';
import { accountLines, type LineSpan, type UnreadBlock } from './line-account';
import { dataLinesOf } from '../capture/transcript/data-shape';
import { looksLikeIptablesSave } from '../capture/iptables/iptables-sniff';
import { archiveFormatOf } from './archive';
import { splitFileText, warnCollectedKept } from './collected-file';
import { FileWarnings } from './warning-cap';
import { LineLengthScanner, MAX_LINE_BYTES, overlongLineError } from '../capture/line-limit';
import { looksBinary, withoutNulBytes } from '../capture/nul-bytes';
import { appendAll } from '../common/append-all';
import { isCancelled, throwIfCancelled } from '../common/cancellation';

/** Bytes read to tell a pcap/pcapng from text. */
const HEAD_BYTES = 64 * 1024;
/** Files this large are imported with the store's bulk journal (Store.withBulkJournal). */
const BULK_BYTES = 4 * 1024 * 1024;
/**
 * The page cache while a pcap is stored. Its packet and tuple blocks are appended and their pages not read again, so
 * the project's 64 MiB cache only held the whole capture's pages until the commit: each a fresh page of memory
 * (~17,000 page faults and +55 MB peak RSS for a million packets over a million connections, ~4% of its CPU).
 */
const PACKET_CACHE_KIB = 8192;
/** Larger text files are refused rather than read whole into one string (V8's limit is ~512 MiB). */
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;

export function importFile(store: Store, readers: CaptureReaders, file: InputFile, options: ImportOptions): FileOutcome {
  return withWarningsCapped(file.path, importWhole(store, readers, file, options));
}

/** At most WARNINGS_KEPT_PER_FILE warnings per file are reported; the rest are counted in one (warning-cap.ts). */
function withWarningsCapped(file: string, outcome: FileOutcome): FileOutcome {
  const warnings = new FileWarnings(file);
  warnings.addAll(outcome.warnings);
  if (warnings.omitted === 0) return outcome;
  if (outcome.account) outcome.account.warningsOmitted = warnings.omitted;
  return { ...outcome, warnings: warnings.list() };
}

function importWhole(store: Store, readers: CaptureReaders, file: InputFile, options: ImportOptions): FileOutcome {
  const outcome: FileOutcome = { captures: [], nodes: [], warnings: [], errors: [], account: null };
  let fd: number;
  let size: number;
  let head: Uint8Array;
  try {
    fd = fs.openSync(file.readPath, 'r');
    try {
      size = fs.fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(HEAD_BYTES, size));
      const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    outcome.errors.push({ source: file.path, message: describeFsError(e) });
    return outcome;
  }

  const ctx: UnitContext = {
    store, readers, file, override: options.node ?? null, interfaceOverride: options.interface ?? null, outcome,
    // Progress reports are where long reads pause: a cancel is checked there, and throws through the transaction.
    progress: options.onProgress || options.signal
      ? (bytesDone, records) => {
        throwIfCancelled(options.signal, `the import of ${file.path}`);
        options.onProgress?.({ file: file.path, bytesDone, bytesTotal: size, records });
      }
      : null,
    cancelPoint: () => throwIfCancelled(options.signal, `the import of ${file.path}`),
  };
  try {
    if (size >= BULK_BYTES) store.withBulkJournal(() => importByContent(ctx, head, size));
    else importByContent(ctx, head, size);
  } catch (e) {
    if (isDatabaseError(e) || isCancelled(e)) throw e;
    // A rejected file stores nothing: its data lines are covered by the error, none was read, and the
    // error says which lines it covers (all of them), as a warning about unread data does.
    const error = problemOf(e, file.path);
    const lines = outcome.account?.lines ?? 0;
    if (lines > 0) error.lines = [1, lines];
    return { captures: [], nodes: [], warnings: [], errors: [error], account: outcome.account };
  }
  return outcome;
}

function importByContent(ctx: UnitContext, head: Uint8Array, size: number): void {
  const { store, readers, file, outcome } = ctx;
  if (readers.isPacketCapture(head)) {
    importPacketFile(ctx, size);
  } else if (file.inArchive && archiveFormatOf(head) !== null) {
    outcome.warnings.push({ source: file.path, message: 'an archive inside an archive is not unpacked; not imported' });
  } else if (looksBinary(head)) {
    outcome.errors.push({ source: file.path, message: 'not a text capture or pcap/pcapng (binary content)' });
  } else if (looksLikeIptablesSave(Buffer.from(head).toString('latin1')) && importDumpFile(ctx, size)) {
    // Streamed: one plain iptables-save dump, of any size.
  } else if (size > MAX_TEXT_BYTES) {
    outcome.errors.push({
      source: file.path,
      message: `a ${Math.round(size / 1048576)} MiB text file is larger than natlens reads as text (${MAX_TEXT_BYTES / 1048576} MiB); split it`,
    });
  } else {
    importTextFile(ctx, size);
  }
}

/** A streamed pcap turned out to be stored already: its rows are rolled back. */
class AlreadyStored extends Error {
  constructor(readonly existing: number) {
    super('the pcap is already stored');
  }
}

function importPacketFile(ctx: UnitContext, size: number): void {
  const { store, file, outcome } = ctx;
  const node = nodeNameFor(ctx.override, null, file);
  try {
    store.withPageCache(PACKET_CACHE_KIB, () => store.transaction(() => storePacketFile(ctx, node, size)));
  } catch (e) {
    if (!(e instanceof AlreadyStored)) throw e;
    outcome.warnings.push({ source: file.path, message: alreadyImported(e.existing, node) });
  }
}

function alreadyImported(existing: number, node: string): string {
  return `pcap already imported as capture ${existing} of node ${node}; not stored again`;
}

/**
 * The file is hashed as it is read, unless the project holds a source of its size: only then can it be stored
 * already, and it is hashed first, so that a re-import of a big pcap costs a hash rather than a parse.
 */
function storePacketFile(ctx: UnitContext, node: string, size: number): void {
  const { store, readers, file, outcome } = ctx;
  const known = store.hasSourceOfSize(size) ? sha256File(file.readPath) : null;
  const nodeId = store.ensureNode(node);
  noteNode(outcome, node);
  outcome.account = { file: file.path, lines: 0, dataLines: 0, readDataLines: 0, warnedDataLines: 0, kept: [] };
  if (known !== null) {
    const existing = store.findCaptureByContent(nodeId, 'pcap', null, known);
    if (existing !== null) {
      outcome.warnings.push({ source: file.path, message: alreadyImported(existing, node) });
      return;
    }
  }
  const id = store.insertCapture({
    nodeId, sourceId: known === null ? null : (store.findSource(known) ?? store.insertSource(file.path, known, size)),
    kind: 'pcap', namespace: null, sourceFile: file.path, firstLine: null, lastLine: null,
    command: file.collected?.command ?? null, partial: false, contentHash: known ?? `pending:${randomUUID()}`, takenAt: null,
  });
  const hash = known === null ? createHash('sha256') : null;
  const writer = store.packetWriter(id);
  const tunnelProblems = new TunnelProblems();
  let records = 0;
  const { progress } = ctx;
  // The reader reports a piece as it reads it, before its packets are counted: each report names the bytes whose
  // packets are all counted (the pieces before), and the last one the whole file with every packet, so a line at
  // 100% never shows fewer packets than were stored.
  let counted = 0;
  const summary = shownAs(file, () =>
    readers.readPacketCapture(
      file.readPath,
      (p) => {
        writer.add(p);
        records++;
        if (p.tunnelProblem != null) tunnelProblems.note(`${file.path}#${p.frame}`, p.tunnelProblem);
      },
      progress
        ? (bytesDone) => {
          progress(counted, records);
          counted = bytesDone;
        }
        : undefined,
      hash === null ? undefined : (bytes) => hash.update(bytes),
      // The writer copies what it stores out of each record (PacketStore.writer): one record serves every frame;
      // it keys tuples on IPv4 numbers and keeps no MACs, so no text is made for either.
      { reuseRecords: true, addressText: false },
    ),
  );
  writer.flush();
  for (const w of tunnelProblems.warnings()) outcome.warnings.push(w);
  progress?.(size, records);
  if (hash !== null) {
    const digest = hash.digest('hex');
    // Without a source of this size no capture should hold this content; one whose source was removed still may.
    const existing = store.findCaptureByContent(nodeId, 'pcap', null, digest);
    if (existing !== null) throw new AlreadyStored(existing);
    store.placeCapture(id, store.findSource(digest) ?? store.insertSource(file.path, digest, size), digest, null, null);
  }
  // Packets carry their own clock; a collector's manifest times a capture that caught none.
  const takenAt = summary.firstPacketAt ?? file.collected?.takenAt ?? null;
  store.finishCapture(id, summary.packets, takenAt, packetDetail(ctx, summary, undefined));
  store.setCaptureScope(id, { of: 'observations' });
  outcome.captures.push({
    id, node, kind: 'pcap', source: file.path, takenAt, records: summary.packets, netns: null, lines: null, ...capturedTunnels(store, id),
  });
}

function importTextFile(ctx: UnitContext, size: number): void {
  const { store, readers, file, outcome } = ctx;
  // Before the file is read whole and becomes a string and lines: an endless line costs many times its size.
  const overlong = size > MAX_LINE_BYTES ? overlongLineOfFile(file.readPath) : null;
  if (overlong !== null) throw overlongLineError(file.path, overlong.line);
  const { cancelPoint } = ctx;
  cancelPoint?.();
  const raw = fs.readFileSync(file.readPath);
  cancelPoint?.();
  const { bytes, lines: nulLines } = withoutNulBytes(raw);
  for (const { line, count } of nulLines) {
    outcome.warnings.push({ source: `${file.path}:${line}`, message: `${count === 1 ? 'a NUL byte' : `${count} NUL bytes`} in this line, left out of the text` });
  }
  // A byte-order mark is not content: line 1 must read the same with or without one.
  const utf8 = bytes.toString('utf8');
  const text = utf8.charCodeAt(0) === 0xfeff ? utf8.slice(1) : utf8;
  // A collector's command that printed nothing: the manifest records that it ran.
  if (file.collected !== undefined && text.trim() === '') return;
  cancelPoint?.();
  const split: SplitResult = splitFileText((input) => readers.splitTextCapture(input), file, text, cancelPoint);
  cancelPoint?.();
  const { data, lineCount } = dataLinesOf(text, 1, cancelPoint);
  cancelPoint?.();
  // A collected file's kept output is warned about whole (warnCollectedKept), data-shaped or not.
  const collected = file.collected !== undefined;
  const unread: UnreadBlock[] = split.kept.map((b) => ({ first: b.firstLine, last: b.lastLine, command: b.command, reason: b.reason, warned: collected }));
  if (collected) warnCollectedKept(split, outcome);
  // Until the captures are stored, as if the file were rejected: every data line covered by the error.
  outcome.account = { file: file.path, lines: lineCount, dataLines: data.count, readDataLines: 0, warnedDataLines: data.count, kept: [] };
  if (split.units.length === 0 && (!collected || split.kept.length === 0)) {
    const message = size === 0 ? 'empty file' : 'no capture natlens reads was recognised in it';
    if (file.explicit) outcome.errors.push({ source: file.path, message });
    else outcome.warnings.push({ source: file.path, message: `${message}; not imported` });
    const accounted = accountLines(file.path, lineCount, data, [], unread);
    appendAll(outcome.warnings, accounted.warnings);
    outcome.account = accounted.account;
    return;
  }
  for (const w of split.warnings) outcome.warnings.push({ source: `${w.file}:${w.line}`, message: w.message });
  const read: LineSpan[] = [];
  const transcript = isTranscript(split);
  store.transaction(() => {
    const only = transcript ? null : split.units[0].input.text;
    const ascii = isAscii(bytes) ? bytes : null;
    let hash: string;
    if (only !== null && only !== text && only.length > 0 && text.startsWith(only)) {
      const both = sha256TextAndPrefix(text, only.length, ascii);
      hash = both.whole;
      ctx.hashed = [{ text, hash }, { text: only, hash: both.prefix }];
    } else {
      hash = ascii === null ? sha256Text(text) : sha256Bytes(ascii);
      ctx.hashed = [{ text, hash }];
    }
    cancelPoint?.();
    const knownSource = store.findSource(hash);
    const sourceId = knownSource ?? store.insertSource(file.path, hash, size);
    let lines: LineIndex | null = null;
    const textOf = (first: number, last: number): string => (lines ??= new LineIndex(text)).slice(first, last);
    // Offsets in the text are bytes of the file when it is ASCII, and a little fewer otherwise.
    const cursor = new LineCursor(text);
    ctx.bytesBeforeLine = (line) => Math.min(size, cursor.startOf(line));
    for (const unit of split.units) {
      if (!transcript) {
        storeUnit(ctx, unit, sourceId);
        read.push({ first: unit.firstLine, last: unit.lastLine });
        continue;
      }
      try {
        store.transaction(() => storeUnit(ctx, unit, sourceId));
        read.push({ first: unit.firstLine, last: unit.lastLine });
      } catch (e) {
        if (isDatabaseError(e) || isCancelled(e)) throw e;
        const problem = problemOf(e, `${unit.file}:${unit.firstLine}`);
        outcome.warnings.push({ source: problem.source, message: `${unit.kind}: ${problem.message}; kept as text`, lines: [unit.firstLine, unit.lastLine] });
        unread.push({ first: unit.firstLine, last: unit.lastLine, command: unit.command, reason: `${unit.kind} not read: ${problem.message}`, warned: true });
        if (knownSource === null) {
          store.insertTextBlock({
            sourceId, node: nodeNameFor(ctx.override, unit.node, file), sourceFile: unit.file, firstLine: unit.firstLine, lastLine: unit.lastLine,
            command: unit.command, reason: `${unit.kind} not read: ${problem.message}`, text: unit.input.text,
          });
        }
      }
    }
    if (knownSource !== null) return;
    for (const block of split.kept) {
      store.insertTextBlock({
        sourceId, node: ctx.override ?? block.node, sourceFile: block.file, firstLine: block.firstLine, lastLine: block.lastLine,
        command: block.command, reason: block.reason, text: textOf(block.firstLine, block.lastLine),
      });
    }
  });
  unread.sort((a, b) => a.first - b.first);
  const accounted = accountLines(file.path, lineCount, data, read, unread);
  appendAll(outcome.warnings, accounted.warnings);
  outcome.account = accounted.account;
}

/** The file's first line longer than MAX_LINE_BYTES, read a piece at a time. */
function overlongLineOfFile(readPath: string): { line: number } | null {
  const scanner = new LineLengthScanner();
  const piece = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(readPath, 'r');
  try {
    for (let n = fs.readSync(fd, piece); n > 0; n = fs.readSync(fd, piece)) {
      const found = scanner.push(piece.subarray(0, n));
      if (found !== null) return found;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A file is a transcript (units fail one by one) when it holds more than one capture, text beside
 * them, or a command or prompt; otherwise it is a single capture, all or nothing.
 */
function isTranscript(split: SplitResult): boolean {
  if (split.units.length !== 1 || split.kept.length > 0) return true;
  const unit: CaptureUnit = split.units[0];
  return unit.command !== null || unit.node !== null;
}

/** A reader names the file it opened; errors name it as the user gave it. */
function shownAs<T>(file: InputFile, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof CaptureError && e.place.file === file.readPath && file.readPath !== file.path)
      throw new CaptureError({ ...e.place, file: file.path }, e.reason);
    throw e;
  }
}
