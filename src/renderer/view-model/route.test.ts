import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE, formatRoute, parseRoute, tabRoute, withFilter, type Route, type TraceQuery } from './route';
import { TABS } from './tabs';

const TRACE: TraceQuery = {
  node: 'nodea', proto: 'tcp', src: '10.40.1.3:40001', dst: '10.96.0.10:80', arrival: { kind: 'in', iface: 'cbr0' }, follow: false, snapshot: null, bridgeNetfilter: true,
};

describe('route fragments', () => {
  it('writes the contract’s links', () => {
    expect(formatRoute({ tab: 'flows', flow: 12 })).toBe('#/flows/12');
    expect(formatRoute({ tab: 'nodes', node: 'nodea' })).toBe('#/nodes/nodea');
    expect(formatRoute({ tab: 'findings', finding: null })).toBe('#/findings');
    expect(formatRoute({ tab: 'findings', finding: 'packet-dropped:nodeb:filter/FORWARD:policy' })).toBe('#/findings/packet-dropped:nodeb:filter%2FFORWARD:policy');
    expect(formatRoute({ tab: 'trace', trace: TRACE })).toBe('#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0');
    expect(formatRoute({ tab: 'trace', trace: { ...TRACE, src: '', arrival: { kind: 'local' } } })).toBe('#/trace?node=nodea&proto=tcp&dst=10.96.0.10:80&local=1');
  });

  it('reads back every route it writes', () => {
    const routes: Route[] = [
      ...TABS.map((t) => tabRoute(t.id)),
      { tab: 'nodes', node: 'worker-1.example' },
      { tab: 'nodes', node: 'node with/slash & ?' },
      { tab: 'flows', flow: 1 },
      { tab: 'findings', finding: 'packet-dropped:nodeb:filter/FORWARD:policy' },
      { tab: 'findings', finding: 'service-without-endpoints:default/web:80 #2?' },
      { tab: 'flows', flow: Number.MAX_SAFE_INTEGER },
      { tab: 'trace', trace: TRACE },
      { tab: 'trace', trace: { ...TRACE, src: '', arrival: { kind: 'local' }, follow: true, snapshot: 7, bridgeNetfilter: false } },
      { tab: 'trace', trace: { ...TRACE, proto: 'udp', src: '[fd00::3]:53', dst: 'fd00:96::a', arrival: { kind: 'in', iface: 'eth0.100@x' } } },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route)), formatRoute(route)).toEqual({ route, problem: null });
  });

  it('opens the default view for an empty fragment, with or without #', () => {
    for (const hash of ['', '#', '#/', '/']) expect(parseRoute(hash)).toEqual({ route: DEFAULT_ROUTE, problem: null });
    expect(parseRoute('/flows/3').route).toEqual({ tab: 'flows', flow: 3 });
  });

  it('reads a hand-written trace link: %3A and : alike, protocol in any case, tcp when left out', () => {
    const { route, problem } = parseRoute('#/trace?node=nodea&proto=TCP&src=10.40.1.3%3A40001&dst=10.96.0.10:80&in=cbr0');
    expect(problem).toBeNull();
    expect(route).toEqual({ tab: 'trace', trace: TRACE });
    expect(parseRoute('#/trace?node=nodea&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0').route).toEqual({ tab: 'trace', trace: TRACE });
  });

  it('names what is wrong with a bad link and falls back to the nearest view', () => {
    const cases: Array<[string, Route, RegExp]> = [
      ['#/flows/abc', { tab: 'flows', flow: null }, /"abc" is not a flow number/],
      ['#/flows/0', { tab: 'flows', flow: null }, /"0" is not a flow number/],
      ['#/flows/99999999999999999999', { tab: 'flows', flow: null }, /not a flow number/],
      ['#/routes', DEFAULT_ROUTE, /no view #\/routes/],
      ['#/findings/%E0%A4%A', { tab: 'findings', finding: null }, /not correctly encoded/],
      ['#/trace/nodea', { tab: 'trace', trace: null }, /#\/trace opens nothing by name/],
      ['#/flows/3?x=1', { tab: 'flows', flow: null }, /has an unknown field "x" \(only filter=\)/],
      ['#/findings?filter=tcp', { tab: 'findings', finding: null }, /has a query \(only #\/trace, #\/topology, #\/nodes, #\/captures and #\/flows take one\)/],
      ['#/captures?filter=a&filter=b', { tab: 'captures' }, /"filter" more than once/],
      ['#flows', DEFAULT_ROUTE, /start with #\//],
      ['#/nodes/%E0%A4%A', { tab: 'nodes', node: null }, /not correctly encoded/],
      ['#/trace?node=nodea&proto=sctp&src=1.1.1.1&dst=2.2.2.2&in=eth0', { tab: 'trace', trace: null }, /protocol "sctp"/],
      ['#/trace?proto=tcp&src=1.1.1.1&dst=2.2.2.2&in=eth0', { tab: 'trace', trace: null }, /names no node/],
      ['#/trace?node=a&src=1.1.1.1&in=eth0', { tab: 'trace', trace: null }, /names no destination/],
      ['#/trace?node=a&src=1.1.1.1&dst=2.2.2.2&in=eth0&local=1', { tab: 'trace', trace: null }, /exactly one of in=IFACE and local=1/],
      ['#/trace?node=a&src=1.1.1.1&dst=2.2.2.2', { tab: 'trace', trace: null }, /exactly one of/],
      ['#/trace?node=a&dst=2.2.2.2&in=eth0', { tab: 'trace', trace: null }, /names no source/],
      ['#/trace?node=a&src=1.1.1.1&dst=2.2.2.2&in=eth0&colour=red', { tab: 'trace', trace: null }, /unknown field "colour"/],
      ['#/trace?node=a&node=b&src=1.1.1.1&dst=2.2.2.2&in=eth0', { tab: 'trace', trace: null }, /"node" more than once/],
      ['#/trace?node=a&dst=2.2.2.2&local=yes', { tab: 'trace', trace: null }, /local=yes/],
      ['#/trace?node=a&dst=2.2.2.2&local=1&snapshot=-3', { tab: 'trace', trace: null }, /snapshot=-3/],
      ['#/trace?node=a&dst=2.2.2.2&local=1&bridge-nf=maybe', { tab: 'trace', trace: null }, /bridge-nf=maybe/],
    ];
    for (const [hash, route, problem] of cases) {
      const parsed = parseRoute(hash);
      expect(parsed.route, hash).toEqual(route);
      expect(parsed.problem ?? '', hash).toMatch(problem);
    }
  });

  it('carries a filter box’s text on the nodes, captures and flows links, and reads it back', () => {
    expect(formatRoute({ tab: 'flows', flow: null, filter: 'host 10.40.0.6 and port 8080' })).toBe('#/flows?filter=host%2010.40.0.6%20and%20port%208080');
    expect(formatRoute({ tab: 'flows', flow: 3, filter: 'net 10.40.0.0/16' })).toBe('#/flows/3?filter=net%2010.40.0.0%2F16');
    expect(formatRoute({ tab: 'flows', flow: null, filter: '  ' })).toBe('#/flows');
    expect(formatRoute({ tab: 'captures', filter: 'nodea' })).toBe('#/captures?filter=nodea');
    const routes: Route[] = [
      { tab: 'flows', flow: null, filter: 'host 10.40.0.6 and (port 8080 or not udp) && !port 53 || dst port 1' },
      { tab: 'flows', flow: 9, filter: 'net fd00::/64' },
      { tab: 'nodes', node: null, filter: '10.40.1.0/24' },
      { tab: 'nodes', node: 'nodea', filter: 'cbr0' },
      { tab: 'captures', filter: 'iptables-save nodeb' },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route)), formatRoute(route)).toEqual({ route, problem: null });
    expect(parseRoute('#/flows?filter=').route).toEqual({ tab: 'flows', flow: null });
    expect(withFilter({ tab: 'flows', flow: 2, filter: 'tcp' }, '')).toEqual({ tab: 'flows', flow: 2 });
    expect(withFilter({ tab: 'captures' }, 'pcap')).toEqual({ tab: 'captures', filter: 'pcap' });
  });

  it('keeps a malformed address in the query for the form to point out', () => {
    const parsed = parseRoute('#/trace?node=nodea&src=pod-a:40001&dst=10.96.0.10:80&in=cbr0');
    expect(parsed.problem).toBeNull();
    expect(parsed.route.tab === 'trace' && parsed.route.trace?.src).toBe('pod-a:40001');
  });
});
