/** Rows of `kernel_trace`: the kernel's trace of packets through netfilter (TRACE/LOG lines, xtables-monitor, nft monitor). */
import type Database from 'better-sqlite3';
import type { KernelTraceEvent, KernelTraceHook, KernelTracePacket } from '../../records/records';
import type { RowTick } from './row-tick';

export function insertKernelTrace(db: Database.Database, captureId: number, events: readonly KernelTraceEvent[], tick?: RowTick): void {
  const row = db.prepare(
    `INSERT INTO kernel_trace (capture_id, seq, line, format, trace_id, host, uptime, stamp, time, hook, iif, oif, family, proto,
       src, sport, dst, dport, icmp, ip_id, tcp_flags, length, mark, text)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  events.forEach((e, seq) => {
    const p = e.packet;
    row.run(
      captureId, seq, e.line, e.format, e.traceId, e.host, e.time.uptime, e.time.stamp, e.time.iso, JSON.stringify(e.hook), e.in, e.out,
      p.family, p.proto, p.src, p.sport, p.dst, p.dport, p.icmp === null ? null : JSON.stringify(p.icmp), p.ipId,
      p.tcpFlags === null ? null : JSON.stringify(p.tcpFlags), p.length, e.mark, e.text,
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
  for (const r of db.prepare(`${SELECT} WHERE capture_id = ? ORDER BY seq`).iterate(captureId) as IterableIterator<Record<string, unknown>>) yield eventOf(r);
}

/** Every traced packet between these two addresses, in this direction, in capture then line order. */
export function kernelTraceBetween(db: Database.Database, src: string, dst: string): KernelTraceRow[] {
  return (db.prepare(`${SELECT} WHERE src = ? AND dst = ? ORDER BY capture_id, seq`).all(src, dst) as Array<Record<string, unknown>>).map(eventOf);
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

function eventOf(r: Record<string, unknown>): KernelTraceRow {
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
    hook: JSON.parse(r.hook as string) as KernelTraceHook,
    in: r.iif as string | null,
    out: r.oif as string | null,
    packet,
    mark: r.mark as number | null,
    line: r.line as number,
    text: r.text as string,
  };
}
