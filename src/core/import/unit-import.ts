/** One capture unit cut from a text file → the store (the caller holds the transaction). */
import { capturedTunnels } from './captured-tunnels';
import { TunnelProblems } from '../capture/pcap/tunnel-problems';
import type { CaptureUnit } from '../capture/capture-unit';
import { captureScope } from '../capture/capture-scope';
import { analyseCommand } from '../capture/transcript/command';
import fs from 'node:fs';
import { recordCount, type CaptureKind, type PacketCaptureSummary, type ParsedCapture } from '../records/records';
import { fileModifiedAt } from '../model/packet-capture-detail';
import { CLUSTER_OWNER, type Store } from '../model/store';
import type { CaptureReaders } from './capture-readers';
import { sha256Text } from './content-hash';
import { noteNode, type FileOutcome } from './file-outcome';
import type { InputFile } from './input-walk';
import { storeKubeProxyRuleset } from './kube-proxy-records';
import { nodeNameFor } from './node-name';

export interface UnitContext {
  store: Store;
  readers: CaptureReaders;
  file: InputFile;
  override: string | null;
  /** `import --interface`, stored with every packet capture. */
  interfaceOverride?: string | null;
  outcome: FileOutcome;
  /** Texts already hashed (the whole file, the one capture it is): a unit that is one of them is not hashed again. */
  hashed?: ReadonlyArray<{ text: string; hash: string }>;
  /** Reports bytes read (when known) and records stored so far. */
  progress: ((bytesDone: number | null, records: number) => void) | null;
  /** The bytes of the file before a line of it (for progress), when the caller knows them. */
  bytesBeforeLine?: (line: number) => number;
  /** Throws CancelledError when the import was cancelled: called between the steps of reading a file. */
  cancelPoint?: () => void;
}

export function storeUnit(ctx: UnitContext, unit: CaptureUnit, sourceId: number): void {
  const { store, outcome } = ctx;
  // kubectl output describes the cluster, not the node of the prompt, the folder or the file; a pod's own
  // output (`kubectl exec POD -- ip addr`) is not of kind kubectl and stays with its node.
  const cluster = unit.kind === 'kubectl' && unit.namespace === null;
  const node = cluster ? CLUSTER_OWNER : nodeNameFor(ctx.override, unit.node, ctx.file);
  const nodeId = cluster ? store.ensureClusterOwner() : store.ensureNode(node);
  const source = `${unit.file}:${unit.firstLine}`;
  const hash = ctx.hashed?.find((h) => h.text === unit.input.text)?.hash ?? sha256Text(unit.input.text, ctx.cancelPoint);
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
  let parsed: ParsedCapture | null = null;
  // Records of this unit stored so far: streamed kinds store as they read, so a report every few thousand lines
  // covers both (and a cancel is heard while either runs).
  let streamed = 0;
  const { progress, bytesBeforeLine } = ctx;
  const reading: CaptureUnit = progress === null
    ? unit
    : { ...unit, input: { ...unit.input, onLines: (line) => progress(bytesBeforeLine?.(line) ?? null, streamed) } };
  if (unit.kind === 'tcpdump-text') {
    const writer = store.packetWriter(id);
    const tunnelProblems = new TunnelProblems();
    const summary = ctx.readers.parseTcpdumpUnit(reading, (p) => {
      writer.add(p);
      streamed++;
      if (p.tunnelProblem != null) tunnelProblems.note(`${unit.file}:${p.line}`, p.tunnelProblem);
    });
    writer.flush();
    for (const w of tunnelProblems.warnings()) outcome.warnings.push({ source: w.source, message: `${unit.kind}: ${w.message}` });
    records = summary.packets;
    takenAt = summary.firstPacketAt ?? ctx.file.collected?.takenAt ?? null;
    detail = packetDetail(ctx, summary, 'clock' in summary && typeof summary.clock === 'string' ? summary.clock : undefined);
  } else if (unit.kind === 'conntrack' && ctx.readers.parseConntrackUnit !== undefined) {
    const writer = store.conntrackWriter(id);
    const summary = ctx.readers.parseConntrackUnit(reading, (entry) => {
      writer.add(entry);
      streamed++;
    });
    writer.flush();
    for (const w of summary.warnings) outcome.warnings.push({ source: `${unit.file}:${w.line}`, message: `${unit.kind}: ${w.message}` });
    records = summary.entries;
    takenAt = ctx.file.collected?.takenAt ?? null;
  } else {
    parsed = ctx.readers.parseCaptureUnit(reading);
    // Parsed whole, then stored: the text is read by now, so the insert's reports keep the bytes at the unit's end and
    // count the records stored.
    const read = progress === null ? null : (bytesBeforeLine?.(unit.lastLine + 1) ?? null);
    store.insertRecords(id, parsed, progress === null ? undefined : (rows) => progress(read, rows));
    if (parsed.kind === 'iptables-save' || parsed.kind === 'iptables-list') {
      ctx.cancelPoint?.();
      storeKubeProxyRuleset(store, id, parsed.ruleset);
    } else if (parsed.kind === 'nft-ruleset') {
      // One service block per capture: kube-proxy's IPv4 rules (its IPv6 ones mirror them).
      const ruleset = parsed.rulesets.find((r) => r.family === 'ipv4') ?? parsed.rulesets[0];
      ctx.cancelPoint?.();
      if (ruleset !== undefined) storeKubeProxyRuleset(store, id, ruleset);
    }
    if ('warnings' in parsed) {
      for (const w of parsed.warnings ?? []) outcome.warnings.push({ source: `${unit.file}:${w.line}`, message: `${unit.kind}: ${w.message}` });
    }
    records = recordCount(parsed);
    // A collector's manifest says in UTC when the command ran; the text's own time is a fallback.
    takenAt = ctx.file.collected?.takenAt ?? parsed.takenAt;
  }
  store.finishCapture(id, records, takenAt, detail);
  const command = unit.command === null ? null : analyseCommand(unit.command);
  store.setCaptureScope(id, captureScope(unit.kind, command, parsed, unit.table), unit.changedBy ?? []);
  progress?.(bytesBeforeLine?.(unit.lastLine + 1) ?? null, records);
  if (!cluster) noteNode(outcome, node);
  outcome.captures.push({
    id, node, kind: unit.kind, source, takenAt, records, netns: unit.namespace?.name ?? null, lines: [unit.firstLine, unit.lastLine],
    ...(unit.kind === 'tcpdump-text' ? capturedTunnels(store, id) : {}),
  });
}

/** `lines`: the span of the output found already stored, so a reader of the report can place it. */
export function noteAlreadyImported(outcome: FileOutcome, node: string, source: string, kind: CaptureKind, existing: number, lines: [number, number]): void {
  const owner = node === CLUSTER_OWNER ? 'the cluster' : `node ${node}`;
  if (node !== CLUSTER_OWNER) noteNode(outcome, node);
  outcome.warnings.push({ source, message: `${kind} already imported as capture ${existing} of ${owner}; not stored again`, lines });
}

/** The stored detail of a packet capture: what the reader found and what the import knew beside it. */
export function packetDetail(ctx: UnitContext, summary: PacketCaptureSummary, clock: string | undefined): Record<string, unknown> {
  const modified = ctx.file.inArchive ? undefined : fileModifiedAt(fs.statSync, ctx.file.readPath);
  return {
    linkTypes: summary.linkTypes,
    interfaces: summary.interfaces,
    ...(clock === undefined ? {} : { clock }),
    ...(ctx.interfaceOverride ? { interface: ctx.interfaceOverride } : {}),
    ...(modified === undefined ? {} : { fileModifiedAt: modified }),
  };
}
