/**
 * Kubernetes services, their ports and endpoints, and pods. kubectl's are rows of `services` with their
 * `service_ports`, `endpoints` and `pods` (a capture lists a few); those read off kube-proxy's rules are one
 * `service_blocks` row per capture (service-block.ts), 10,000 services and 50,000 endpoints at a time.
 * A reader takes a capture's block when it has one, else its rows.
 */
import type Database from 'better-sqlite3';
import type { PodRecord, ServiceRecord } from '../../records/records';
import { BatchInsert, maxId } from '../batch-insert';
import { ModelError } from '../model-error';
import { decodeEndpoints, decodeServices, type EndpointRecord, type K8sOrigin, type ServiceBlock } from '../service-block';
import { DamagedTape } from '../value-tape';
import { splitList } from './values';
import type { RowTick } from './row-tick';

export type { EndpointRecord, K8sOrigin } from '../service-block';

const SERVICE_COLUMNS = [
  'id', 'capture_id', 'origin', 'namespace', 'name', 'type', 'cluster_ip', 'external_ips', 'load_balancer_ips', 'selector', 'line',
] as const;
const SERVICE_PORT_COLUMNS = ['service_id', 'name', 'port', 'protocol', 'target_port', 'node_port'] as const;
const ENDPOINT_COLUMNS = ['capture_id', 'origin', 'namespace', 'name', 'port_name', 'address', 'port', 'line'] as const;

/** Service rows go in batches with their ids given (maxId), so that their ports can name them. */
export function insertServices(db: Database.Database, captureId: number, origin: K8sOrigin, services: readonly ServiceRecord[], tick?: RowTick): void {
  const serviceRows = new BatchInsert(db, 'services', SERVICE_COLUMNS, 64);
  const portRows = new BatchInsert(db, 'service_ports', SERVICE_PORT_COLUMNS, 64);
  const base = maxId(db, 'services');
  services.forEach((s, i) => {
    serviceRows.add([
      base + i + 1, captureId, origin, s.namespace, s.name, s.type, s.clusterIP, s.externalIPs.join(','), s.loadBalancerIPs.join(','),
      s.selector, s.line,
    ]);
    tick?.();
  });
  // Every service row first: a port names its service.
  serviceRows.flush();
  services.forEach((s, i) => {
    for (const p of s.ports) portRows.add([base + i + 1, p.name, p.port, p.protocol, p.targetPort, p.nodePort]);
  });
  portRows.flush();
}

/** Stores a capture's services and endpoints as its one block. */
export function insertServiceBlock(db: Database.Database, captureId: number, origin: K8sOrigin, block: ServiceBlock): void {
  db.prepare('INSERT INTO service_blocks (capture_id, origin, services, endpoints, service_tape, endpoint_tape) VALUES (?, ?, ?, ?, ?, ?)')
    .run(captureId, origin, block.services, block.endpoints, block.serviceTape, block.endpointTape);
}

/** Endpoint rows of one capture, written a batch at a time as they are added; flush() after the last. */
function endpointRows(db: Database.Database, captureId: number, origin: K8sOrigin): { add(e: EndpointRecord): void; flush(): void } {
  const rows = new BatchInsert(db, 'endpoints', ENDPOINT_COLUMNS, 128);
  const row: unknown[] = [captureId, origin, null, null, null, null, null, null];
  return {
    add(e) {
      row[2] = e.namespace;
      row[3] = e.name;
      row[4] = e.portName;
      row[5] = e.address;
      row[6] = e.port;
      row[7] = e.line;
      rows.add(row);
    },
    flush: () => rows.flush(),
  };
}

export function insertEndpoints(db: Database.Database, captureId: number, origin: K8sOrigin, endpoints: readonly EndpointRecord[], tick?: RowTick): void {
  const rows = endpointRows(db, captureId, origin);
  for (const e of endpoints) {
    rows.add(e);
    tick?.();
  }
  rows.flush();
}

