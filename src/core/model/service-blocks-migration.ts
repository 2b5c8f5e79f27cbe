/**
 * Schema migration 17: the services and endpoints read off kube-proxy's rules are one `service_blocks` row per
 * capture (service-block.ts) in place of `services`, `service_ports` and `endpoints` rows. Each capture's rows
 * are read in the order they were read before (by id) and written as its block; the trash's are moved the same
 * way under their undo ids, so an undo made before the upgrade brings back a block. kubectl's rows stay rows.
 */
import type Database from 'better-sqlite3';
import type { ServicePortRecord, ServiceRecord } from '../records/records';
import { ServiceBlockWriter, type ServiceBlock } from './service-block';
import { splitList } from './rows/values';

const BLOCKS = `
CREATE TABLE service_blocks (
  capture_id    INTEGER PRIMARY KEY REFERENCES captures(id) ON DELETE CASCADE,
  origin        TEXT NOT NULL,
  -- how many records each tape holds
  services      INTEGER NOT NULL,
  endpoints     INTEGER NOT NULL,
  service_tape  BLOB NOT NULL,
  endpoint_tape BLOB NOT NULL
);`;

const BLOCK_COLUMNS = 'capture_id, origin, services, endpoints, service_tape, endpoint_tape';

/** Where one capture's rows are: the live tables, or the trash under one undo id. */
interface RowPlace {
  services: string;
  ports: string;
  endpoints: string;
  /** Extra predicate and its value (the undo id), or none for the live tables. */
  undo: string | null;
}

export function migrateServiceBlocks(db: Database.Database): void {
  const exists = (name: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  if (!exists('service_blocks')) db.exec(BLOCKS);
  const live: RowPlace = { services: 'services', ports: 'service_ports', endpoints: 'endpoints', undo: null };
  const insert = db.prepare(`INSERT INTO service_blocks (${BLOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const captureId of kubeProxyCaptures(db, live)) {
    const block = blockOf(db, live, captureId);
    if (block !== null) insert.run(captureId, 'kube-proxy', block.services, block.endpoints, block.serviceTape, block.endpointTape);
    dropRows(db, live, captureId);
  }
  // The first edit that trashed a capture made all three trash tables (rows/edits.ts), or none.
  if (!exists('trash_services') || !exists('trash_service_ports') || !exists('trash_endpoints')) return;
  // A trash table is otherwise made on first use, as here: the live table's columns and an undo index.
  if (!exists('trash_service_blocks')) {
    db.exec(`CREATE TABLE trash_service_blocks (undo_id TEXT NOT NULL, ${BLOCK_COLUMNS});
      CREATE INDEX trash_service_blocks_undo ON trash_service_blocks(undo_id)`);
  }
  const trashed = db.prepare(`INSERT INTO trash_service_blocks (undo_id, ${BLOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const undoIds = db.prepare(`SELECT undo_id FROM trash_services WHERE origin = 'kube-proxy' UNION SELECT undo_id FROM trash_endpoints WHERE origin = 'kube-proxy'`).pluck().all() as string[];
  for (const undoId of undoIds) {
    const place: RowPlace = { services: 'trash_services', ports: 'trash_service_ports', endpoints: 'trash_endpoints', undo: undoId };
    for (const captureId of kubeProxyCaptures(db, place)) {
      const block = blockOf(db, place, captureId);
      if (block !== null) trashed.run(undoId, captureId, 'kube-proxy', block.services, block.endpoints, block.serviceTape, block.endpointTape);
      dropRows(db, place, captureId);
    }
  }
}

const undoClause = (place: RowPlace, alias = ''): string => (place.undo === null ? '' : ` AND ${alias}undo_id = ?`);
const undoValue = (place: RowPlace): string[] => (place.undo === null ? [] : [place.undo]);

function kubeProxyCaptures(db: Database.Database, place: RowPlace): number[] {
  return db.prepare(
    `SELECT capture_id FROM ${place.services} WHERE origin = 'kube-proxy'${undoClause(place)}
     UNION SELECT capture_id FROM ${place.endpoints} WHERE origin = 'kube-proxy'${undoClause(place)} ORDER BY capture_id`,
  ).pluck().all(...undoValue(place), ...undoValue(place)) as number[];
}

/** The capture's kube-proxy rows as the block they would have been written as: each record as a read gave it. */
function blockOf(db: Database.Database, place: RowPlace, captureId: number): ServiceBlock | null {
  const writer = new ServiceBlockWriter();
  const endpoints = db.prepare(
    `SELECT namespace, name, port_name, address, port, line FROM ${place.endpoints} WHERE capture_id = ? AND origin = 'kube-proxy'${undoClause(place)} ORDER BY id`,
  ).raw(true);
  for (const [namespace, name, portName, address, port, line] of endpoints.iterate(captureId, ...undoValue(place)) as Iterable<EndpointRow>) {
    writer.endpoint({ namespace, name, portName, address, port, line });
  }
  const services = db.prepare(
    `SELECT id, namespace, name, type, cluster_ip, external_ips, load_balancer_ips, selector, line FROM ${place.services}
     WHERE capture_id = ? AND origin = 'kube-proxy'${undoClause(place)} ORDER BY id`,
  ).raw(true).all(captureId, ...undoValue(place)) as ServiceRow[];
  const portsOf = portReader(db, place, captureId);
  writer.services(services.map(([id, namespace, name, type, clusterIP, external, balancers, selector, line]) => ({
    namespace, name, type, clusterIP, externalIPs: splitList(external), loadBalancerIPs: splitList(balancers), ports: portsOf(id), selector, line,
  } satisfies ServiceRecord)));
  return writer.finish();
}

type EndpointRow = [string, string, string | null, string, number | null, number];
type ServiceRow = [number, string, string, string | null, string | null, string, string, string | null, number];
type PortRow = [number, string | null, number, ServicePortRecord['protocol'], string | null, number | null];

/** The ports of each of the capture's services, in id order, read in one pass. */
function portReader(db: Database.Database, place: RowPlace, captureId: number): (serviceId: number) => ServicePortRecord[] {
  const rows = db.prepare(
    `SELECT p.service_id, p.name, p.port, p.protocol, p.target_port, p.node_port FROM ${place.ports} p
     JOIN ${place.services} s ON s.id = p.service_id${place.undo === null ? '' : ' AND s.undo_id = p.undo_id'}
     WHERE s.capture_id = ? AND s.origin = 'kube-proxy'${undoClause(place, 's.')} ORDER BY p.id`,
  ).raw(true).all(captureId, ...undoValue(place)) as PortRow[];
  const byService = new Map<number, ServicePortRecord[]>();
  for (const [serviceId, name, port, protocol, targetPort, nodePort] of rows) {
    const list = byService.get(serviceId) ?? [];
    list.push({ name, port, protocol, targetPort, nodePort });
    byService.set(serviceId, list);
  }
  return (id) => byService.get(id) ?? [];
}

function dropRows(db: Database.Database, place: RowPlace, captureId: number): void {
  const values = [captureId, ...undoValue(place)];
  db.prepare(
    `DELETE FROM ${place.ports} WHERE service_id IN (SELECT id FROM ${place.services} WHERE capture_id = ? AND origin = 'kube-proxy'${undoClause(place)})${undoClause(place)}`,
  ).run(...values, ...undoValue(place));
  db.prepare(`DELETE FROM ${place.services} WHERE capture_id = ? AND origin = 'kube-proxy'${undoClause(place)}`).run(...values);
  db.prepare(`DELETE FROM ${place.endpoints} WHERE capture_id = ? AND origin = 'kube-proxy'${undoClause(place)}`).run(...values);
}
