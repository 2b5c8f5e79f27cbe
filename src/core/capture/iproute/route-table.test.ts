import { describe, it, expect } from 'vitest';
import { CaptureError } from '../capture-error';
import { headerlessColumnsOf, looksLikeHeaderlessRoutes, looksLikeRouteTable, parseRouteTable } from './route-table';
import { textFixture, withCrlf } from '../../../../test/fixtures/text/fixture-input';

describe('parseRouteTable', () => {
  it('reads route -n: genmask to prefix, 0.0.0.0 gateway to no via, metric, reject routes (namespace fixture)', () => {
    const got = parseRouteTable(textFixture('route-n.txt'));
    expect(got.kind).toBe('route-table');
    expect(got.routes.map((r) => [r.dst, r.via, r.dev, r.metric, r.flags, r.type])).toEqual([
      ['10.77.1.0/24', null, 'br0', 0, ['U'], 'unicast'],
      ['10.77.2.0/24', null, 'rb', 0, ['U'], 'unicast'],
      ['10.77.9.2/32', null, 'pp0', 0, ['UH'], 'unicast'],
      ['10.95.0.5/32', '10.77.2.2', 'rb', 50, ['UGH'], 'unicast'],
      ['10.96.0.0/16', '10.77.2.2', 'rb', 0, ['UG'], 'unicast'],
      ['10.97.0.0/16', null, null, 0, ['!'], 'unreachable'],
      ['10.98.0.0/16', null, null, 0, ['!'], 'unreachable'],
      ['10.99.0.0/16', null, null, 0, ['U'], 'unicast'],
    ]);
    expect(got.routes[0]).toMatchObject({ family: 'ipv4', table: 'main', line: 3 });
  });

  it('reads netstat -rn (MSS Window irtt, no metric column)', () => {
    const got = parseRouteTable(textFixture('netstat-rn.txt'));
    expect(got.routes).toHaveLength(8);
    expect(got.routes[3]).toMatchObject({ dst: '10.95.0.5/32', via: '10.77.2.2', dev: 'rb', metric: null, flags: ['UGH'] });
  });

  it('turns a 0.0.0.0/0 destination into default', () => {
    const text = [
      'Kernel IP routing table',
      'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface',
      '0.0.0.0         192.168.255.1   0.0.0.0         UG    0      0        0 veth1',
      '192.168.255.0   0.0.0.0         255.255.255.0   U     0      0        0 veth1',
    ].join('\n');
    const got = parseRouteTable({ file: 'demo-ns/route', text, firstLine: 1 });
    expect(got.routes[0]).toMatchObject({ dst: 'default', via: '192.168.255.1', dev: 'veth1', flags: ['UG'], line: 3 });
  });

  it('reads route -n -A inet6 with its two-word Next Hop column', () => {
    const got = parseRouteTable(textFixture('route-n-inet6.txt'));
    expect(got.routes).toHaveLength(21);
    expect(got.routes[1]).toMatchObject({ dst: 'fd00:99::/64', family: 'ipv6', via: 'fd00:77:2::2', metric: 1024, dev: 'rb', flags: ['UG'] });
    expect(got.routes[9]).toMatchObject({ dst: 'default', type: 'unreachable', metric: -1, dev: 'lo' });
  });

  it('puts the IPv6 table\'s own-address routes (`Un`) in the local table and its null entries (`!n`) in IPv6', () => {
    const got = parseRouteTable(textFixture('route-n-inet6.txt'));
    expect(got.routes[10]).toMatchObject({ dst: '::1/128', type: 'local', table: 'local', family: 'ipv6', dev: 'lo' });
    expect(got.routes[11]).toMatchObject({ dst: 'fd00:77:2::1/128', type: 'local', table: 'local', dev: 'rb' });
    expect(got.routes[0]).toMatchObject({ type: 'unicast', table: 'main' });
    // Read as IPv4 before: an IPv4 "unreachable default" taken from the IPv6 table.
    expect(got.routes.filter((r) => r.dst === 'default').map((r) => r.family)).toEqual(['ipv6', 'ipv6']);
  });

  it('reads route -6 without -n: the unspecified address printed [::]', () => {
    const text = [
      'Kernel IPv6 routing table',
      'Destination                    Next Hop                   Flag Met Ref  Use If',
      'fd00::/64                      [::]                       U    256 1      0 eth0',
      '[::]/0                         fd00::1                    UG   1024 3      0 eth0',
      '[::]/0                         [::]                       !n   -1  1      0 lo',
    ].join('\n');
    const got = parseRouteTable({ file: 'r6', text, firstLine: 1 });
    expect(got.routes.map((r) => [r.dst, r.via, r.type, r.family])).toEqual([
      ['fd00::/64', null, 'unicast', 'ipv6'],
      ['default', 'fd00::1', 'unicast', 'ipv6'],
      ['default', null, 'unreachable', 'ipv6'],
    ]);
    const mangled = text.replace('fd00::/64   ', 'fd00::/64/1 ');
    expect(() => parseRouteTable({ file: 'r6', text: mangled, firstLine: 1 })).toThrow('r6:3: not a destination prefix: "fd00::/64/1"');
  });

  it('reads route -6 without -n where names stand for addresses, each named destination warned about at its line', () => {
    const text = [
      'Kernel IPv6 routing table',
      'Destination                    Next Hop                   Flag Met Ref Use If',
      'ip6-localnet/64                [::]                       U    256 1     0 eth0',
      'fd00::/64                      [::]                       U    256 1     0 eth0',
      'ip6-localhost/128              [::]                       Un   0   3     0 lo',
      'ip6-mcastprefix/8              [::]                       U    256 1     0 eth0',
      '[::]/0                         router6                    UG   1024 3    0 eth0',
    ].join('\n');
    const got = parseRouteTable({ file: 'r6', text, firstLine: 1 });
    expect(got.routes.map((r) => [r.dst, r.via, r.type, r.table, r.family])).toEqual([
      ['ip6-localnet/64', null, 'unicast', 'main', 'ipv6'],
      ['fd00::/64', null, 'unicast', 'main', 'ipv6'],
      ['ip6-localhost/128', null, 'local', 'local', 'ipv6'],
      ['ip6-mcastprefix/8', null, 'unicast', 'main', 'ipv6'],
      ['default', 'router6', 'unicast', 'main', 'ipv6'],
    ]);
    expect(got.warnings?.map((w) => [w.line, w.message.split(' (')[0], w.message.split(': ').pop()])).toEqual([
      [3, 'destination "ip6-localnet" is a network name, not resolved', 'the replay takes this /64 route as one that may hold any address'],
      [5, 'destination "ip6-localhost" is a host name, not resolved', 'which of the node\'s own addresses it is stays unknown'],
      [6, 'destination "ip6-mcastprefix" is a network name, not resolved', 'the replay takes this /8 route as one that may hold any address'],
      [7, 'gateway "router6" is a host name, not resolved', 'the replay takes the next hop of this route as unknown'],
    ]);
  });

  it('takes a translated title above the English column header for the title, and nothing after the first row', () => {
    const text = 'Table de routage IPv6 du noyau\nDestination                    Next Hop                   Flag Met Ref Use If\n::1/128                        ::                         U    256 2      0 lo\n';
    expect(looksLikeRouteTable(text)).toBe(true);
    expect(parseRouteTable({ file: 'fr', text, firstLine: 1 }).routes).toMatchObject([{ dst: '::1/128', dev: 'lo', line: 3 }]);
    expect(looksLikeRouteTable('some words\n10.0.0.0 0.0.0.0 255.0.0.0 U 0 0 0 eth0')).toBe(false);
  });

  it('parses CRLF input the same as LF', () => {
    const input = textFixture('route-n.txt');
    expect(parseRouteTable(withCrlf(input))).toEqual(parseRouteTable(input));
  });

  it('reports rows with a wrong column count, a bad mask, rows without a header, and empty tables', () => {
    const head = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
    expect(() => parseRouteTable({ file: 'r', text: `${head}10.0.0.0 0.0.0.0 255.0.0.0 U 0 0 eth0\n`, firstLine: 1 })).toThrow('r:3: expected 8 columns, found 7');
    expect(() => parseRouteTable({ file: 'r', text: `${head}10.0.0.0 0.0.0.0 255.0.255.0 U 0 0 0 eth0\n`, firstLine: 1 })).toThrow('r:3: not a netmask');
    expect(() => parseRouteTable({ file: 'r', text: '10.0.0.0 0.0.0.0 255.0.0.0 U 0 0 0 eth0\n', firstLine: 4 })).toThrow('r:4: routing table row before');
    expect(() => parseRouteTable({ file: 'r', text: head, firstLine: 1 })).toThrow(CaptureError);
  });

  it('sniffs route -n, netstat -rn and inet6 tables, not ip route', () => {
    expect(looksLikeRouteTable(textFixture('route-n.txt').text)).toBe(true);
    expect(looksLikeRouteTable(textFixture('netstat-rn.txt').text)).toBe(true);
    expect(looksLikeRouteTable(textFixture('route-n-inet6.txt').text)).toBe(true);
    expect(looksLikeRouteTable(textFixture('ip-route.txt').text)).toBe(false);
  });
});