export function insertPods(db: Database.Database, captureId: number, pods: readonly PodRecord[], tick?: RowTick): void {
  const pod = db.prepare('INSERT INTO pods (capture_id, namespace, name, status, ip, node, line) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const p of pods) {
    pod.run(captureId, p.namespace, p.name, p.status, p.ip, p.node, p.line);
    tick?.();
  }
}

/** The pods a kubectl capture listed, in the order it listed them. */
export function podsOf(db: Database.Database, captureId: number): Array<Pick<PodRecord, 'namespace' | 'name' | 'ip' | 'node' | 'status'>> {
  return db.prepare('SELECT namespace, name, ip, node, status FROM pods WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Pick<PodRecord, 'namespace' | 'name' | 'ip' | 'node' | 'status'>>;
}

type BlockRow = [origin: K8sOrigin, count: number, tape: Buffer];

/** A block's tape decoded; one that does not decode is a damaged project (`database`), said with its capture. */
function fromBlock<T>(database: string, captureId: number, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof DamagedTape) throw new ModelError(database, `the ${what} of capture ${captureId} are damaged (${e.message})`);
    throw e;
  }
}

export function servicesOf(db: Database.Database, database: string, captureId: number): Array<ServiceRecord & { origin: K8sOrigin }> {
  const block = db.prepare('SELECT origin, services, service_tape FROM service_blocks WHERE capture_id = ?').raw(true).get(captureId) as BlockRow | undefined;
  if (block !== undefined) return fromBlock(database, captureId, 'services', () => decodeServices(block[2], block[1], block[0]));
  const rows = db.prepare('SELECT * FROM services WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
  const ports = db.prepare('SELECT * FROM service_ports WHERE service_id = ? ORDER BY id');
  return rows.map((s) => ({
    origin: s.origin as K8sOrigin,
    namespace: s.namespace as string,
    name: s.name as string,
    type: s.type as string | null,
    clusterIP: s.cluster_ip as string | null,
    externalIPs: splitList(s.external_ips as string),
    loadBalancerIPs: splitList(s.load_balancer_ips as string),
    selector: s.selector as string | null,
    line: s.line as number,
    ports: (ports.all(s.id) as Array<Record<string, unknown>>).map((p) => ({
      name: p.name as string | null,
      port: p.port as number,
      protocol: p.protocol as 'TCP' | 'UDP' | 'SCTP',
      targetPort: p.target_port as string | null,
      nodePort: p.node_port as number | null,
    })),
  }));
}

export function endpointsOf(db: Database.Database, database: string, captureId: number): Array<EndpointRecord & { origin: K8sOrigin }> {
  const block = db.prepare('SELECT origin, endpoints, endpoint_tape FROM service_blocks WHERE capture_id = ?').raw(true).get(captureId) as BlockRow | undefined;
  if (block !== undefined) return fromBlock(database, captureId, 'endpoints', () => decodeEndpoints(block[2], block[1], block[0]));
  const rows = db.prepare('SELECT * FROM endpoints WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
  return rows.map((e) => ({
    origin: e.origin as K8sOrigin,
    namespace: e.namespace as string,
    name: e.name as string,
    portName: e.port_name as string | null,
    address: e.address as string,
    port: e.port as number | null,
    line: e.line as number,
  }));
}

/** kubectl's `10.40.0.6:8080,10.40.0.7:8080` list → one record per address (`<none>` and `+ N more...` dropped). */
export function endpointRecords(e: { namespace: string; name: string; endpoints: string[]; line: number }): EndpointRecord[] {
  const out: EndpointRecord[] = [];
  for (const text of e.endpoints) {
    const m = /^\[?([0-9a-fA-F.:]+?)\]?(?::(\d+))?$/.exec(text);
    if (!m) continue;
    out.push({ namespace: e.namespace, name: e.name, portName: null, address: m[1], port: m[2] ? Number(m[2]) : null, line: e.line });
  }
  return out;
}
