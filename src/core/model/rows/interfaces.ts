/** Rows of `interfaces` and their `addresses` (`ip addr`, `ifconfig`). */
import type Database from 'better-sqlite3';
import type { InterfaceRecord, LinkDetails } from '../../records/records';
import { flag, splitList } from './values';
import type { RowTick } from './row-tick';

export function insertInterfaces(db: Database.Database, captureId: number, interfaces: readonly InterfaceRecord[], tick?: RowTick): void {
  const iface = db.prepare(
    `INSERT INTO interfaces (capture_id, name, ifindex, peer, link_netns, flags, mtu, state, master, link_type, mac, line, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const address = db.prepare(
    `INSERT INTO addresses (interface_id, family, cidr, peer, broadcast, scope, label, secondary, line)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const i of interfaces) {
    const id = iface.run(
      captureId, i.name, i.index, i.peer, i.linkNetns, i.flags.join(','), i.mtu, i.state, i.master, i.linkType, i.mac, i.line,
      i.details === undefined ? null : JSON.stringify(i.details),
    ).lastInsertRowid;
    for (const a of i.addresses) {
      address.run(id, a.family, a.cidr, a.peer, a.broadcast, a.scope, a.label, flag(a.secondary), a.line);
    }
    tick?.();
  }
}

export function interfacesOf(db: Database.Database, captureId: number): InterfaceRecord[] {
  const interfaces = db
    .prepare('SELECT * FROM interfaces WHERE capture_id = ? ORDER BY id')
    .all(captureId) as Array<Record<string, unknown>>;
  const addresses = db.prepare('SELECT * FROM addresses WHERE interface_id = ? ORDER BY id');
  return interfaces.map((i) => ({
    ...(i.details === null ? {} : { details: JSON.parse(i.details as string) as LinkDetails }),
    name: i.name as string,
    index: i.ifindex as number | null,
    peer: i.peer as string | null,
    linkNetns: i.link_netns as string | null,
    flags: splitList(i.flags as string),
    mtu: i.mtu as number | null,
    state: i.state as string | null,
    master: i.master as string | null,
    linkType: i.link_type as string | null,
    mac: i.mac as string | null,
    line: i.line as number,
    addresses: (addresses.all(i.id) as Array<Record<string, unknown>>).map((a) => ({
      family: a.family as 'ipv4' | 'ipv6',
      cidr: a.cidr as string,
      peer: a.peer as string | null,
      broadcast: a.broadcast as string | null,
      scope: a.scope as string | null,
      label: a.label as string | null,
      secondary: a.secondary === 1,
      line: a.line as number,
    })),
  }));
}
