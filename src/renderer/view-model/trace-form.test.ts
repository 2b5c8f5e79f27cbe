import { describe, expect, it } from 'vitest';
import type { NodeJson } from '../../shared/contract/contract-json';
import { validate } from '../../shared/contract/validator';
import { traceRequest } from '../../shared/contract/trace-request';
import { arrivalChoices, buildTraceRequest, describeRequest, initialTraceForm, LOCAL_ARRIVAL, NEWEST_SNAPSHOT, OTHER_ARRIVAL, reconcileTraceForm, snapshotChoices, withNode, type TraceForm } from './trace-form';
import { captureJson, interfaceJson, nodeJson, routeJson } from '../../shared/contract/contract-json.fixture';

const ifc = (name: string, addresses: string[] = []) => interfaceJson(name, { addresses, state: 'UP' });
const NODES: NodeJson[] = [
  nodeJson('nodea', {
    interfaces: [ifc('lo', ['127.0.0.1/8']), ifc('eth0', ['192.168.56.11/24']), ifc('cbr0', ['10.40.1.1/24'])],
    routes: [],
    captures: [
      captureJson(3, 'iptables-save', 'nodea.txt:32', { takenAt: '2026-11-23T22:43:48.000Z' }),
      captureJson(4, 'iptables-list', 'nodea.txt:80'),
      captureJson(5, 'ip-addr', 'nodea.txt:11'),
      captureJson(9, 'iptables-save', 'pod.txt:1', { netns: 'default/web' }),
    ],
  }),
  nodeJson('nodeb', { interfaces: [ifc('eth0', ['192.168.56.12/24']), ifc('flannel.1')] }),
];

const filled = (more: Partial<TraceForm> = {}): TraceForm => ({ ...initialTraceForm(NODES), src: '10.40.1.3:40001', dst: '10.96.0.10:80', arrival: 'cbr0', ...more });

describe('trace form choices', () => {
  it('offers the node’s interfaces with their addresses, loopback last, then local, then one typed by hand', () => {
    const other = { value: OTHER_ARRIVAL, label: 'another interface (not in the captures)…' };
    expect(arrivalChoices(NODES[0])).toEqual([
      { value: 'eth0', label: 'eth0 (192.168.56.11/24)' },
      { value: 'cbr0', label: 'cbr0 (10.40.1.1/24)' },
      { value: 'lo', label: 'lo (127.0.0.1/8)' },
      { value: LOCAL_ARRIVAL, label: 'local — sent by a process on the node' },
      other,
    ]);
    expect(arrivalChoices(undefined)).toEqual([{ value: LOCAL_ARRIVAL, label: 'local — sent by a process on the node' }, other]);
  });

  it('offers, on a node captured without ip addr, the devices its routes name, and sends one chosen', () => {
    const routesOnly = nodeJson('lonely', { interfaces: [], routes: [routeJson('default', { via: '192.168.1.1', dev: 'eth0' }), routeJson('10.244.1.0/24', { via: '192.168.1.51', dev: 'eth0' }), routeJson('10.0.0.0/8', { dev: 'tunl0' })] });
    expect(arrivalChoices(routesOnly)).toEqual([
      { value: 'eth0', label: 'eth0 (named by a route; its addresses were not captured)' },
      { value: 'tunl0', label: 'tunl0 (named by a route; its addresses were not captured)' },
      { value: LOCAL_ARRIVAL, label: 'local — sent by a process on the node' },
      { value: OTHER_ARRIVAL, label: 'another interface (not in the captures)…' },
    ]);
    const form = initialTraceForm([routesOnly]);
    expect(form.arrival).toBe('eth0');
    const built = buildTraceRequest({ ...form, src: '192.168.1.9', dst: '10.244.1.5:80' }, [routesOnly]);
    expect(built.ok && built.request.in).toBe('eth0');
  });

  it('sends an interface typed by hand as it is, and asks for one when none is typed', () => {
    const typed = buildTraceRequest(filled({ arrival: OTHER_ARRIVAL, otherArrival: ' cni0 ' }), NODES);
    expect(typed.ok && typed.request.in).toBe('cni0');
    expect(buildTraceRequest(filled({ arrival: OTHER_ARRIVAL, otherArrival: '' }), NODES)).toEqual({ ok: false, errors: { arrival: 'name the interface the packet arrives on' } });
    expect(buildTraceRequest(filled({ arrival: OTHER_ARRIVAL, otherArrival: 'eth 0' }), NODES)).toEqual({ ok: false, errors: { arrival: '"eth 0" is not an interface name' } });
  });

  it('offers the node’s own ruleset captures newest first, after "newest"', () => {
    expect(snapshotChoices(NODES[0]).map((c) => c.value)).toEqual([NEWEST_SNAPSHOT, '4', '3']);
    expect(snapshotChoices(NODES[0])[2]?.label).toBe('#3 iptables-save · nodea.txt:32 · 2026-11-23 22:43:48 UTC');
  });

  it('starts on the first node, TCP, its first interface', () => {
    expect(initialTraceForm(NODES)).toEqual({ node: 'nodea', proto: 'tcp', src: '', dst: '', arrival: 'eth0', otherArrival: '', follow: false, snapshot: NEWEST_SNAPSHOT, bridgeNetfilter: true });
    expect(initialTraceForm([])).toMatchObject({ node: '', arrival: LOCAL_ARRIVAL });
  });

  it('keeps an arrival interface of the same name when the node changes, and drops the snapshot', () => {
    expect(withNode(filled({ arrival: 'eth0', snapshot: '3' }), NODES, 'nodeb')).toMatchObject({ node: 'nodeb', arrival: 'eth0', snapshot: NEWEST_SNAPSHOT });
    expect(withNode(filled({ arrival: 'cbr0' }), NODES, 'nodeb')).toMatchObject({ arrival: 'eth0' });
    expect(withNode(filled({ arrival: LOCAL_ARRIVAL }), NODES, 'nodeb')).toMatchObject({ arrival: LOCAL_ARRIVAL });
  });

  it('keeps what still exists after the project changes', () => {
    expect(reconcileTraceForm(filled({ snapshot: '3' }), NODES)).toEqual(filled({ snapshot: '3' }));
    expect(reconcileTraceForm(filled({ node: 'gone' }), NODES)).toMatchObject({ node: 'nodea', arrival: 'eth0', src: '10.40.1.3:40001' });
  });
});