describe('route -n / netstat -rn rows greped without their header', () => {
  const cols = (line: string) => headerlessColumnsOf(line.split(' '));
  it('takes the columns from the command: Metric in route -n, MSS in netstat -rn at the same place, the IPv6 table with -6', () => {
    const row = '10.244.0.0      10.244.0.0      255.255.255.0   UG    7      0        0 flannel.1';
    const viaRoute = parseRouteTable({ file: 'r', text: row, firstLine: 3 }, cols('route -n'));
    const viaNetstat = parseRouteTable({ file: 'r', text: row, firstLine: 3 }, cols('netstat -rn'));
    expect(viaRoute.routes).toMatchObject([{ dst: '10.244.0.0/24', via: '10.244.0.0', dev: 'flannel.1', metric: 7, line: 3 }]);
    expect(viaNetstat.routes).toMatchObject([{ dst: '10.244.0.0/24', metric: null }]);
    const v6 = parseRouteTable({ file: 'r', text: '::/0                           fd00::1                    UG   1024 3      0 eth0', firstLine: 1 }, cols('route -n -A inet6'));
    expect(v6.routes).toMatchObject([{ dst: 'default', via: 'fd00::1', metric: 1024, family: 'ipv6' }]);
  });

  it('leaves the columns in doubt for -e / -ee and other programs, and rows of other shapes unsniffed', () => {
    expect(cols('route -n -ee')).toBeNull();
    expect(cols('netstat -rne')).toBeNull();
    expect(cols('netstat -tn')).toBeNull();
    expect(cols('ip route')).toBeNull();
    expect(looksLikeHeaderlessRoutes('10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0', cols('route -n'))).toBe(true);
    expect(looksLikeHeaderlessRoutes('10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0', cols('route -n -ee'))).toBe(false);
    expect(looksLikeHeaderlessRoutes('10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 cni0', cols('route -n'))).toBe(false);
  });

  it('sniffs rows of route without -n: default, and names where the addresses were', () => {
    expect(looksLikeHeaderlessRoutes('default         _gateway        0.0.0.0         UG    100    0        0 eth0', cols('route'))).toBe(true);
    expect(looksLikeHeaderlessRoutes('link-local      0.0.0.0         255.255.0.0     U     1000   0        0 eth0', cols('route'))).toBe(true);
    expect(looksLikeHeaderlessRoutes('ip6-localnet/64                [::]                       U    256 1     0 eth0', cols('route -A inet6'))).toBe(true);
    // A word that is no name (`a b`) or a netmask that is none still leaves the rows unsniffed.
    expect(looksLikeHeaderlessRoutes('default         _gateway        0.0.0.0.1       UG    100    0        0 eth0', cols('route'))).toBe(false);
    expect(looksLikeHeaderlessRoutes('--              _gateway        0.0.0.0         UG    100    0        0 eth0', cols('route'))).toBe(false);
  });
});

