/** Rows of `bridge_ports` (`brctl show`, `bridge link`) and `fdb_entries` (`bridge fdb`). */
import type Database from 'better-sqlite3';
import type { BridgePortRecord, FdbRecord } from '../../records/records';
import { flag } from './values';
import type { RowTick } from './row-tick';

export function insertBridgePorts(db: Database.Database, captureId: number, ports: readonly BridgePortRecord[], tick?: RowTick): void {
  const port = db.prepare('INSERT INTO bridge_ports (capture_id, bridge, port, state, line) VALUES (?, ?, ?, ?, ?)');
  for (const p of ports) {
    port.run(captureId, p.bridge, p.port, p.state, p.line);
    tick?.();
  }
}

export function bridgePortsOf(db: Database.Database, captureId: number): BridgePortRecord[] {
  return db
    .prepare('SELECT bridge, port, state, line FROM bridge_ports WHERE capture_id = ? ORDER BY id')
    .all(captureId) as BridgePortRecord[];
}

export function insertFdbEntries(db: Database.Database, captureId: number, entries: readonly FdbRecord[], tick?: RowTick): void {
  const row = db.prepare(
    `INSERT INTO fdb_entries (capture_id, mac, dev, master, vlan, dst, vni, via, self, state, flags, line)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const e of entries) {
    row.run(captureId, e.mac, e.dev, e.master, e.vlan, e.dst, e.vni, e.via, flag(e.self), e.state, JSON.stringify(e.flags), e.line);
    tick?.();
  }
}

export function fdbEntriesOf(db: Database.Database, captureId: number): FdbRecord[] {
  const rows = db.prepare('SELECT * FROM fdb_entries WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
  return rows.map((e) => ({
    mac: e.mac as string,
    dev: e.dev as string | null,
    master: e.master as string | null,
    vlan: e.vlan as number | null,
    dst: e.dst as string | null,
    vni: e.vni as number | null,
    via: e.via as string | null,
    self: e.self === 1,
    state: e.state as string | null,
    flags: JSON.parse(e.flags as string) as string[],
    line: e.line as number,
  }));
}