describe('trace request from the form', () => {
  it('builds the request the trace operation validates', () => {
    const check = buildTraceRequest(filled({ follow: true, snapshot: '3' }), NODES);
    expect(check).toEqual({
      ok: true,
      request: { node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: true, snapshot: 3 },
    });
    if (check.ok) expect(validate(traceRequest, check.request)).toEqual(check.request);
  });

  it('leaves br_netfilter to the simulator (assumed on) when checked, and sends false when unchecked', () => {
    const on = buildTraceRequest(filled({}), NODES);
    expect(on.ok && 'bridgeNetfilter' in on.request).toBe(false);
    const off = buildTraceRequest(filled({ bridgeNetfilter: false }), NODES);
    expect(off).toMatchObject({ ok: true, request: { bridgeNetfilter: false } });
    if (off.ok) {
      expect(validate(traceRequest, off.request)).toEqual(off.request);
      expect(describeRequest(off.request)).toBe('nodea: tcp 10.40.1.3:40001 → 10.96.0.10:80 in cbr0, without br_netfilter');
    }
  });

  it('lets a local packet leave its source out (the kernel picks it), but not an arriving one', () => {
    const local = buildTraceRequest(filled({ arrival: LOCAL_ARRIVAL, src: ' ' }), NODES);
    expect(local).toMatchObject({ ok: true, request: { src: null, sport: null, in: null, local: true } });
    if (local.ok) {
      expect(validate(traceRequest, local.request)).toEqual(local.request);
      expect(describeRequest(local.request)).toBe('nodea: tcp the source the kernel picks → 10.96.0.10:80 sent locally');
    }
    expect(buildTraceRequest(filled({ src: '' }), NODES)).toEqual({ ok: false, errors: { src: 'give the source as IP or IP:PORT (only a local packet may leave it out)' } });
  });

  it('sends a local packet without an arrival interface, and ports as null when not given', () => {
    const check = buildTraceRequest(filled({ arrival: LOCAL_ARRIVAL, src: '192.168.56.11', dst: '[fd00::1]:443' }), NODES);
    expect(check).toMatchObject({ ok: true, request: { in: null, local: true, sport: null, dst: 'fd00::1', dport: 443 } });
  });

  it('names every field that is wrong', () => {
    expect(buildTraceRequest(filled({ src: '', dst: 'web:80' }), NODES)).toEqual({
      ok: false,
      errors: { src: 'give the source as IP or IP:PORT (only a local packet may leave it out)', dst: '"web:80" is not IP[:PORT]' },
    });
    expect(buildTraceRequest(filled({ node: 'nodez' }), NODES)).toMatchObject({ ok: false, errors: { node: 'no node "nodez" in this project' } });
    expect(buildTraceRequest(filled({ arrival: 'cbr9' }), NODES)).toMatchObject({ ok: false, errors: { arrival: 'nodea has no interface "cbr9"' } });
    expect(buildTraceRequest(filled({ snapshot: '9' }), NODES)).toMatchObject({ ok: false, errors: { snapshot: 'not a ruleset capture of this node' } });
    expect(buildTraceRequest(filled({ proto: 'icmp' }), NODES)).toMatchObject({ ok: false, errors: { src: 'ICMP has no ports: give the address alone' } });
  });

  it('describes a request in one line', () => {
    const check = buildTraceRequest(filled({ follow: true }), NODES);
    expect(check.ok && describeRequest(check.request)).toBe('nodea: tcp 10.40.1.3:40001 → 10.96.0.10:80 in cbr0, followed across nodes');
  });
});
