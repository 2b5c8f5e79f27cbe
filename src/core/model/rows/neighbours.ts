/** Rows of `neighbours` (`ip neigh`: the ARP / NDP table). */
import type Database from 'better-sqlite3';
import type { NeighbourRecord } from '../../records/records';
import { flag, splitList } from './values';
import type { RowTick } from './row-tick';

export function insertNeighbours(db: Database.Database, captureId: number, neighbours: readonly NeighbourRecord[], tick?: RowTick): void {
  const row = db.prepare(
    `INSERT INTO neighbours (capture_id, family, address, dev, lladdr, states, router, flags, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const n of neighbours) {
    row.run(captureId, n.family, n.address, n.dev, n.lladdr, n.states.join(','), flag(n.router), JSON.stringify(n.flags), n.line);
    tick?.();
  }
}

export function neighboursOf(db: Database.Database, captureId: number): NeighbourRecord[] {
  const rows = db.prepare('SELECT * FROM neighbours WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
  return rows.map((n) => ({
    family: n.family as 'ipv4' | 'ipv6',
    address: n.address as string,
    dev: n.dev as string | null,
    lladdr: n.lladdr as string | null,
    states: splitList(n.states as string),
    router: n.router === 1,
    flags: JSON.parse(n.flags as string) as string[],
    line: n.line as number,
  }));
}
