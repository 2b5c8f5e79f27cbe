import { describe, expect, it } from 'vitest';
import { parseIfconfig } from './ifconfig';
import { detectCaptureKind, parseCaptureUnit, splitTextCapture } from '../registry';

const MACOS = [
  'lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 16384',
  '\toptions=1203<RXCSUM,TXCSUM,TXSTATUS,SW_TIMESTAMP>',
  '\tinet 127.0.0.1 netmask 0xff000000 ',
  '\tinet6 ::1 prefixlen 128 ',
  '\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x1 ',
  '\tnd6 options=201<PERFORMNUD,DAD>',
  'en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500',
  '\toptions=400<CHANNEL_IO>',
  '\tether 78:4f:43:5a:8b:1c ',
  '\tinet6 fe80::1c8b:2d3e:1d3f:4a5b%en0 prefixlen 64 secured scopeid 0x4 ',
  '\tinet 10.0.0.5 netmask 0xffffff00 broadcast 10.0.0.255',
  '\tnd6 options=201<PERFORMNUD,DAD>',
  '\tmedia: autoselect',
  '\tstatus: active',
  'en1: flags=8963<UP,BROADCAST,SMART,RUNNING,PROMISC,SIMPLEX,MULTICAST> mtu 1500',
  '\toptions=460<TSO4,TSO6,CHANNEL_IO>',
  '\tether 82:15:0a:8c:2c:01 ',
  '\tmedia: autoselect <full-duplex>',
  '\tstatus: inactive',
  'bridge0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500',
  '\toptions=63<RXCSUM,TXCSUM,TSO4,TSO6>',
  '\tether 82:15:0a:8c:2c:00 ',
  '\tConfiguration:',
  '\t\tid 0:0:0:0:0:0 priority 0 hellotime 0 fwddelay 0',
  '\t\tmaxage 0 holdcnt 0 proto stp maxaddr 100 timeout 1200',
  '\t\troot id 0:0:0:0:0:0 priority 0 ifcost 0 port 0',
  '\t\tipfilter disabled flags 0x0',
  '\tmember: en1 flags=3<LEARNING,DISCOVER>',
  '\t        ifmaxaddr 0 port 5 priority 0 path cost 0',
  '\tmember: en2 flags=3<LEARNING,DISCOVER>',
  '\t        ifmaxaddr 0 port 6 priority 0 path cost 0',
  '\tnd6 options=201<PERFORMNUD,DAD>',
  '\tmedia: <unknown type>',
  '\tstatus: inactive',
].join('\n');

describe('BSD / macOS ifconfig', () => {
  it('is detected as an address capture and read: hex netmasks, zoned link-local addresses, status, bridge members', () => {
    expect(detectCaptureKind(MACOS)).toBe('ip-addr');
    const got = parseIfconfig({ file: 'mac', text: MACOS, firstLine: 1 });
    const by = new Map(got.interfaces.map((i) => [i.name, i]));
    expect([...by.keys()]).toEqual(['lo0', 'en0', 'en1', 'bridge0', 'en2']);
    expect(by.get('lo0')!.addresses.map((a) => a.cidr)).toEqual(['127.0.0.1/8', '::1/128', 'fe80::1/64']);
    expect(by.get('lo0')!.mtu).toBe(16384);
    const en0 = by.get('en0')!;
    expect(en0).toMatchObject({ mac: '78:4f:43:5a:8b:1c', linkType: 'ether', mtu: 1500, state: 'UP', master: null });
    expect(en0.addresses.map((a) => [a.cidr, a.broadcast])).toEqual([['fe80::1c8b:2d3e:1d3f:4a5b/64', null], ['10.0.0.5/24', '10.0.0.255']]);
    expect(by.get('en1')).toMatchObject({ state: 'DOWN', master: 'bridge0' });
    expect(by.get('bridge0')).toMatchObject({ state: 'DOWN', master: null, mac: '82:15:0a:8c:2c:00' });
    // A member the output did not list on its own still exists, as a port of the bridge.
    expect(by.get('en2')).toMatchObject({ master: 'bridge0', addresses: [], line: 30 });
  });

  it('reads a FreeBSD header with a metric before the mtu', () => {
    const text = 'em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n\tether 08:00:27:aa:bb:cc\n\tinet 192.168.56.10 netmask 0xffffff00 broadcast 192.168.56.255\n\tgroups: egress\n';
    const [em0] = parseIfconfig({ file: 'bsd', text, firstLine: 1 }).interfaces;
    expect(em0).toMatchObject({ name: 'em0', mtu: 1500, state: 'UP', mac: '08:00:27:aa:bb:cc' });
    expect(em0!.addresses.map((a) => a.cidr)).toEqual(['192.168.56.10/24']);
  });

  it('reads macOS output whose indentation a paste flattened (marslo notes), detail lines staying with their interface', () => {
    const text = [
      '$ ifconfig en1',
      'en1: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500',
      'ether 6c:96:cf:f2:01:0a',
      'inet6 fe80::81d:93a6:a4d4:32c2%en1 prefixlen 64 secured scopeid 0x6',
      'inet 192.168.10.124 netmask 0xfffffe00 broadcast 192.168.11.255',
      'nd6 options=201<PERFORMNUD,DAD>',
      'media: autoselect',
      'status: active',
    ].join('\n');
    const split = splitTextCapture({ file: 'm', text, firstLine: 1 });
    expect(split.units.map((u) => u.kind)).toEqual(['ip-addr']);
    const parsed = parseCaptureUnit(split.units[0]!);
    expect(parsed.kind === 'ip-addr' && parsed.interfaces.map((i) => [i.name, i.mac, i.addresses.map((a) => a.cidr)])).toEqual([
      ['en1', '6c:96:cf:f2:01:0a', ['fe80::81d:93a6:a4d4:32c2/64', '192.168.10.124/23']],
    ]);
  });

  it('still rejects a line that is neither a header nor a detail, naming it', () => {
    expect(() => parseIfconfig({ file: 'x', text: 'en0: flags=8863<UP> mtu 1500\nnot ifconfig at all\n', firstLine: 1 })).toThrow('x:2: not an ifconfig line');
  });
});
