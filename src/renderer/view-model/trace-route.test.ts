import { describe, expect, it } from 'vitest';
import type { NodeJson } from '../../shared/contract/contract-json';
import { parseRoute } from './route';
import { buildTraceRequest, LOCAL_ARRIVAL, OTHER_ARRIVAL } from './trace-form';
import { traceFormOf, traceLinkKey, traceQueryKey, traceQueryOf } from './trace-route';
import { captureJson, interfaceJson, nodeJson } from '../../shared/contract/contract-json.fixture';

const ifc = (name: string, addresses: string[] = []) => interfaceJson(name, { addresses, state: 'UP' });
const NODES: NodeJson[] = [
  nodeJson('nodea', {
    interfaces: [ifc('eth0', ['192.168.56.11/24']), ifc('cbr0', ['10.40.1.1/24'])],
    routes: [],
    captures: [captureJson(3, 'iptables-save', 'nodea.txt:32')],
  }),
];

describe('trace links and the trace form', () => {
  it('a link fills the form that builds the same request again', () => {
    const parsed = parseRoute('#/trace?node=nodea&proto=udp&src=10.40.1.3:5353&dst=10.96.0.10:53&in=cbr0&follow=1&snapshot=3&bridge-nf=off');
    if (parsed.route.tab !== 'trace' || parsed.route.trace === null) throw new Error('not a trace route');
    const form = traceFormOf(parsed.route.trace, NODES);
    const built = buildTraceRequest(form, NODES);
    expect(built).toEqual({
      ok: true,
      request: { node: 'nodea', proto: 'udp', src: '10.40.1.3', sport: 5353, dst: '10.96.0.10', dport: 53, in: 'cbr0', local: false, follow: true, snapshot: 3, bridgeNetfilter: false },
    });
    if (built.ok) expect(traceQueryOf(built.request)).toEqual(parsed.route.trace);
  });

  it('a local trace without a source keeps the kernel’s choice', () => {
    const query = traceQueryOf({ node: 'nodea', proto: 'icmp', src: null, dst: 'fd00::1', local: true, follow: false });
    expect(query).toMatchObject({ src: '', dst: 'fd00::1', arrival: { kind: 'local' } });
    expect(traceFormOf(query, NODES)).toMatchObject({ arrival: LOCAL_ARRIVAL, src: '' });
    expect(traceQueryOf({ node: 'nodea', proto: 'tcp', src: 'fd00::3', sport: 40000, dst: 'fd00::1', dport: 80, local: true, follow: false }).src).toBe('[fd00::3]:40000');
  });

  it('an interface the captures do not list is typed by hand; an unknown node is the form’s error', () => {
    const parsed = parseRoute('#/trace?node=nodea&src=10.0.0.1&dst=10.0.0.2&in=flannel.1');
    if (parsed.route.tab !== 'trace' || parsed.route.trace === null) throw new Error('not a trace route');
    expect(traceFormOf(parsed.route.trace, NODES)).toMatchObject({ arrival: OTHER_ARRIVAL, otherArrival: 'flannel.1' });
    const ghost = traceFormOf({ ...parsed.route.trace, node: 'ghost' }, NODES);
    const check = buildTraceRequest(ghost, NODES);
    expect(check.ok === false && check.errors.node).toBe('no node "ghost" in this project');
  });

  it('a link naming a node the list lacks is applied again when the list changes (the app may not have read the project yet)', () => {
    const parsed = parseRoute('#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0');
    if (parsed.route.tab !== 'trace' || parsed.route.trace === null) throw new Error('not a trace route');
    const query = parsed.route.trace;
    const before = traceLinkKey(query, []);
    const loaded = traceLinkKey(query, NODES);
    expect(loaded).not.toBe(before);
    expect(loaded).toBe(traceQueryKey(query));
    expect(traceLinkKey(query, [...NODES, nodeJson('nodeb', { interfaces: [], routes: [], captures: [] })])).toBe(loaded);
    const other = [nodeJson('nodez', { interfaces: [], routes: [], captures: [] })];
    expect(traceLinkKey(query, other)).not.toBe(before);
    expect(traceLinkKey(query, other)).toBe(traceLinkKey(query, other));
  });
});
