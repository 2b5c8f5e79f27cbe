import { describe, it, expect } from 'vitest';
import { CaptureError } from '../capture-error';
import { looksLikeIpRoute, parseIpRoute } from './ip-route';
import { textFixture, transcriptSlice, withCrlf } from '../../../../test/fixtures/text/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';

describe('parseIpRoute on real outputs', () => {
  it('reads default with metric, host routes as /32, blackhole/unreachable/prohibit and multipath (namespace fixture)', () => {
    expect(parseIpRoute(textFixture('ip-route-client.txt')).routes[0]).toMatchObject({ dst: 'default', via: '10.77.1.1', dev: 'a0', metric: 100 });
    const got = parseIpRoute(textFixture('ip-route.txt'));
    expect(got.routes.map((r) => [r.type, r.dst])).toEqual([
      ['unicast', '10.77.1.0/24'], ['unicast', '10.77.2.0/24'], ['unicast', '10.77.9.2/32'], ['unicast', '10.95.0.5/32'],
      ['unicast', '10.96.0.0/16'], ['prohibit', '10.97.0.0/16'], ['unreachable', '10.98.0.0/16'], ['blackhole', '10.99.0.0/16'],
    ]);
    expect(got.routes[3]).toMatchObject({ via: '10.77.2.2', dev: 'rb', metric: 50 });
    expect(got.routes[4]).toMatchObject({ via: '10.77.2.2', dev: 'rb', flags: ['multipath'], line: 5 });
  });

  it('reads table all: other tables, local/broadcast routes and ipv6 with pref', () => {
    const got = parseIpRoute(textFixture('ip-route-table-all.txt'));
    expect(got.routes[0]).toMatchObject({ dst: '10.94.0.0/16', table: '100', via: '10.77.2.2' });
    const local = got.routes.find((r) => r.dst === '10.77.1.100/32');
    expect(local).toMatchObject({ type: 'local', table: 'local', dev: 'br0', scope: 'host', src: '10.77.1.1', proto: 'kernel' });
    expect(got.routes.find((r) => r.dst === 'fd00:99::/64')).toMatchObject({ family: 'ipv6', via: 'fd00:77:2::2', metric: 1024, table: 'main' });
    expect(got.routes.filter((r) => r.type === 'multicast' && r.dst === 'ff00::/8')).toHaveLength(7);
    expect(got.routes.find((r) => r.dst === '::1/128')).toMatchObject({ type: 'local', metric: 0, table: 'local' });
  });

  it('puts local and broadcast routes of `ip route show table local` in the local table', () => {
    const got = parseIpRoute(textFixture('ip-route-table-local.txt'));
    expect(got.routes.every((r) => r.table === 'local')).toBe(true);
    expect(got.routes.find((r) => r.type === 'broadcast')).toMatchObject({ dst: '10.77.1.255/32', scope: 'link' });
  });

  it('parses CRLF input the same as LF', () => {
    const input = textFixture('ip-route-table-all.txt');
    expect(parseIpRoute(withCrlf(input))).toEqual(parseIpRoute(input));
  });
});

describeShared('transcripts', 'parseIpRoute (shared transcripts)', () => {
  it('reads a node routing table with old double-spaced columns and linkdown', () => {
    const got = parseIpRoute(transcriptSlice('002_1fb178fb5a43cd31.txt', 294, 296));
    expect(got.routes).toEqual([
      { type: 'unicast', dst: 'default', family: 'ipv4', via: '172.31.16.1', dev: 'eth0', src: null, metric: null, table: 'main', scope: null, proto: null, flags: [], line: 294 },
      { type: 'unicast', dst: '172.17.0.0/16', family: 'ipv4', via: null, dev: 'docker0', src: '172.17.0.1', metric: null, table: 'main', scope: 'link', proto: 'kernel', flags: ['linkdown'], line: 295 },
      { type: 'unicast', dst: '172.31.16.0/20', family: 'ipv4', via: null, dev: 'eth0', src: '172.31.28.198', metric: null, table: 'main', scope: 'link', proto: 'kernel', flags: [], line: 296 },
    ]);
  });

  it('reads a static route to another node docker0 subnet', () => {
    const got = parseIpRoute(transcriptSlice('002_1fb178fb5a43cd31.txt', 920, 923));
    expect(got.routes[1]).toMatchObject({ dst: '172.17.0.0/16', via: '172.31.28.198', dev: 'eth0', line: 921 });
  });
});

describe('parseIpRoute on other forms', () => {
  it('reads dhcp defaults, onlink, ipv6 defaults with expires, inet6 gateways and cache lines', () => {
    const text = [
      'default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 100',
      '169.254.1.1 dev cali0 scope link onlink',
      'default via fe80::1 dev eth0 proto ra metric 1024 expires 1797sec hoplimit 64 pref medium',
      'unreachable default dev lo proto kernel metric 4294967295 error -101 pref medium',
      'default via inet6 fe80::1 dev eth1',
      '10.0.0.9 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0',
      '    cache expires 290sec mtu 1400',
    ].join('\n');
    const got = parseIpRoute({ file: 'x', text, firstLine: 1 });
    expect(got.routes[0]).toMatchObject({ via: '10.0.0.1', proto: 'dhcp', src: '10.0.0.5', metric: 100 });
    expect(got.routes[1]).toMatchObject({ dst: '169.254.1.1/32', flags: ['onlink'], scope: 'link' });
    expect(got.routes[2]).toMatchObject({ dst: 'default', family: 'ipv6', via: 'fe80::1', metric: 1024, proto: 'ra' });
    expect(got.routes[3]).toMatchObject({ type: 'unreachable', dev: 'lo', metric: 4294967295 });
    expect(got.routes[4]).toMatchObject({ via: 'fe80::1', dev: 'eth1' });
    expect(got.routes[5]).toMatchObject({ dst: '10.0.0.9/32', flags: ['cache'] });
  });

  it('reports a line that is not a route with file and line, and empty output', () => {
    const text = 'default via 10.0.0.1 dev eth0\nsomething odd here\n';
    expect(() => parseIpRoute({ file: 'n/route.txt', text, firstLine: 7 })).toThrow('n/route.txt:8: not a route destination');
    expect(() => parseIpRoute({ file: 'n/route.txt', text: 'default via eth0\n', firstLine: 1 })).toThrow('n/route.txt:1: not a gateway address');
    expect(() => parseIpRoute({ file: 'n/route.txt', text: 'default via 10.0.0.1 dev eth0 metric 4294967296\n', firstLine: 1 })).toThrow('n/route.txt:1: not a 32-bit metric');
    expect(() => parseIpRoute({ file: 'n/route.txt', text: '', firstLine: 1 })).toThrow(CaptureError);
  });

  it('sniffs ip route output and not route -n or ip addr', () => {
    expect(looksLikeIpRoute(textFixture('ip-route.txt').text)).toBe(true);
    expect(looksLikeIpRoute(textFixture('ip-6-route.txt').text)).toBe(true);
    expect(looksLikeIpRoute(textFixture('route-n.txt').text)).toBe(false);
    expect(looksLikeIpRoute(textFixture('ip-addr.txt').text)).toBe(false);
  });
});
