/** Rows of `probes`: what a curl, wget, nc, telnet or ping the engineer ran says happened, one row per target tried. */
import type Database from 'better-sqlite3';
import type { ProbeRecord } from '../../records/records';
import type { RowTick } from './row-tick';

export function insertProbes(db: Database.Database, captureId: number, probes: readonly ProbeRecord[], tick?: RowTick): void {
  const row = db.prepare('INSERT INTO probes (capture_id, seq, line, tool, outcome, dst, dport, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  probes.forEach((p, seq) => {
    row.run(captureId, seq, p.line, p.tool, p.outcome, p.dst, p.dport, JSON.stringify(p));
    tick?.();
  });
}

/** A probe capture: the node (and network namespace) it ran in, its file and command line. */
export interface ProbeCaptureRow {
  captureId: number;
  node: string;
  netns: string | null;
  sourceFile: string;
  command: string | null;
}

export function probeCaptures(db: Database.Database): ProbeCaptureRow[] {
  return db.prepare(
    `SELECT c.id AS captureId, n.name AS node, c.netns AS netns, c.source_file AS sourceFile, c.command AS command
     FROM captures c JOIN nodes n ON n.id = c.node_id WHERE c.kind = 'probe' ORDER BY c.id`,
  ).all() as ProbeCaptureRow[];
}

export function probesOf(db: Database.Database, captureId: number): ProbeRecord[] {
  return (db.prepare('SELECT record FROM probes WHERE capture_id = ? ORDER BY seq').pluck().all(captureId) as string[]).map((r) => JSON.parse(r) as ProbeRecord);
}
