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

export function conntrackWriter(db: Database.Database, captureId: number): ConntrackWriter {
  const rows = new BatchInsert(db, 'conntrack', CONNTRACK_COLUMNS, 64);
  const icmp = (t: ConntrackTuple): string | null => (t.icmp ? JSON.stringify(t.icmp) : null);
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
    },
  };
}
