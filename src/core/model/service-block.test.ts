import { describe, expect, it } from 'vitest';
import { caseSeed, randomFrom, type Random } from '../../../test/fuzz/prng';
import { useTempProject } from '../../../test/support/temp-project';
import type { ServiceRecord } from '../records/records';
import { restoreTrash, trashCaptures } from './rows/edits';
import { ServiceBlockWriter, type EndpointRecord, type ServiceBlock } from './service-block';
import type { NewCapture, Store } from './store';

const project = useTempProject('service-block');

function newCapture(store: Store, hash: string): number {
  const nodeId = store.ensureNode('a');
  const capture: NewCapture = {
    nodeId, sourceId: null, kind: 'iptables-save', namespace: null, sourceFile: 'a.txt', firstLine: 1, lastLine: 9,
    command: null, partial: false, contentHash: hash, takenAt: null,
  };
  return store.insertCapture(capture);
}

/** Values as varied as a stored row can hold; lists hold no commas (a row keeps a list as comma-joined text). */
function randomRecords(rnd: Random): { services: ServiceRecord[]; endpoints: EndpointRecord[] } {
  const text = (): string => rnd.pick(['', 'default', 'kube-system', 'svc-1', 'ünï 𝄞', 'nul\0', 'a"b\\c', 'line\nbreak', `n${rnd.int(1000)}`]);
  const maybe = <T>(v: () => T): T | null => (rnd.chance(0.3) ? null : v());
  const number = (): number => rnd.pick([0, 1, 80, 65535, 2147483647, 2147483648, -2147483648, 1e20, rnd.int(100_000)]);
  const address = (): string => rnd.pick([`10.0.${rnd.int(256)}.${rnd.int(256)}`, 'fd00::1', '']);
  const services = Array.from({ length: rnd.int(40) }, (): ServiceRecord => ({
    namespace: text(), name: text(), type: maybe(() => rnd.pick(['ClusterIP', 'NodePort', 'LoadBalancer'])), clusterIP: maybe(address),
    externalIPs: Array.from({ length: rnd.int(3) }, () => `192.0.2.${rnd.int(256)}`),
    loadBalancerIPs: Array.from({ length: rnd.int(3) }, () => `198.51.100.${rnd.int(256)}`),
    ports: Array.from({ length: rnd.int(4) }, () => ({
      name: maybe(text), port: number(), protocol: rnd.pick(['TCP', 'UDP', 'SCTP'] as const), targetPort: maybe(text), nodePort: maybe(number),
    })),
    selector: maybe(text), line: number(),
  }));
  const endpoints: EndpointRecord[] = [];
  for (let run = rnd.int(30); run > 0; run--) {
    // A run of endpoints of one service port, as kube-proxy's come; some runs differ from the one before in one field alone.
    const last = endpoints[endpoints.length - 1];
    const group = last !== undefined && rnd.chance(0.4)
      ? { ...last, ...rnd.pick([{ namespace: text() }, { name: text() }, { portName: maybe(text) }, { line: number() }]) }
      : { namespace: text(), name: text(), portName: maybe(text), line: number() };
    for (let k = 1 + rnd.int(5); k > 0; k--) endpoints.push({ ...group, address: address(), port: maybe(number) });
  }
  return { services, endpoints };
}

function blockOf(services: readonly ServiceRecord[], endpoints: readonly EndpointRecord[], endpointsFirst: boolean): ServiceBlock | null {
  const w = new ServiceBlockWriter();
  if (!endpointsFirst) w.services(services);
  for (const e of endpoints) w.endpoint(e);
  if (endpointsFirst) w.services(services);
  return w.finish();
}

