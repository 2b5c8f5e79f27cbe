/** One capture unit cut from a text file → the store (the caller holds the transaction). */
import type { CaptureUnit } from '../capture/capture-unit';
import { recordCount, type CaptureKind } from '../capture/records';
import type { Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { sha256Text } from './content-hash';
import { noteNode, type FileOutcome } from './file-outcome';
import type { InputFile } from './input-walk';
import { storeKubeProxyServices } from './kube-proxy-records';
import { kubeProxyServices } from '../netfilter/kube-proxy';
import { nodeNameFor } from './node-name';

export interface UnitContext {
  store: Store;
  readers: CaptureReaders;
  file: InputFile;
  override: string | null;
  outcome: FileOutcome;
  /** Texts already hashed (the whole file, the one capture it is): a unit that is one of them is not hashed again. */
  hashed?: ReadonlyArray<{ text: string; hash: string }>;
  /** Reports bytes read (when known) and records stored so far. */
  progress: ((bytesDone: number | null, records: number) => void) | null;
}

/** Packets between progress reports while a tcpdump text unit streams in. */
const PROGRESS_EVERY = 65_536;

export function storeUnit(ctx: UnitContext, unit: CaptureUnit, sourceId: number): void {
  const { store, outcome } = ctx;
  const node = nodeNameFor(ctx.override, unit.node, ctx.file);
  const nodeId = store.ensureNode(node);
  const source = `${unit.file}:${unit.firstLine}`;
  const hash = ctx.hashed?.find((h) => h.text === unit.input.text)?.hash ?? sha256Text(unit.input.text);
  const existing = store.findCaptureByContent(nodeId, unit.kind, unit.namespace, hash);
  if (existing !== null) {
    noteAlreadyImported(outcome, node, source, unit.kind, existing, [unit.firstLine, unit.lastLine]);
    return;
  }
  const id = store.insertCapture({
    nodeId, sourceId, kind: unit.kind, namespace: unit.namespace, sourceFile: unit.file, firstLine: unit.firstLine,
    lastLine: unit.lastLine, command: unit.command, partial: unit.partial, contentHash: hash, takenAt: null,
  });
  let records: number;
  let takenAt: string | null;
  let detail: unknown = null;
  if (unit.kind === 'tcpdump-text') {
    const writer = store.packetWriter(id);
    let n = 0;
    const summary = ctx.readers.parseTcpdumpUnit(unit, (p) => {
      writer.add(p);
      if (++n % PROGRESS_EVERY === 0) ctx.progress?.(null, n);
    });
    writer.flush();
    records = summary.packets;
    takenAt = summary.firstPacketAt ?? ctx.file.collected?.takenAt ?? null;
    detail = { linkTypes: summary.linkTypes, interfaces: summary.interfaces };
  } else {
    const parsed = ctx.readers.parseCaptureUnit(unit);
    store.insertRecords(id, parsed);
    if (parsed.kind === 'iptables-save' || parsed.kind === 'iptables-list') {
      storeKubeProxyServices(store, id, kubeProxyServices(parsed.ruleset));
      for (const w of parsed.warnings ?? []) outcome.warnings.push({ source: `${unit.file}:${w.line}`, message: `${unit.kind}: ${w.message}` });
    }
    records = recordCount(parsed);
    // A collector's manifest says in UTC when the command ran; the text's own time is a fallback.
    takenAt = ctx.file.collected?.takenAt ?? parsed.takenAt;
  }
  store.finishCapture(id, records, takenAt, detail);
  ctx.progress?.(null, records);
  noteNode(outcome, node);
  outcome.captures.push({
    id, node, kind: unit.kind, source, takenAt, records, netns: unit.namespace?.name ?? null, lines: [unit.firstLine, unit.lastLine],
  });
}

/** `lines`: the span of the output found already stored, so a reader of the report can place it. */
export function noteAlreadyImported(outcome: FileOutcome, node: string, source: string, kind: CaptureKind, existing: number, lines: [number, number]): void {
  noteNode(outcome, node);
  outcome.warnings.push({ source, message: `${kind} already imported as capture ${existing} of node ${node}; not stored again`, lines });
}
