/** Rows of `conntrack` (`conntrack -L`, /proc/net/nf_conntrack). */
import type Database from 'better-sqlite3';
import type { ConntrackEntry, ConntrackTuple } from '../../records/records';
import { BatchInsert } from '../batch-insert';
import { flag } from './values';
import type { RowTick } from './row-tick';

const CONNTRACK_COLUMNS = [
  'capture_id', 'family', 'proto', 'proto_number', 'timeout', 'state',
  'orig_src', 'orig_dst', 'orig_sport', 'orig_dport', 'orig_icmp', 'orig_packets', 'orig_bytes',
  'reply_src', 'reply_dst', 'reply_sport', 'reply_dport', 'reply_icmp', 'reply_packets', 'reply_bytes',
  'unreplied', 'assured', 'flags', 'mark', 'zone', 'use_count', 'line',
] as const;

export function insertConntrack(db: Database.Database, captureId: number, entries: readonly ConntrackEntry[], tick?: RowTick): void {
  const rows = conntrackWriter(db, captureId);
  for (const e of entries) {
    rows.add(e);
    tick?.();
  }
  rows.flush();
}

/** Conntrack rows as they are read: `flush` before the transaction commits. */
export interface ConntrackWriter {
  add(entry: ConntrackEntry): void;
  flush(): void;
}

/** The indexes on a conntrack entry's two tuples: five columns each, TEXT addresses, met in no useful order. */
const TUPLE_INDEXES = ['conntrack_original', 'conntrack_reply'] as const;
/** Fewer expected rows are not worth rebuilding the tuple indexes for. */
const DEFER_INDEXES_FROM_ROWS = 20_000;

/**
 * `expectedRows`: about how many rows will be added (a busy node's table holds 10^5-10^6). When they are many and
 * at least as many as the table holds, the two tuple indexes are dropped and built again at `flush`, sorted: a
 * random-order insert into each was ~60% of storing a 600k-entry table, a rebuild a third of that. The caller
 * holds the transaction, so a failure before `flush` rolls the drop back with the rows; `pause` is called before
 * each rebuild (a throw there does the same).
 */
export function conntrackWriter(db: Database.Database, captureId: number, expectedRows = 0, pause?: () => void): ConntrackWriter {
  const rows = new BatchInsert(db, 'conntrack', CONNTRACK_COLUMNS, 64);
  const icmp = (t: ConntrackTuple): string | null => (t.icmp ? JSON.stringify(t.icmp) : null);
  const deferred = expectedRows >= DEFER_INDEXES_FROM_ROWS && expectedRows >= storedRowsAtMost(db) ? dropTupleIndexes(db) : [];
  return {
    add(e: ConntrackEntry): void {
      const o = e.original;
      const r = e.reply;
      rows.add([
        captureId, e.family, e.proto, e.protoNumber, e.timeout, e.state,
        o.src, o.dst, o.sport, o.dport, icmp(o), o.packets, o.bytes,
        r.src, r.dst, r.sport, r.dport, icmp(r), r.packets, r.bytes,
        flag(e.unreplied), flag(e.assured), e.flags.join(','), e.mark, e.zone, e.use, e.line,
      ]);
    },
    flush(): void {
      rows.flush();
      // Each rebuild is one uninterruptible call (~0.35 s for 600k rows): `pause` between them, where a cancel is heard.
      for (const sql of deferred.splice(0)) {
        pause?.();
        db.exec(sql);
      }
    },
  };
}

/** The highest row id: no fewer than the rows stored, found without counting them. */
function storedRowsAtMost(db: Database.Database): number {
  return (db.prepare('SELECT max(id) FROM conntrack').pluck().get() as number | null) ?? 0;
}

/** Drops the tuple indexes the project has and returns the statements that make them again. */
function dropTupleIndexes(db: Database.Database): string[] {
  const made: string[] = [];
  for (const name of TUPLE_INDEXES) {
    const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").pluck().get(name) as string | undefined;
    if (sql === undefined) continue;
    db.exec(`DROP INDEX ${name}`);
    made.push(sql);
  }
  return made;
}
