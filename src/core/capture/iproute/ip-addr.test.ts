import { describe, it, expect } from 'vitest';
import { CaptureError } from '../capture-error';
import { looksLikeIpAddr, parseIpAddr } from './ip-addr';
import { textFixture, transcriptSlice, withCrlf } from '../../../../test/fixtures/text/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';

function iface(capture: ReturnType<typeof parseIpAddr>, name: string) {
  const found = capture.interfaces.find((i) => i.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

describe('parseIpAddr on real outputs', () => {
  it('reads bridge masters, veth peers, link-netns, secondary labels and point-to-point peers (namespace fixture)', () => {
    const got = parseIpAddr(textFixture('ip-addr.txt'));
    expect(got.interfaces).toHaveLength(8);
    expect(iface(got, 'ra')).toMatchObject({ index: 3, peer: 'if2', master: 'br0', linkNetns: 'nl-p-9978-a', mac: '46:10:62:4b:37:c8' });
    expect(iface(got, 'ra3')).toMatchObject({ peer: 'ra2', master: null });
    const br0 = iface(got, 'br0');
    expect(br0.addresses.filter((a) => a.family === 'ipv4').map((a) => [a.cidr, a.secondary, a.label])).toEqual([
      ['10.77.1.1/24', false, 'br0'],
      ['10.77.1.100/24', true, 'br0:1'],
    ]);
    expect(iface(got, 'pp0').addresses[0]).toMatchObject({ cidr: '10.77.9.1/32', peer: '10.77.9.2/32', scope: 'global' });
    expect(iface(got, 'rb').addresses.map((a) => a.cidr)).toEqual(['10.77.2.1/24', 'fd00:77:2::1/64', 'fe80::341f:a9ff:fe3e:6f4e/64']);
  });

  it('groups ip -o addr lines by interface with the same addresses as the long form', () => {
    const oneLine = parseIpAddr(textFixture('ip-o-addr.txt'));
    const long = parseIpAddr(textFixture('ip-addr.txt'));
    expect(oneLine.interfaces.map((i) => i.name)).toEqual(['lo', 'br0', 'ra', 'rb', 'ra3', 'ra2', 'pp1', 'pp0']);
    for (const i of oneLine.interfaces) {
      expect(i.addresses.map((a) => a.cidr)).toEqual(iface(long, i.name).addresses.map((a) => a.cidr));
    }
    expect(iface(oneLine, 'br0').addresses[1]).toMatchObject({ secondary: true, label: 'br0:1', line: 4 });
  });

  it('reads ip -o link and ip -d link (no addresses, detail lines tolerated)', () => {
    const links = parseIpAddr(textFixture('ip-o-link.txt'));
    expect(links.interfaces).toHaveLength(8);
    expect(iface(links, 'ra2')).toMatchObject({ peer: 'ra3', master: 'br0', mac: '1a:cb:62:43:20:7e', addresses: [] });
    expect(iface(links, 'rb').linkNetns).toBe('nl-p-9978-b');
    const detailed = parseIpAddr(textFixture('ip-d-link.txt'));
    expect(detailed.interfaces).toHaveLength(1);
    expect(detailed.interfaces[0]).toMatchObject({ name: 'ra', master: 'br0', state: 'UP', linkNetns: 'nl-p-9978-a' });
  });

  it('parses CRLF input the same as LF', () => {
    const input = textFixture('ip-addr.txt');
    expect(parseIpAddr(withCrlf(input))).toEqual(parseIpAddr(input));
  });
});

describeShared('transcripts', 'parseIpAddr (shared transcripts)', () => {
  it('reads a pod namespace ip addr with a veth peer index (eth0@if18)', () => {
    const got = parseIpAddr(transcriptSlice('004_21b806302248d7be.txt', 133, 144));
    expect(got.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0']);
    const eth0 = iface(got, 'eth0');
    expect(eth0).toMatchObject({ index: 3, peer: 'if18', mtu: 1450, state: 'UP', linkType: 'ether', mac: '0a:58:0a:02:3b:0d', line: 139 });
    expect(eth0.addresses.map((a) => [a.family, a.cidr, a.scope, a.line])).toEqual([
      ['ipv4', '10.2.59.13/24', 'global', 141],
      ['ipv6', 'fe80::f4df:1aff:febb:3a29/64', 'link', 143],
    ]);
    expect(iface(got, 'lo').linkType).toBe('loopback');
  });

  it('reads ip a show dev docker0 with and without brd, keeping NO-CARRIER and DOWN', () => {
    const up = parseIpAddr(transcriptSlice('002_1fb178fb5a43cd31.txt', 260, 265));
    expect(up.interfaces[0]).toMatchObject({ name: 'docker0', state: 'UP', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] });
    expect(up.interfaces[0]?.addresses[0]).toMatchObject({ cidr: '172.17.0.1/16', broadcast: null, label: 'docker0', secondary: false });
    const down = parseIpAddr(transcriptSlice('002_1fb178fb5a43cd31.txt', 480, 485));
    expect(down.interfaces[0]).toMatchObject({ state: 'DOWN', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'] });
    expect(down.interfaces[0]?.addresses[0]).toMatchObject({ cidr: '172.17.0.1/16', broadcast: '172.17.255.255' });
  });
});

describe('parseIpAddr on other forms', () => {
  it('reads link-netnsid, altname and -s counter lines', () => {
    const text = [
      '18: veth4a1b@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default',
      '    link/ether 9e:1f:2a:00:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
      '    altname enp0s3',
      '    RX:  bytes packets errors dropped  missed   mcast',
      '         1234      10      0       0       0       0',
      '    inet6 fe80::9c1f:2aff:fe00:1/64 scope link',
      '       valid_lft forever preferred_lft forever',
    ].join('\n');
    const got = parseIpAddr({ file: 'node/ip-s.txt', text, firstLine: 40 });
    expect(got.interfaces[0]).toMatchObject({ name: 'veth4a1b', peer: 'if3', master: 'cni0', linkNetns: '0', line: 40 });
    expect(got.interfaces[0]?.addresses).toHaveLength(1);
  });

  it('reports a line that is not ip addr output with its file and line', () => {
    const text = '1: lo: <LOOPBACK,UP> mtu 65536 state UNKNOWN\n    link/loopback 00:00:00:00:00:00\nhello there\n';
    expect(() => parseIpAddr({ file: 'n/ip.txt', text, firstLine: 10 })).toThrow('n/ip.txt:12: not an ip addr line');
    expect(() => parseIpAddr({ file: 'n/ip.txt', text: '\n\n', firstLine: 1 })).toThrow(CaptureError);
    expect(() => parseIpAddr({ file: 'n/ip.txt', text: '1: : <UP> mtu 1500\n', firstLine: 1 })).toThrow('n/ip.txt:1: interface without a name');
    expect(() => parseIpAddr({ file: 'n/ip.txt', text: '4294967296: lo: <UP> mtu 1500\n', firstLine: 1 })).toThrow('n/ip.txt:1: interface index out of range');
    expect(parseIpAddr({ file: 'n/ip.txt', text: '1: lo: <UP> mtu 99999999999\n', firstLine: 1 }).interfaces[0]?.mtu).toBeNull();
  });

  it('reports an inet line without a valid address', () => {
    const text = '2: eth0: <UP> mtu 1500\n    inet 10.0.0.300/24 scope global eth0\n';
    expect(() => parseIpAddr({ file: 'x', text, firstLine: 1 })).toThrow('x:2: not an address');
  });
});

describe('looksLikeIpAddr', () => {
  it('recognises ip addr, ip -o addr and ip link, and not route output', () => {
    expect(looksLikeIpAddr(textFixture('ip-addr.txt').text)).toBe(true);
    expect(looksLikeIpAddr(textFixture('ip-o-addr.txt').text)).toBe(true);
    expect(looksLikeIpAddr(textFixture('ip-o-link.txt').text)).toBe(true);
    expect(looksLikeIpAddr(textFixture('ip-route.txt').text)).toBe(false);
    expect(looksLikeIpAddr(textFixture('bridge-link.txt').text)).toBe(false);
  });
});

describe('ip addr | grep inet: address lines without their interface headers', () => {
  const text = [
    '    inet 127.0.0.1/8 scope host lo',
    '    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0',
    '    inet 10.0.0.6/24 brd 10.0.0.255 scope global secondary eth0:1',
    '    inet6 fe80::1/64 scope link ',
    '    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0',
  ].join('\n');

  it('reads IPv4 lines into the interface their label names, and names each IPv6 line it cannot place', () => {
    expect(looksLikeIpAddr(text)).toBe(true);
    const got = parseIpAddr({ file: 'g', text, firstLine: 10 });
    expect(got.interfaces.map((i) => [i.name, i.index, i.addresses.map((a) => [a.cidr, a.label, a.secondary, a.line])])).toEqual([
      ['lo', null, [['127.0.0.1/8', 'lo', false, 10]]],
      ['eth0', null, [['10.0.0.5/24', 'eth0', false, 11], ['10.0.0.6/24', 'eth0:1', true, 12]]],
      ['cni0', null, [['10.244.1.1/24', 'cni0', false, 14]]],
    ]);
    expect(got.warnings?.map((w) => w.line)).toEqual([13]);
  });

  it('fails on a line of another kind among them, with its line, and when no line names its interface', () => {
    expect(() => parseIpAddr({ file: 'g', text: `${text}\n    valid_lft forever preferred_lft forever`, firstLine: 1 })).toThrow('g:6: not an ip addr address line');
    expect(() => parseIpAddr({ file: 'g', text: '    inet6 fe80::1/64 scope link', firstLine: 1 })).toThrow('g:1: no address line names its interface');
  });
});
