/** Rows of `sysctl`: kernel settings as a capture showed them (a null value: the key does not exist there). */
import type Database from 'better-sqlite3';
import type { SysctlRecord } from '../../records/records';
import type { RowTick } from './row-tick';

export function insertSysctl(db: Database.Database, captureId: number, settings: readonly SysctlRecord[], tick?: RowTick): void {
  const row = db.prepare('INSERT INTO sysctl (capture_id, seq, key, value, line) VALUES (?, ?, ?, ?, ?)');
  settings.forEach((s, seq) => {
    row.run(captureId, seq, s.key, s.value, s.line);
    tick?.();
  });
}

export function sysctlOf(db: Database.Database, captureId: number): SysctlRecord[] {
  const rows = db.prepare('SELECT key, value, line FROM sysctl WHERE capture_id = ? ORDER BY seq').all(captureId) as Array<Record<string, unknown>>;
  return rows.map((r) => ({ key: r.key as string, value: r.value as string | null, line: r.line as number }));
}
