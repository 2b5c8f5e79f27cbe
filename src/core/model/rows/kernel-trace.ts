/** Rows of `kernel_trace`: the kernel's trace of packets through netfilter (TRACE/LOG lines, xtables-monitor, nft monitor). */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import type { KernelTraceEvent, KernelTraceHook, KernelTracePacket } from '../../records/records';
import type { RowTick } from './row-tick';

/**
 * The captured lines are kept apart from their rows, deflated a block of this many at a time (`kernel_trace_text`,
 * migration 21): consecutive trace lines repeat most of their words, so a block takes ~1/10 of their bytes, where
 * one text per row made a project twice the size of the log it came from. A row's own `text` is then ''; rows stored
 * before the migration keep theirs.
 */
const LINES_PER_BLOCK = 512;
const LEVEL = 1;

export function insertKernelTrace(db: Database.Database, captureId: number, events: readonly KernelTraceEvent[], tick?: RowTick): void {
  const block = db.prepare('INSERT INTO kernel_trace_text (capture_id, first_seq, text) VALUES (?, ?, ?)');
  for (let first = 0; first < events.length; first += LINES_PER_BLOCK) {
    const lines = events.slice(first, first + LINES_PER_BLOCK).map((e) => e.text);
    block.run(captureId, first, deflateRawSync(Buffer.from(lines.join('\n')), { level: LEVEL }));
  }
  const row = db.prepare(
    `INSERT INTO kernel_trace (capture_id, seq, line, format, trace_id, host, uptime, stamp, time, hook, iif, oif, family, proto,
       src, sport, dst, dport, icmp, ip_id, tcp_flags, length, mark, text)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  events.forEach((e, seq) => {
    const p = e.packet;
    row.run(
      captureId, seq, e.line, e.format, e.traceId, e.host, e.time.uptime, e.time.stamp, e.time.iso, hookJson(e.hook), e.in, e.out,
      p.family, p.proto, p.src, p.sport, p.dst, p.dport, p.icmp === null ? null : JSON.stringify(p.icmp), p.ipId,
      p.tcpFlags === null ? null : JSON.stringify(p.tcpFlags), p.length, e.mark, '',
    );
    tick?.();
  });
}

/** A stored trace event with the capture it belongs to. */
export interface KernelTraceRow extends KernelTraceEvent {
  captureId: number;
  seq: number;
}

const SELECT = 'SELECT * FROM kernel_trace';

export function kernelTraceOf(db: Database.Database, captureId: number): KernelTraceRow[] {
  return [...eachKernelTraceOf(db, captureId)];
}

/** kernelTraceOf a row at a time (no other statement may run on the connection until it is done). */
export function* eachKernelTraceOf(db: Database.Database, captureId: number): Generator<KernelTraceRow> {
  const text = new TraceText(db);
  for (const r of db.prepare(`${SELECT} WHERE capture_id = ? ORDER BY seq`).iterate(captureId) as IterableIterator<Record<string, unknown>>) yield eventOf(r, text);
}

/** Every traced packet between these two addresses, in this direction, in capture then line order. */
export function kernelTraceBetween(db: Database.Database, src: string, dst: string): KernelTraceRow[] {
  const text = new TraceText(db);
  return (db.prepare(`${SELECT} WHERE src = ? AND dst = ? ORDER BY capture_id, seq`).all(src, dst) as Array<Record<string, unknown>>).map((r) => eventOf(r, text));
}

/** A row's captured line, from its block (the last block read is kept: rows are read in capture and line order). */
class TraceText {
  private readonly block: Database.Statement;
  private captureId = -1;
  private firstSeq = -1;
  private lines: string[] = [];

  constructor(db: Database.Database) {
    this.block = db.prepare('SELECT first_seq, text FROM kernel_trace_text WHERE capture_id = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1');
  }

  of(captureId: number, seq: number, stored: string): string {
    if (stored !== '') return stored;
    if (captureId !== this.captureId || seq < this.firstSeq || seq >= this.firstSeq + this.lines.length) {
      const b = this.block.get(captureId, seq) as { first_seq: number; text: Buffer } | undefined;
      if (b === undefined) throw new Error(`kernel trace line ${seq} of capture ${captureId} has no text block`);
      this.captureId = captureId;
      this.firstSeq = b.first_seq;
      this.lines = inflateRawSync(b.text).toString('utf8').split('\n');
    }
    return this.lines[seq - this.firstSeq]!;
  }
}

/** The kernel-trace captures of the project with their node, oldest first. */
export interface KernelTraceCaptureRow {
  captureId: number;
  node: string;
  sourceFile: string;
  /** A grep, head or tail of the log (or an excerpt): lines of a walk may be missing. */
  partial: boolean;
}

export function kernelTraceCaptures(db: Database.Database): KernelTraceCaptureRow[] {
  const rows = db.prepare(
    `SELECT c.id AS captureId, n.name AS node, c.source_file AS sourceFile, c.partial AS partial FROM captures c JOIN nodes n ON n.id = c.node_id
     WHERE c.kind = 'kernel-trace' ORDER BY c.id`,
  ).all() as Array<Omit<KernelTraceCaptureRow, 'partial'> & { partial: number }>;
  return rows.map((r) => ({ ...r, partial: r.partial === 1 }));
}

export function hasKernelTrace(db: Database.Database): boolean {
  return db.prepare('SELECT 1 FROM kernel_trace LIMIT 1').get() !== undefined;
}

function eventOf(r: Record<string, unknown>, text: TraceText): KernelTraceRow {
  const packet: KernelTracePacket = {
    family: r.family as KernelTracePacket['family'],
    proto: r.proto as string | null,
    src: r.src as string | null,
    dst: r.dst as string | null,
    sport: r.sport as number | null,
    dport: r.dport as number | null,
    icmp: r.icmp === null ? null : (JSON.parse(r.icmp as string) as KernelTracePacket['icmp']),
    ipId: r.ip_id as number | null,
    tcpFlags: r.tcp_flags === null ? null : (JSON.parse(r.tcp_flags as string) as string[]),
    length: r.length as number | null,
  };
  return {
    captureId: r.capture_id as number,
    seq: r.seq as number,
    format: r.format as KernelTraceEvent['format'],
    traceId: r.trace_id as string | null,
    host: r.host as string | null,
    time: { uptime: r.uptime as number | null, stamp: r.stamp as string | null, iso: r.time as string | null },
    hook: hookOf(r.hook as string),
    in: r.iif as string | null,
    out: r.oif as string | null,
    packet,
    mark: r.mark as number | null,
    line: r.line as number,
    text: text.of(r.capture_id as number, r.seq as number, r.text as string),
  };
}

/** A hook as JSON without its null fields (half of a row's bytes were `"handle":null` and the like). */
function hookJson(hook: KernelTraceHook): string {
  return JSON.stringify(hook, (_, v: unknown) => (v === null ? undefined : v));
}

/** A hook stored by hookJson, or whole by an earlier natlens. */
function hookOf(json: string): KernelTraceHook {
  const h = JSON.parse(json) as KernelTraceHook;
  switch (h.kind) {
    case 'rule':
      return { kind: 'rule', table: h.table, chain: h.chain, position: h.position ?? null, handle: h.handle ?? null, verdict: h.verdict ?? null, ruleText: h.ruleText ?? null };
    case 'return':
    case 'policy':
      return { kind: h.kind, table: h.table, chain: h.chain, position: h.position ?? null, verdict: h.verdict ?? null };
    case 'packet':
    case 'log':
      return h;
  }
}
