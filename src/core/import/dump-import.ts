/**
 * A file that is one plain iptables-save dump goes straight from disk to the store: read in pieces by a
 * worker thread, its rows written as they come, in one transaction. Hashes are known only at the end, so
 * the capture is stored first under a placeholder and placed once they are; the same content already
 * stored rolls it all back. Anything readDumpFile does not call plain is rolled back too and read as text.
 */
import { randomUUID } from 'node:crypto';
import type { DumpFileRead } from './dump-file-read';
import { noteNode } from './file-outcome';
import type { FileAccount } from './import-report';
import { storeKubeProxyBlock } from './kube-proxy-records';
import { overlongLineError } from '../capture/line-limit';
import { nodeNameFor } from './node-name';
import { noteAlreadyImported, type UnitContext } from './unit-import';
import type { InputFile } from './input-walk';

/** Rules and chains are appended: their pages are not read again during the import. */
const STREAM_CACHE_KIB = 8192;

/** Rolls the streamed import back. */
class Undo extends Error {
  constructor(readonly read: DumpFileRead, readonly existing: number | null) {
    super('undo the streamed import');
  }
}

/** True when the file was imported (or found already imported) this way; false: read it as text. */
export function importDumpFile(ctx: UnitContext, size: number): boolean {
  const { store, file, outcome } = ctx;
  const readDumpFile = ctx.readers.readDumpFile?.bind(ctx.readers);
  if (readDumpFile === undefined) return false;
  const node = nodeNameFor(ctx.override, null, file);
  let stored: { id: number; read: Extract<DumpFileRead, { kind: 'dump' }> };
  try {
    stored = store.withPageCache(STREAM_CACHE_KIB, () => store.transaction(() => {
      const nodeId = store.ensureNode(node);
      const id = store.insertCapture({
        nodeId, sourceId: null, kind: 'iptables-save', namespace: null, sourceFile: file.path, firstLine: null, lastLine: null,
        command: file.collected?.command ?? null, partial: false, contentHash: `pending:${randomUUID()}`, takenAt: null,
      });
      const writer = store.rulesetTapeWriter(id);
      const { progress } = ctx;
      // The reader runs ahead of the writer: the file is whole only in the report after its rules are all written.
      const read = readDumpFile(file.readPath, file.path, size, (tape) => writer.write(tape), progress ? (bytes) => progress(Math.min(bytes, size - 1), writer.rulesWritten) : undefined);
      if (read.kind !== 'dump') throw new Undo(read, null);
      const existing = store.findCaptureByContent(nodeId, 'iptables-save', null, read.captureHash);
      if (existing !== null) throw new Undo(read, existing);
      writer.finish(read.summary.family, read.summary.countersShown);
      store.startWriteback();
      const sourceId = store.findSource(read.fileHash) ?? store.insertSource(file.path, read.fileHash, size);
      store.placeCapture(id, sourceId, read.captureHash, read.firstLine, read.lastLine);
      storeKubeProxyBlock(store, id, read.serviceBlock);
      store.finishCapture(id, read.summary.rules, takenAtOf(file, read.summary.takenAt), null);
      store.setCaptureScope(id, { of: 'ruleset', part: { kind: 'whole' }, filtered: false });
      return { id, read };
    }));
  } catch (e) {
    if (!(e instanceof Undo)) throw e;
    if (e.read.kind === 'overlong-line') throw overlongLineError(file.path, e.read.line);
    if (e.existing === null || e.read.kind !== 'dump') return false;
    outcome.account = dumpAccount(file.path, e.read);
    noteAlreadyImported(outcome, node, `${file.path}:${e.read.firstLine}`, 'iptables-save', e.existing, [e.read.firstLine, e.read.lastLine]);
    return true;
  }
  const { id, read } = stored;
  ctx.progress?.(size, read.summary.rules);
  noteNode(outcome, node);
  outcome.account = dumpAccount(file.path, read);
  outcome.captures.push({
    id, node, kind: 'iptables-save', source: `${file.path}:${read.firstLine}`, takenAt: takenAtOf(file, read.summary.takenAt), records: read.summary.rules, netns: null,
    lines: [read.firstLine, read.lastLine],
  });
  for (const w of read.summary.warnings) outcome.warnings.push({ source: `${file.path}:${w.line}`, message: `iptables-save: ${w.message}` });
  return true;
}

/**
 * A plain dump is read line by line, any line it cannot read rolling the fast path back: every data-shaped
 * line in it (the rule and chain lines, see data-shape.ts) was read, so they are counted, not classified again.
 */
function dumpAccount(file: string, read: Extract<DumpFileRead, { kind: 'dump' }>): FileAccount {
  const data = read.summary.rules + read.summary.chainLines;
  return { file, lines: read.lineCount, dataLines: data, readDataLines: data, warnedDataLines: 0, kept: [] };
}

/** A collector's manifest says in UTC when iptables-save ran; the dump's own `# Generated ... on` is a fallback. */
function takenAtOf(file: InputFile, fromDump: string | null): string | null {
  return file.collected?.takenAt ?? fromDump;
}
