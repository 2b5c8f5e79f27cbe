import { describe, it, expect } from 'vitest';
import { looksLikeIfconfig, parseIfconfig } from './ifconfig';
import { textFixture, transcriptSlice, withCrlf } from '../../../../test/fixtures/text/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';

describe('parseIfconfig', () => {
  it('reads a client namespace\'s ifconfig -a: the veth with its MAC and a broadcast of 0.0.0.0, and lo (fixture)', () => {
    const got = parseIfconfig(textFixture('ifconfig-client.txt'));
    expect(got.interfaces.map((i) => [i.name, i.linkType, i.mtu])).toEqual([['a0', 'ether', 1500], ['lo', 'loopback', 65536]]);
    expect(got.interfaces[0]?.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(got.interfaces[0]?.addresses.map((a) => [a.family, a.cidr])).toEqual([
      ['ipv4', '10.77.1.2/24'], ['ipv6', expect.stringMatching(/^fe80::.*\/64$/)],
    ]);
  });

  it('folds alias blocks into their interface as secondary addresses (namespace fixture)', () => {
    const got = parseIfconfig(textFixture('ifconfig.txt'));
    expect(got.interfaces.map((i) => i.name)).toEqual(['br0', 'lo', 'pp0', 'pp1', 'ra', 'ra2', 'ra3', 'rb']);
    const br0 = got.interfaces[0];
    expect(br0?.addresses.filter((a) => a.family === 'ipv4').map((a) => [a.cidr, a.secondary, a.label])).toEqual([
      ['10.77.1.1/24', false, 'br0'],
      ['10.77.1.100/24', true, 'br0:1'],
    ]);
    expect(got.interfaces.find((i) => i.name === 'lo')).toMatchObject({ linkType: 'loopback', mtu: 65536 });
    expect(got.interfaces.find((i) => i.name === 'pp0')?.addresses[0]?.cidr).toBe('10.77.9.1/32');
    expect(got.interfaces.find((i) => i.name === 'rb')?.addresses.map((a) => [a.cidr, a.scope])).toEqual([
      ['10.77.2.1/24', null], ['fd00:77:2::1/64', 'global'], ['fe80::341f:a9ff:fe3e:6f4e/64', 'link'],
    ]);
  });

  it('reads the old layout: Link encap, HWaddr, inet addr/Bcast/Mask, inet6 addr, P-t-P, MTU line', () => {
    const text = [
      'eth0      Link encap:Ethernet  HWaddr 00:16:3e:5e:6c:00  ',
      '          inet addr:10.0.0.5  Bcast:10.0.0.255  Mask:255.255.255.0',
      '          inet6 addr: fe80::216:3eff:fe5e:6c00/64 Scope:Link',
      '          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1',
      '          RX packets:1000 errors:0 dropped:0 overruns:0 frame:0',
      '',
      'eth0:1    Link encap:Ethernet  HWaddr 00:16:3e:5e:6c:00  ',
      '          inet addr:10.0.0.6  Bcast:10.0.0.255  Mask:255.255.255.0',
      '',
      'tun0      Link encap:UNSPEC  HWaddr 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  ',
      '          inet addr:10.8.0.1  P-t-P:10.8.0.2  Mask:255.255.255.255',
      '          UP POINTOPOINT RUNNING NOARP MULTICAST  MTU:1500  Metric:1',
      '',
      'lo        Link encap:Local Loopback  ',
      '          inet addr:127.0.0.1  Mask:255.0.0.0',
      '          UP LOOPBACK RUNNING  MTU:65536  Metric:1',
    ].join('\n');
    const got = parseIfconfig({ file: 'old/ifconfig.txt', text, firstLine: 1 });
    expect(got.interfaces.map((i) => i.name)).toEqual(['eth0', 'tun0', 'lo']);
    expect(got.interfaces[0]).toMatchObject({ linkType: 'ether', mac: '00:16:3e:5e:6c:00', mtu: 1500, state: 'UP' });
    expect(got.interfaces[0]?.addresses.map((a) => [a.cidr, a.broadcast, a.scope, a.secondary, a.label])).toEqual([
      ['10.0.0.5/24', '10.0.0.255', null, false, 'eth0'],
      ['fe80::216:3eff:fe5e:6c00/64', null, 'link', false, null],
      ['10.0.0.6/24', '10.0.0.255', null, true, 'eth0:1'],
    ]);
    expect(got.interfaces[1]?.addresses[0]).toMatchObject({ cidr: '10.8.0.1/32', peer: '10.8.0.2' });
    expect(got.interfaces[1]?.flags).toContain('POINTOPOINT');
    expect(got.interfaces[2]).toMatchObject({ linkType: 'loopback', mtu: 65536 });
  });

  it('parses CRLF input the same as LF', () => {
    const input = textFixture('ifconfig.txt');
    expect(parseIfconfig(withCrlf(input))).toEqual(parseIfconfig(input));
  });

  it('reports a bad netmask and a stray line with file and line', () => {
    const bad = 'eth0: flags=4163<UP,RUNNING>  mtu 1500\n        inet 10.0.0.1  netmask 255.0.255.0\n';
    expect(() => parseIfconfig({ file: 'n/ifc', text: bad, firstLine: 5 })).toThrow('n/ifc:6: not a netmask');
    expect(() => parseIfconfig({ file: 'n/ifc', text: 'what is this\n', firstLine: 1 })).toThrow('n/ifc:1: not an ifconfig line');
  });

  it('reports a prefix length that does not fit the family or is not a number', () => {
    const header = 'eth0: flags=4163<UP,RUNNING>  mtu 1500\n';
    expect(() => parseIfconfig({ file: 'ifc', text: `${header}        inet6 fe80::1  prefixlen 129\n`, firstLine: 1 })).toThrow('ifc:2: not a prefix length 0..128');
    expect(() => parseIfconfig({ file: 'ifc', text: `${header}        inet 10.0.0.5/33\n`, firstLine: 1 })).toThrow('ifc:2: not a prefix length 0..32');
    expect(() => parseIfconfig({ file: 'ifc', text: `${header}        inet 10.0.0.5/\n`, firstLine: 1 })).toThrow('ifc:2: not a prefix length');
    expect(() => parseIfconfig({ file: 'ifc', text: 'eth0: flags=4163<UP>  mtu 4294967296\n', firstLine: 1 })).toThrow('ifc:1: mtu out of range');
    expect(parseIfconfig({ file: 'ifc', text: `${header}        inet6 fe80::1  prefixlen 128\n`, firstLine: 1 }).interfaces[0]?.addresses[0]?.cidr).toBe('fe80::1/128');
  });

  it('sniffs both layouts and not ip addr', () => {
    expect(looksLikeIfconfig(textFixture('ifconfig.txt').text)).toBe(true);
    expect(looksLikeIfconfig('lo        Link encap:Local Loopback  \n')).toBe(true);
    expect(looksLikeIfconfig(textFixture('ip-addr.txt').text)).toBe(false);
  });
});

describeShared('transcripts', 'parseIfconfig (shared transcripts)', () => {
  it('reads the new net-tools layout from a flannel node (ifconfig cni0)', () => {
    const got = parseIfconfig(transcriptSlice('004_21b806302248d7be.txt', 196, 203));
    expect(got.kind).toBe('ip-addr');
    expect(got.interfaces).toHaveLength(1);
    expect(got.interfaces[0]).toMatchObject({
      name: 'cni0', mtu: 1450, state: 'UP', flags: ['UP', 'BROADCAST', 'RUNNING', 'MULTICAST'],
      linkType: 'ether', mac: '0a:58:0a:02:3b:01', line: 196,
    });
    expect(got.interfaces[0]?.addresses.map((a) => [a.cidr, a.broadcast, a.scope, a.line])).toEqual([
      ['10.2.59.1/24', null, null, 197],
      ['fe80::8828:2aff:feb6:82f1/64', null, 'link', 198],
    ]);
  });
});
