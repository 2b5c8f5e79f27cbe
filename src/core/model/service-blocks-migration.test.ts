import { describe, it, expect } from 'vitest';
import type { ServiceRecord } from '../records/records';
import { databaseAtVersion } from './schema-version.fixture';
import { insertEndpoints, insertServices, type EndpointRecord } from './rows/kubernetes';
import { restoreTrash, trashCaptures } from './rows/edits';
import { tempProject } from '../../../test/support/temp-project';

function service(name: string, ports: number, line: number): ServiceRecord {
  return {
    namespace: 'team', name, type: ports > 1 ? 'NodePort' : 'ClusterIP', clusterIP: `10.96.0.${line}`, externalIPs: line % 2 ? ['192.0.2.1', '192.0.2.2'] : [],
    loadBalancerIPs: [], selector: null, line,
    ports: Array.from({ length: ports }, (_, p) => ({ name: p === 0 ? null : `p${p}`, port: 80 + p, protocol: 'TCP' as const, targetPort: null, nodePort: p > 0 ? 30000 + p : null })),
  };
}

function endpoints(name: string, line: number, count: number): EndpointRecord[] {
  return Array.from({ length: count }, (_, k) => ({ namespace: 'team', name, portName: k % 2 ? 'p1' : null, address: `10.244.${line}.${k}`, port: k === 3 ? null : 8080, line }));
}

describe('schema migration 17 (service blocks)', () => {
  it('moves kube-proxy service, port and endpoint rows, live and trashed, into one block per capture that reads the same; kubectl rows stay', () => {
    const project = tempProject('mig-17');
    try {
      const db = databaseAtVersion(project.dbPath, 16);
      db.exec(`INSERT INTO nodes (id, name, created_at) VALUES (1, 'a', 'x');
        INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES
          (1, 1, 'iptables-save', 'a.save', 'h1', 'x', 1), (2, 1, 'kubectl', 'k.txt', 'h2', 'x', 2),
          (3, 1, 'iptables-save', 'b.save', 'h3', 'x', 3), (4, 1, 'iptables-save', 'c.save', 'h4', 'x', 4),
          (5, 1, 'iptables-save', 'd.save', 'h5', 'x', 5);`);
      const want = new Map<number, { services: ServiceRecord[]; endpoints: EndpointRecord[] }>();
      const store = (capture: number, origin: 'kubectl' | 'kube-proxy', services: ServiceRecord[], eps: EndpointRecord[]): void => {
        insertServices(db, capture, origin, services);
        insertEndpoints(db, capture, origin, eps);
        want.set(capture, { services, endpoints: eps });
      };
      store(1, 'kube-proxy', [service('web', 2, 7), service('api', 1, 9)], [...endpoints('web', 7, 4), ...endpoints('api', 9, 2)]);
      store(2, 'kubectl', [service('web', 1, 3)], endpoints('web', 3, 2));
      store(3, 'kube-proxy', [service('db', 3, 11)], endpoints('db', 11, 5));
      // Endpoints without a service: the rules named none.
      store(5, 'kube-proxy', [], endpoints('lost', 13, 1));
      db.transaction(() => trashCaptures(db, 'undo-1', [3]))();
      // Capture 4's rows take the ids capture 3's had: the trash holds the same service ids under two undo ids.
      store(4, 'kube-proxy', [service('cache', 2, 12)], endpoints('cache', 12, 3));
      db.transaction(() => trashCaptures(db, 'undo-2', [4]))();
      expect(db.prepare('SELECT DISTINCT id FROM trash_services ORDER BY id').pluck().all()).toEqual([4]);
      db.close();

      const s = project.store();
      const origin = (capture: number): string => (capture === 2 ? 'kubectl' : 'kube-proxy');
      const check = (capture: number): void => {
        const w = want.get(capture)!;
        expect(JSON.stringify(s.services(capture))).toBe(JSON.stringify(w.services.map((x) => ({ origin: origin(capture), ...x }))));
        expect(JSON.stringify(s.endpoints(capture))).toBe(JSON.stringify(w.endpoints.map((x) => ({ origin: origin(capture), ...x }))));
      };
      for (const capture of [1, 2, 5]) check(capture);
      expect(s.db.prepare('SELECT capture_id, origin, services, endpoints FROM service_blocks ORDER BY capture_id').raw(true).all()).toEqual([
        [1, 'kube-proxy', 2, 6], [5, 'kube-proxy', 0, 1],
      ]);
      for (const table of ['services', 'endpoints', 'trash_services', 'trash_endpoints']) {
        expect(s.db.prepare(`SELECT count(*) FROM ${table} WHERE origin = 'kube-proxy'`).pluck().get(), table).toBe(0);
      }
      expect(s.db.prepare('SELECT count(*) FROM service_ports').pluck().get()).toBe(1);
      expect(s.db.prepare('SELECT count(*) FROM trash_service_ports').pluck().get()).toBe(0);
      expect(s.db.prepare('SELECT undo_id, capture_id, services, endpoints FROM trash_service_blocks ORDER BY undo_id').raw(true).all()).toEqual([
        ['undo-1', 3, 1, 5], ['undo-2', 4, 1, 3],
      ]);

      // Undos made before the upgrade bring back blocks that read as the rows did.
      s.transaction(() => restoreTrash(s.db, 'undo-2'));
      check(4);
      s.transaction(() => restoreTrash(s.db, 'undo-1'));
      check(3);
      expect(s.db.prepare('SELECT count(*) FROM trash_service_blocks').pluck().get()).toBe(0);
    } finally {
      project.cleanup();
    }
  });

  it('makes the table on a project that never trashed a capture', () => {
    const project = tempProject('mig-17-empty');
    try {
      const db = databaseAtVersion(project.dbPath, 16);
      db.close();
      const s = project.store();
      expect(s.db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%service_blocks%' ORDER BY name").pluck().all()).toEqual(['service_blocks']);
    } finally {
      project.cleanup();
    }
  });
});
