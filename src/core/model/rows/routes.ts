/** Rows of `routes` (`ip route`, `route -n`, `netstat -rn`). */
import type Database from 'better-sqlite3';
import type { NexthopRecord, RouteRecord, RouteType } from '../../records/records';
import { splitList } from './values';
import { rowTicker, type RowTick } from './row-tick';

export function insertRoutes(db: Database.Database, captureId: number, routes: readonly RouteRecord[], tick?: RowTick): void {
  const route = db.prepare(
    `INSERT INTO routes (capture_id, type, dst, family, via, dev, src, metric, route_table, scope, proto, flags, line, nexthops, nhid)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of routes) {
    route.run(
      captureId, r.type, r.dst, r.family, r.via, r.dev, r.src, r.metric, r.table, r.scope, r.proto, r.flags.join(','), r.line,
      r.nexthops === undefined ? null : JSON.stringify(r.nexthops), r.nhid ?? null,
    );
    tick?.();
  }
}

/** `pause`: called every LINES_PER_REPORT rows read (a BGP table is ~10^6), where a cancel is heard. */
export function routesOf(db: Database.Database, captureId: number, pause?: () => void): RouteRecord[] {
  const statement = db.prepare('SELECT * FROM routes WHERE capture_id = ? ORDER BY id');
  if (pause === undefined) return (statement.all(captureId) as Array<Record<string, unknown>>).map(routeOfRow);
  const tick = rowTicker(pause)!;
  const out: RouteRecord[] = [];
  for (const r of statement.iterate(captureId) as IterableIterator<Record<string, unknown>>) {
    out.push(routeOfRow(r));
    tick();
  }
  return out;
}

function routeOfRow(r: Record<string, unknown>): RouteRecord {
  return {
    ...(r.nexthops === null ? {} : { nexthops: JSON.parse(r.nexthops as string) as NexthopRecord[] }),
    ...(r.nhid === null ? {} : { nhid: r.nhid as number }),
    type: r.type as RouteType,
    dst: r.dst as string,
    family: r.family as 'ipv4' | 'ipv6',
    via: r.via as string | null,
    dev: r.dev as string | null,
    src: r.src as string | null,
    metric: r.metric as number | null,
    table: r.route_table as string,
    scope: r.scope as string | null,
    proto: r.proto as string | null,
    flags: splitList(r.flags as string),
    line: r.line as number,
  };
}