describe('service blocks', () => {
  it('read back exactly what the same records read back as rows, field for field and in order (200 random captures)', () => {
    const store = project().store();
    for (let i = 0; i < 200; i++) {
      const rnd = randomFrom(caseSeed(15, i));
      const { services, endpoints } = randomRecords(rnd);
      const rows = newCapture(store, `rows-${i}`);
      store.insertServices(rows, 'kube-proxy', services);
      store.insertEndpoints(rows, 'kube-proxy', endpoints);
      const inBlock = newCapture(store, `block-${i}`);
      const block = blockOf(services, endpoints, rnd.chance(0.5));
      if (block !== null) store.insertServiceBlock(inBlock, 'kube-proxy', block);
      // JSON text: the same keys in the same order, as the faces print them.
      expect(JSON.stringify(store.services(inBlock)), `case ${i}`).toBe(JSON.stringify(store.services(rows)));
      expect(JSON.stringify(store.endpoints(inBlock)), `case ${i}`).toBe(JSON.stringify(store.endpoints(rows)));
      expect([store.count('services', inBlock), store.count('endpoints', inBlock)]).toEqual([services.length, endpoints.length]);
    }
  });

  it('stores nothing for a capture without services or endpoints', () => {
    expect(new ServiceBlockWriter().finish()).toBeNull();
  });

  it('counts the services and endpoints of blocks with those of rows', () => {
    const store = project().store();
    const service: ServiceRecord = { namespace: 'ns', name: 's', type: null, clusterIP: null, externalIPs: [], loadBalancerIPs: [], ports: [], selector: null, line: 1 };
    const endpoint: EndpointRecord = { namespace: 'ns', name: 's', portName: null, address: '10.0.0.1', port: 80, line: 1 };
    const rows = newCapture(store, 'rows');
    store.insertServices(rows, 'kubectl', [service]);
    store.insertEndpoints(rows, 'kubectl', [endpoint]);
    const inBlock = newCapture(store, 'block');
    store.insertServiceBlock(inBlock, 'kube-proxy', blockOf([service, service], [endpoint, endpoint, endpoint], false)!);
    expect([store.count('services'), store.count('endpoints')]).toEqual([3, 4]);
    expect([store.count('services', rows), store.count('endpoints', rows)]).toEqual([1, 1]);
  });

  it('says which capture holds a damaged block', () => {
    const store = project().store();
    const id = newCapture(store, 'damaged');
    const endpoint: EndpointRecord = { namespace: 'ns', name: 's', portName: null, address: '10.0.0.1', port: 80, line: 1 };
    store.insertServiceBlock(id, 'kube-proxy', blockOf([], [endpoint, endpoint], false)!);
    store.db.prepare('UPDATE service_blocks SET endpoints = 3').run();
    expect(() => store.endpoints(id)).toThrow(new RegExp(`the endpoints of capture ${id} are damaged \\(2 endpoints where 3 were stored\\)`));
    store.db.prepare('UPDATE service_blocks SET service_tape = ?').run(Buffer.from('no tape'));
    expect(() => store.services(id)).toThrow(new RegExp(`project.db: the services of capture ${id} are damaged \\(not a value tape`));
  });

  it('goes with its capture: deleted with it, trashed and brought back by an undo', () => {
    const store = project().store();
    const endpoint: EndpointRecord = { namespace: 'ns', name: 's', portName: 'http', address: '10.0.0.1', port: 80, line: 4 };
    const service: ServiceRecord = { namespace: 'ns', name: 's', type: 'ClusterIP', clusterIP: '10.96.0.1', externalIPs: [], loadBalancerIPs: [], ports: [], selector: null, line: 4 };
    const kept = newCapture(store, 'kept');
    const gone = newCapture(store, 'gone');
    for (const id of [kept, gone]) store.insertServiceBlock(id, 'kube-proxy', blockOf([service], [endpoint], false)!);
    const before = store.services(kept);
    store.transaction(() => trashCaptures(store.db, 'undo-1', [kept]));
    expect(store.services(kept)).toEqual([]);
    expect(store.db.prepare('SELECT count(*) FROM trash_service_blocks').pluck().get()).toBe(1);
    store.transaction(() => restoreTrash(store.db, 'undo-1'));
    expect(store.services(kept)).toEqual(before);
    expect(store.endpoints(kept)).toEqual([{ origin: 'kube-proxy', ...endpoint }]);
    store.deleteCapture(gone);
    expect(store.db.prepare('SELECT capture_id FROM service_blocks').pluck().all()).toEqual([kept]);
  });
});