describe('route without -n (names where addresses were)', () => {
  const TEXT = [
    'Kernel IP routing table',
    'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface',
    'default         _gateway        0.0.0.0         UG    100    0        0 enp0s3',
    '10.0.2.0        0.0.0.0         255.255.255.0   U     100    0        0 enp0s3',
    '_gateway        0.0.0.0         255.255.255.255 UH    100    0        0 enp0s3',
    'link-local      0.0.0.0         255.255.0.0     U     1000   0        0 enp0s3',
    'www.textfiles.c *               255.255.255.255 UH    0      0        0 enp0s8',
    '192.168.0.0     router.lan      255.255.255.0   UG    0      0        0 enp0s8',
  ].join('\n');

  it('reads numbers as usual, default as default, and keeps each name where its address would be', () => {
    const got = parseRouteTable({ file: 'route.txt', text: TEXT, firstLine: 10 });
    expect(got.routes.map((r) => [r.dst, r.via, r.dev, r.metric, r.line])).toEqual([
      ['default', '_gateway', 'enp0s3', 100, 12],
      ['10.0.2.0/24', null, 'enp0s3', 100, 13],
      ['_gateway/32', null, 'enp0s3', 100, 14],
      ['link-local/16', null, 'enp0s3', 1000, 15],
      ['www.textfiles.c/32', null, 'enp0s8', 0, 16],
      ['192.168.0.0/24', 'router.lan', 'enp0s8', 0, 17],
    ]);
  });

  it('warns once per named field, at its line, that it was not resolved and route -n gives the address', () => {
    const got = parseRouteTable({ file: 'route.txt', text: TEXT, firstLine: 10 });
    expect(got.warnings?.map((w) => [w.line, w.message.split(' (')[0]])).toEqual([
      [12, 'gateway "_gateway" is a host name, not resolved'],
      [14, 'destination "_gateway" is a host name, not resolved'],
      [15, 'destination "link-local" is a network name, not resolved'],
      [16, 'destination "www.textfiles.c" is a host name, not resolved'],
      [17, 'gateway "router.lan" is a host name, not resolved'],
    ]);
    for (const w of got.warnings ?? []) expect(w.message).toContain('capture `route -n` for the address');
    expect(got.warnings?.[0]?.message).toMatch(/the replay takes the next hop of this route as unknown$/);
    expect(got.warnings?.[2]?.message).toMatch(/the replay takes this \/16 route as one that may hold any address$/);
  });

  it('reads netstat -r the same way (MSS Window irtt, no metric), host routes through a named gateway', () => {
    const text = [
      'Kernel IP routing table',
      'Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface',
      'default         _gateway        0.0.0.0         UG        0 0          0 eth0',
      '168.63.129.16   _gateway        255.255.255.255 UGH       0 0          0 eth0',
      '172.16.69.0     0.0.0.0         255.255.255.0   U         0 0          0 eth0',
    ].join('\n');
    const got = parseRouteTable({ file: 'netstat-r.txt', text, firstLine: 1 });
    expect(got.routes.map((r) => [r.dst, r.via, r.metric])).toEqual([['default', '_gateway', null], ['168.63.129.16/32', '_gateway', null], ['172.16.69.0/24', null, null]]);
    expect(got.warnings?.map((w) => w.line)).toEqual([3, 4]);
  });

  it('still refuses what is neither an address nor a name, with its line', () => {
    const bad = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n10.0.0.0        <gw>            255.0.0.0       UG    0      0        0 eth0\n';
    expect(() => parseRouteTable({ file: 'r.txt', text: bad, firstLine: 1 })).toThrow(/r\.txt:3: not a gateway address: "<gw>"/);
  });
});
