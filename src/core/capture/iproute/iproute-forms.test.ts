import { describe, it, expect } from 'vitest';
import { CaptureError } from '../capture-error';
import { parseBridgeFdb } from './bridge-fdb';
import { parseIpAddr } from './ip-addr';
import { parseIpBrief } from './ip-brief';
import { parseIpNeigh } from './ip-neigh';
import { parseIpRoute } from './ip-route';
import { parseIpRule } from './ip-rule';
import {
  iprouteJsonKind, parseBridgeFdbJson, parseIpAddrJson, parseIpNeighJson, parseIpRouteJson, parseIpRuleJson,
} from './iproute-json';
import type { InterfaceRecord } from '../../records/records';
import { detectCaptureKind, parseCaptureUnit, splitTextCapture } from '../registry';
import type { CaptureUnit } from '../capture-unit';
import { textFixture, withCrlf } from '../../../../test/fixtures/text/fixture-input';
import type { TextInput } from '../text-input';

const text = (lines: string[], firstLine = 1): TextInput => ({ file: 'paste.txt', text: lines.join('\n'), firstLine });

function named(interfaces: InterfaceRecord[], name: string): InterfaceRecord {
  const found = interfaces.find((i) => i.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

function unit(input: TextInput, command: string | null): CaptureUnit {
  const kind = detectCaptureKind(input.text, command);
  if (kind === null) throw new Error('not detected');
  return { kind, node: null, namespace: null, file: input.file, firstLine: input.firstLine, lastLine: input.firstLine, command, partial: false, table: null, input };
}

describe('ip -br (brief) on real outputs', () => {
  it('reads ip -br addr: names with their peer, operstate, every address', () => {
    const got = parseIpBrief(textFixture('ip-br-addr.txt')).interfaces;
    expect(got.map((i) => i.name)).toEqual(['lo', 'br0', 'eth0', 'vp2', 'vp1', 'vxlan0']);
    expect(named(got, 'eth0')).toMatchObject({ peer: 'if2', state: 'UP', line: 3 });
    expect(named(got, 'eth0').addresses.map((a) => [a.family, a.cidr])).toEqual([
      ['ipv4', '10.88.0.1/24'], ['ipv6', 'fd00:88::1/64'], ['ipv6', 'fe80::803f:54ff:fec5:6d32/64'],
    ]);
    expect(named(got, 'vxlan0').state).toBe('UNKNOWN');
  });

  it('reads ip -br link: MAC and flags, no addresses', () => {
    const got = parseIpBrief(textFixture('ip-br-link.txt')).interfaces;
    expect(named(got, 'vp1')).toMatchObject({ peer: 'vp2', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], addresses: [] });
    expect(named(got, 'lo').mac).toBe('00:00:00:00:00:00');
  });

  it('is detected without the command and dispatched to the brief reader (ip -br -4 addr)', () => {
    const input = textFixture('ip-br-4-addr.txt');
    expect(detectCaptureKind(input.text, null)).toBe('ip-addr');
    const got = parseCaptureUnit(unit(input, null));
    expect(got.kind === 'ip-addr' && got.interfaces.map((i) => i.addresses.map((a) => a.cidr))).toEqual([['127.0.0.1/8'], ['10.88.1.1/24'], ['10.88.0.1/24']]);
  });

  it('reads an interface with no address and a long name, and rejects a line that is not brief', () => {
    const got = parseIpBrief(text(['cali1234567890abcd@if4 UP             fe80::ecee:eeff:feee:eeee/64', 'tunl0@NONE       DOWN           ']));
    expect(got.interfaces.map((i) => [i.name, i.peer, i.state, i.addresses.length])).toEqual([['cali1234567890abcd', 'if4', 'UP', 1], ['tunl0', null, 'DOWN', 0]]);
    expect(() => parseIpBrief(text(['eth0   UP   10.0.0.1/24', 'eth1   UP   bogus']))).toThrow(/paste\.txt:2.*bogus/);
  });
});

describe('ip -d details', () => {
  it('reads device kinds, bridge ports and a vxlan tunnel from ip -d addr', () => {
    const got = parseIpAddr(textFixture('ip-d-addr.txt')).interfaces;
    expect(named(got, 'lo').details).toEqual({ kind: null, slaveKind: null, vlanId: null, vxlan: null });
    expect(named(got, 'br0').details?.kind).toBe('bridge');
    expect(named(got, 'eth0').details).toMatchObject({ kind: 'veth', slaveKind: null });
    expect(named(got, 'vp1').details).toMatchObject({ kind: 'veth', slaveKind: 'bridge_slave' });
    expect(named(got, 'vxlan0')).toMatchObject({
      master: 'br0',
      details: { kind: 'vxlan', slaveKind: 'bridge_slave', vxlan: { id: 42, remote: '10.88.0.2', local: '10.88.0.1', dev: 'eth0', dstport: 4789 } },
    });
    expect(named(got, 'eth0').addresses.map((a) => a.cidr)).toEqual(['10.88.0.1/24', 'fd00:88::1/64', 'fe80::803f:54ff:fec5:6d32/64']);
  });

  it('gives no details to an ip addr without -d, and reads a vlan id', () => {
    expect(parseIpAddr(textFixture('ip-addr.txt')).interfaces.every((i) => i.details === undefined)).toBe(true);
    const vlan = parseIpAddr(text([
      '7: eth0.100@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
      '    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 0 maxmtu 65535 ',
      '    vlan protocol 802.1Q id 100 <REORDER_HDR> addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 ',
    ]));
    expect(vlan.interfaces[0]).toMatchObject({ name: 'eth0.100', peer: 'eth0', details: { kind: 'vlan', vlanId: 100 } });
  });

  it('reads ip -s link (counters) and ip link show type veth as interfaces', () => {
    expect(parseIpAddr(textFixture('ip-s-link-dev.txt')).interfaces).toHaveLength(1);
    expect(parseIpAddr(textFixture('ip-link-type-veth.txt')).interfaces.map((i) => i.name)).toEqual(['eth0', 'vp2', 'vp1']);
  });
});

describe('ip -j (JSON)', () => {
  it('reads ip -j addr with the same interfaces and addresses as the text form', () => {
    const json = parseIpAddrJson(textFixture('ip-j-addr.txt')).interfaces;
    const plain = parseIpAddr(textFixture('ip-d-addr.txt')).interfaces;
    expect(json.map((i) => i.name)).toEqual(plain.map((i) => i.name));
    for (const i of json) {
      expect(i.addresses.map((a) => a.cidr)).toEqual(named(plain, i.name).addresses.map((a) => a.cidr));
      expect([i.peer, i.master, i.mtu, i.state]).toEqual([named(plain, i.name).peer, named(plain, i.name).master, named(plain, i.name).mtu, named(plain, i.name).state]);
    }
  });

  it('gives each element of pretty JSON the line its object opens on', () => {
    const got = parseIpAddrJson(textFixture('ip-j-p-addr-dev.txt'));
    expect(got.interfaces).toHaveLength(1);
    expect(got.interfaces[0]).toMatchObject({ name: 'eth0', index: 3, peer: 'if2', line: 1 });
    const pretty = parseIpAddrJson(text(['[ {', '  "ifindex": 1, "ifname": "lo", "flags": [], "addr_info": [] }, {', '  "ifindex": 2, "ifname": "eth0", "addr_info": [] } ]'], 10));
    expect(pretty.interfaces.map((i) => i.line)).toEqual([10, 11]);
  });

  it('reads ip -d -j link device kinds like the text form', () => {
    const got = parseIpAddrJson(textFixture('ip-d-j-link.txt')).interfaces;
    expect(named(got, 'vp1').details).toMatchObject({ kind: 'veth', slaveKind: 'bridge_slave' });
    expect(named(got, 'vxlan0').details?.vxlan).toEqual({ id: 42, remote: '10.88.0.2', local: '10.88.0.1', dev: 'eth0', dstport: 4789 });
    expect(named(got, 'lo').details).toEqual({ kind: null, slaveKind: null, vlanId: null, vxlan: null });
  });

  it('reads ip -j route show table all like the text form, nexthop groups included', () => {
    const json = parseIpRouteJson(textFixture('ip-j-route-table-all.txt')).routes;
    const plain = parseIpRoute(textFixture('ip-route-nh-table-all.txt')).routes;
    const key = (r: (typeof json)[number]) => [r.type, r.dst, r.family, r.via, r.dev, r.src, r.metric, r.table, r.nhid ?? null, r.nexthops ?? null];
    expect(json.map(key)).toEqual(plain.map(key));
  });

  it('tells the JSON outputs apart from the keys of their first object', () => {
    expect(iprouteJsonKind(textFixture('ip-j-addr.txt').text)).toBe('ip-addr');
    expect(iprouteJsonKind(textFixture('ip-j-link.txt').text)).toBe('ip-addr');
    expect(iprouteJsonKind(textFixture('ip-j-route-table-all.txt').text)).toBe('ip-route');
    expect(iprouteJsonKind(textFixture('ip-j-rule.txt').text)).toBe('ip-rule');
    expect(iprouteJsonKind(textFixture('ip-j-neigh.txt').text)).toBe('ip-neigh');
    expect(iprouteJsonKind(textFixture('bridge-j-fdb.txt').text)).toBe('bridge-fdb');
    expect(iprouteJsonKind('{"items": []}')).toBeNull();
  });

  it('names the line of a JSON syntax error and refuses a non-array', () => {
    expect(() => parseIpAddrJson(text(['[ {', '  "ifindex": 1,', '  "ifname": lo', '} ]']))).toThrow(/paste\.txt:3: not valid JSON/);
    expect(() => parseIpRuleJson(text(['{"priority": 0}']))).toThrow(CaptureError);
  });
});

describe('ip route gaps', () => {
  it('keeps every hop of a nexthop group with its weight, and nhid', () => {
    const got = parseIpRoute(textFixture('ip-route-nh-table-all.txt')).routes;
    expect(got.find((r) => r.dst === '10.62.0.0/16')).toMatchObject({
      nhid: 10, via: '10.88.0.2', dev: 'eth0', flags: ['multipath'],
      nexthops: [{ via: '10.88.0.2', dev: 'eth0', weight: 1, flags: [] }, { via: '10.88.1.2', dev: 'br0', weight: 3, flags: [] }],
    });
    expect(got.find((r) => r.dst === '10.63.0.0/16')).toMatchObject({ nhid: 1, via: '10.88.0.2', dev: 'eth0' });
    expect(got.find((r) => r.dst === '10.63.0.0/16')?.nexthops).toBeUndefined();
  });

  it('puts the routes of `ip route show table 200` in table 200 (iproute2 does not print it)', () => {
    const got = parseCaptureUnit(unit(textFixture('ip-route-table-200.txt'), 'ip route show table 200'));
    expect(got.kind === 'ip-route' && got.routes.map((r) => [r.type, r.dst, r.table])).toEqual([['unicast', 'default', '200'], ['blackhole', '10.61.0.0/16', '200']]);
  });

  it('gives the routes of `ip route show dev eth0` (printed without dev) the device the command named', () => {
    const got = parseCaptureUnit(unit(text(['default via 10.0.0.1 proto dhcp src 10.0.0.5 metric 100', '10.0.0.0/24 proto kernel scope link src 10.0.0.5']), 'ip route show dev eth0'));
    expect(got.kind === 'ip-route' && got.routes.map((r) => [r.dst, r.dev])).toEqual([['default', 'eth0'], ['10.0.0.0/24', 'eth0']]);
  });

  it('gives a gatewayless default of `ip -6 route` the IPv6 family', () => {
    const got = parseCaptureUnit(unit(text(['unreachable default dev lo proto kernel metric 4294967295 pref medium']), 'ip -6 route'));
    expect(got.kind === 'ip-route' && got.routes[0]?.family).toBe('ipv6');
  });

  it('does not read neighbour lines as host routes', () => {
    expect(detectCaptureKind(textFixture('ip-neigh.txt').text, null)).toBe('ip-neigh');
  });
});

describe('ip rule', () => {
  it('reads every selector and action of a real ip rule', () => {
    const got = parseIpRule(textFixture('ip-rule.txt')).rules;
    expect(got.map((r) => r.priority)).toEqual([0, 100, 110, 120, 130, 140, 200, 32766, 32767]);
    expect(got[0]).toMatchObject({ from: null, action: { kind: 'lookup', table: 'local' }, family: 'ipv4', line: 1 });
    expect(got[1]).toMatchObject({ from: '10.88.1.0/24', action: { kind: 'lookup', table: '100' } });
    expect(got[2]).toMatchObject({ fwmark: 0x4000, fwmask: 0x4000, action: { kind: 'lookup', table: '200' } });
    expect(got[3]).toMatchObject({ to: '10.64.0.0/16', iif: 'br0', action: { kind: 'blackhole' } });
    expect(got[4]).toMatchObject({ oif: 'eth0', suppressPrefixLength: 0, action: { kind: 'lookup', table: 'main' } });
    expect(got[5]).toMatchObject({ from: '10.88.2.0/24', action: { kind: 'goto', target: 200 } });
    expect(got[6]).toMatchObject({ not: true, to: '10.0.0.0/8', action: { kind: 'lookup', table: '100' } });
  });

  it('reads ip -j rule to the same records', () => {
    const strip = (r: { line: number }) => ({ ...r, line: 0 });
    expect(parseIpRuleJson(textFixture('ip-j-rule.txt')).rules.map(strip)).toEqual(parseIpRule(textFixture('ip-rule.txt')).rules.map(strip));
  });

  it('refuses a number field that is no u32 (a rule priority, an interface index or mtu), naming its line', () => {
    for (const bad of ['1.5', '-1', '-0', '4294967296']) {
      const rules = `[{"priority":0,"src":"all","table":"local"},\n{"priority":${bad},"src":"all","table":"main"}]`;
      expect(() => parseIpRuleJson({ file: 'r.json', text: rules, firstLine: 1 })).toThrow(`r.json:2: "priority": ${bad === '-0' ? '0' : bad} is not a whole number from 0 to 4294967295`);
      const links = `[{"ifindex":1,"ifname":"lo","mtu":65536},\n{"ifindex":2,"ifname":"eth0","mtu":${bad}}]`;
      expect(() => parseIpAddrJson({ file: 'l.json', text: links, firstLine: 1 })).toThrow(`l.json:2: "mtu": ${bad === '-0' ? '0' : bad} is not a whole number`);
    }
  });

  it('takes the family of `ip -6 rule` from the command for rules without addresses', () => {
    const got = parseCaptureUnit(unit(textFixture('ip-6-rule.txt'), 'ip -6 rule show'));
    expect(got.kind === 'ip-rule' && got.rules.map((r) => [r.family, r.from])).toEqual([['ipv6', null], ['ipv6', 'fd00:88::/64'], ['ipv6', null]]);
  });

  it('reads older and other forms: host prefixes, marks without masks, uidrange, ports, unresolved goto, nop, detached iif', () => {
    const got = parseIpRule(text([
      '0:      from all lookup local ',
      '1000:   from 10.0.0.5 lookup 5 ',
      '1001:   from all fwmark 0x10 lookup 6',
      '1002:   from all uidrange 1000-2000 ipproto tcp dport 443 lookup 7',
      '1003:   from all goto 9000 [unresolved]',
      '1004:   from all iif veth0 [detached] nop',
      '1005:   from all tos 0x10 unreachable',
      '1006:   from all lookup [l3mdev-table] proto kernel',
    ])).rules;
    expect(got[1]?.from).toBe('10.0.0.5/32');
    expect(got[2]).toMatchObject({ fwmark: 0x10, fwmask: 0xffffffff });
    expect(got[3]?.other).toEqual(['uidrange 1000-2000', 'ipproto tcp', 'dport 443']);
    expect(got[4]).toMatchObject({ action: { kind: 'goto', target: 9000 }, flags: ['unresolved'] });
    expect(got[5]).toMatchObject({ iif: 'veth0', flags: ['iif detached'], action: { kind: 'nop' } });
    expect(got[6]).toMatchObject({ tos: 0x10, action: { kind: 'unreachable' } });
    expect(got[7]).toMatchObject({ other: ['l3mdev'], flags: ['proto kernel'] });
  });

  it('reads the JSON of older and newer selectors like their text: named tos, realms, dscp, port ranges, goto none', () => {
    const json = parseIpRuleJson(text([
      '[{"priority":5,"src":"all","tos":"lowdelay","table":"main"},{"priority":6,"src":"all","flow_from":"1","flow_to":"2","table":"main"},'
        + '{"priority":7,"src":"all","dscp":"46","dport_start":1000,"dport_end":2000,"table":"main"},{"priority":8,"src":"all","goto":"none"}]',
    ])).rules;
    const plain = parseIpRule(text([
      '5:\tfrom all tos lowdelay lookup main', '6:\tfrom all realms 1/2 lookup main', '7:\tfrom all dport 1000-2000 dscp 46 lookup main', '8:\tfrom all goto none',
    ])).rules;
    expect(json.map((r) => [r.tos, [...r.other].sort(), r.action])).toEqual(plain.map((r) => [r.tos, [...r.other].sort(), r.action]));
    expect(plain[3]?.action).toEqual({ kind: 'goto', target: null });
  });

  it('refuses an unknown word and a rule without an action, naming the line', () => {
    expect(() => parseIpRule(text(['0: from all lookup local', '5: from all frobnicate 3 lookup main']))).toThrow(/paste\.txt:2: unknown ip rule word "frobnicate"/);
    expect(() => parseIpRule(text(['7: from 10.0.0.0/8']))).toThrow(/paste\.txt:1: ip rule without an action/);
  });

  it('parses CRLF input the same as LF', () => {
    expect(parseIpRule(withCrlf(textFixture('ip-rule.txt')))).toEqual(parseIpRule(textFixture('ip-rule.txt')));
  });
});

describe('ip neigh', () => {
  it('reads addresses, devices, link-layer addresses and NUD states (IPv4 and IPv6)', () => {
    const got = parseIpNeigh(textFixture('ip-neigh.txt')).neighbours;
    expect(got.map((n) => [n.family, n.address, n.dev, n.lladdr, n.states])).toEqual([
      ['ipv4', '10.88.0.2', 'eth0', '96:55:07:3a:f0:a0', ['REACHABLE']],
      ['ipv4', '10.88.1.11', 'br0', null, ['FAILED']],
      ['ipv4', '10.88.1.9', 'br0', '02:00:00:00:00:09', ['PERMANENT']],
      ['ipv4', '10.88.0.3', 'eth0', null, ['INCOMPLETE']],
      ['ipv6', 'fd00:88::2', 'eth0', '96:55:07:3a:f0:a0', ['REACHABLE']],
      ['ipv6', 'fd00:88::9', 'eth0', '02:00:00:00:00:19', ['PERMANENT']],
    ]);
  });

  it('reads ip -j neigh to the same records, and router/proxy/device-less forms', () => {
    const strip = (r: { line: number }) => ({ ...r, line: 0 });
    expect(parseIpNeighJson(textFixture('ip-j-neigh.txt')).neighbours.map(strip)).toEqual(parseIpNeigh(textFixture('ip-neigh.txt')).neighbours.map(strip));
    const got = parseCaptureUnit(unit(text(['fe80::1 lladdr 52:54:00:00:00:01 router STALE', '10.0.0.9 lladdr 52:54:00:00:00:02 DELAY']), 'ip -6 neigh show dev eth0'));
    expect(got.kind === 'ip-neigh' && got.neighbours.map((n) => [n.dev, n.router, n.states])).toEqual([['eth0', true, ['STALE']], ['eth0', false, ['DELAY']]]);
    expect(parseIpNeigh(text(['10.0.0.7 dev eth0 proxy'])).neighbours[0]).toMatchObject({ flags: ['proxy'], states: [] });
  });

  it('detects `ip neigh show dev X` output, which prints no dev (and may print no lladdr)', () => {
    const input = text(['10.88.0.2 lladdr 96:55:07:3a:f0:a0 REACHABLE', '10.88.0.3 INCOMPLETE', '10.88.0.4 router STALE']);
    expect(detectCaptureKind(input.text, null)).toBe('ip-neigh');
    const got = parseCaptureUnit(unit(input, 'ip neigh show dev eth0'));
    expect(got.kind === 'ip-neigh' && got.neighbours.map((n) => [n.address, n.dev, n.states[0]])).toEqual([
      ['10.88.0.2', 'eth0', 'REACHABLE'], ['10.88.0.3', 'eth0', 'INCOMPLETE'], ['10.88.0.4', 'eth0', 'STALE'],
    ]);
  });

  it('refuses a line that is not a neighbour, naming it', () => {
    expect(() => parseIpNeigh(text(['10.0.0.1 dev eth0 lladdr 52:54:00:00:00:01 REACHABLE', 'Jan 1 something else']))).toThrow(/paste\.txt:2/);
  });
});

describe('bridge fdb', () => {
  it('reads bridge entries, device entries and vxlan remotes', () => {
    const got = parseBridgeFdb(textFixture('bridge-fdb.txt')).entries;
    expect(got).toHaveLength(22);
    expect(got.find((e) => e.mac === '02:00:00:00:00:43')).toMatchObject({ dev: 'vp1', master: 'br0', state: 'static', self: false });
    expect(got.find((e) => e.mac === '2a:c9:af:d7:61:11')).toMatchObject({ dev: 'vp1', master: 'br0', state: null });
    expect(got.filter((e) => e.dev === 'vxlan0' && e.dst !== null).map((e) => [e.mac, e.dst, e.via, e.self, e.state])).toEqual([
      ['02:00:00:00:00:42', '10.88.0.2', null, true, 'permanent'],
      ['00:00:00:00:00:00', '10.88.0.2', 'eth0', true, 'permanent'],
      ['00:00:00:00:00:00', '10.88.0.3', null, true, 'permanent'],
    ]);
  });

  it('reads `bridge fdb show dev X`, which prints no dev, giving each entry the device the command named', () => {
    const input = textFixture('bridge-fdb-dev.txt');
    expect(detectCaptureKind(input.text, null)).toBe('bridge-fdb');
    const got = parseCaptureUnit(unit(input, 'bridge fdb show dev vxlan0'));
    expect(got.kind === 'bridge-fdb' && got.entries.map((e) => [e.dev, e.master, e.dst, e.via, e.self])).toEqual([
      ['vxlan0', 'br0', null, null, false],
      ['vxlan0', null, '10.88.0.2', null, true],
      ['vxlan0', null, '10.88.0.2', 'eth0', true],
      ['vxlan0', null, '10.88.0.3', null, true],
    ]);
  });

  it('reads bridge -j fdb to the same records, and vlan/vni/extern_learn forms', () => {
    const strip = (r: { line: number }) => ({ ...r, line: 0 });
    expect(parseBridgeFdbJson(textFixture('bridge-j-fdb.txt')).entries.map(strip)).toEqual(parseBridgeFdb(textFixture('bridge-fdb.txt')).entries.map(strip));
    const got = parseBridgeFdb(text(['aa:bb:cc:dd:ee:ff dev vxlan100 vlan 100 dst 192.0.2.7 vni 5000 self extern_learn', 'AA:BB:CC:00:00:01 vlan 1 master br0 permanent']));
    expect(got.entries[0]).toMatchObject({ vlan: 100, dst: '192.0.2.7', vni: 5000, self: true, flags: ['extern_learn'] });
    expect(got.entries[1]).toMatchObject({ mac: 'aa:bb:cc:00:00:01', dev: null, master: 'br0', vlan: 1 });
  });

  it('reads the forms of older and newer iproute2: bare master flag, via ifindex, state=0x, sticky/locked, JSON "dev"', () => {
    const got = parseBridgeFdb(text([
      'aa:bb:cc:dd:ee:01 dev eth1 master permanent',
      'aa:bb:cc:dd:ee:02 dev vx0 dst 10.0.0.2 via ifindex 7 link-netnsid 0 self permanent',
      'aa:bb:cc:dd:ee:03 dev eth1 master master br0 sticky locked state=0x80',
    ])).entries;
    expect(got[0]).toMatchObject({ master: null, flags: ['master'], state: 'permanent' });
    expect(got[1]).toMatchObject({ via: 'ifindex 7', flags: ['link-netnsid 0'], self: true });
    expect(got[2]).toMatchObject({ master: 'br0', flags: ['master', 'sticky', 'locked'], state: 'state=0x80' });
    const old = text(['[{"mac":"02:68:60:19:6b:a4","dev":"flannel.1","dst":"10.40.252.12","flags":["self"],"state":"permanent"}]']);
    expect(iprouteJsonKind(old.text)).toBe('bridge-fdb');
    expect(parseBridgeFdbJson(old).entries[0]).toMatchObject({ dev: 'flannel.1', dst: '10.40.252.12', self: true, state: 'permanent' });
  });

  it('refuses a bad destination and an unknown word, naming the line', () => {
    expect(() => parseBridgeFdb(text(['aa:bb:cc:dd:ee:ff dev vx0 dst nowhere self']))).toThrow(/paste\.txt:1: not a vxlan destination/);
    expect(() => parseBridgeFdb(text(['aa:bb:cc:dd:ee:ff dev vx0 self', 'aa:bb:cc:dd:ee:f1 dev vx0 wobble']))).toThrow(/paste\.txt:2: unknown bridge fdb word/);
  });
});

describe('iproute2 forms in a transcript', () => {
  it('cuts pretty JSON, brief and rule outputs at their prompts, each with its own lines and kind', () => {
    const pretty = textFixture('ip-j-p-addr-dev.txt').text.trimEnd().split('\n');
    const lines = [
      'root@node-a:~# ip -j -p addr show dev eth0', ...pretty,
      'root@node-a:~# ip -br a', ...textFixture('ip-br-addr.txt').text.trimEnd().split('\n'),
      'root@node-a:~# ip rule', ...textFixture('ip-rule.txt').text.trimEnd().split('\n'),
      'root@node-a:~# ip neigh show dev eth0', '10.88.0.2 lladdr 96:55:07:3a:f0:a0 REACHABLE',
    ];
    const split = splitTextCapture(text(lines));
    expect(split.units.map((u) => [u.kind, u.node, u.firstLine, u.lastLine])).toEqual([
      ['ip-addr', 'node-a', 2, 1 + pretty.length],
      ['ip-addr', 'node-a', 3 + pretty.length, 8 + pretty.length],
      ['ip-rule', 'node-a', 10 + pretty.length, 18 + pretty.length],
      ['ip-neigh', 'node-a', 20 + pretty.length, 20 + pretty.length],
    ]);
    const parsed = split.units.map(parseCaptureUnit);
    expect(parsed.map((c) => c.kind)).toEqual(['ip-addr', 'ip-addr', 'ip-rule', 'ip-neigh']);
    expect(parsed[3]?.kind === 'ip-neigh' && parsed[3].neighbours[0]?.dev).toBe('eth0');
  });
});
