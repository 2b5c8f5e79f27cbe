import { describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import { detectCaptureKind, parseCaptureUnit, splitTextCapture } from '../registry';
import { bareValueKeys, keyOfPath, looksLikeSysctl, parseSysctl } from './sysctl';

const parse = (text: string, keys: string[] | null = null) => parseSysctl({ file: 's.txt', text, firstLine: 1 }, keys);

describe('sysctl output', () => {
  it('reads `key = value` and `key=value` lines, values with spaces and empty ones kept as printed', () => {
    const { settings, warnings } = parse([
      'net.ipv4.conf.all.rp_filter = 1',
      'net.ipv4.ip_forward=0',
      'net.ipv4.tcp_rmem = 4096\t131072\t6291456',
      'kernel.domainname = (none)',
      'dev.cdrom.info = ',
      'net.ipv4.conf.eth0/100.forwarding = 1',
    ].join('\n'));
    expect(warnings).toBeUndefined();
    expect(settings).toEqual([
      { key: 'net.ipv4.conf.all.rp_filter', value: '1', line: 1 },
      { key: 'net.ipv4.ip_forward', value: '0', line: 2 },
      { key: 'net.ipv4.tcp_rmem', value: '4096\t131072\t6291456', line: 3 },
      { key: 'kernel.domainname', value: '(none)', line: 4 },
      { key: 'dev.cdrom.info', value: '', line: 5 },
      { key: 'net.ipv4.conf.eth0/100.forwarding', value: '1', line: 6 },
    ]);
  });

  it('reads `grep . /proc/sys/...` lines, a dot in an interface name turned into sysctl\'s slash', () => {
    const { settings } = parse('/proc/sys/net/ipv4/conf/all/rp_filter:2\n/proc/sys/net/ipv4/conf/eth0.100/rp_filter:1\n');
    expect(settings).toEqual([
      { key: 'net.ipv4.conf.all.rp_filter', value: '2', line: 1 },
      { key: 'net.ipv4.conf.eth0/100.rp_filter', value: '1', line: 2 },
    ]);
    expect(keyOfPath('/proc/sys/net/bridge/bridge-nf-call-iptables')).toBe('net.bridge.bridge-nf-call-iptables');
  });

  it('stores a key sysctl cannot stat as absent, and says br_netfilter is not loaded for net.bridge.*', () => {
    const { settings, warnings } = parse([
      'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory',
      'net.ipv4.ip_forward = 1',
    ].join('\n'));
    expect(settings[0]).toEqual({ key: 'net.bridge.bridge-nf-call-iptables', value: null, line: 1 });
    expect(warnings).toEqual([{ line: 1, message: expect.stringMatching(/br_netfilter is not loaded.*bridge-nf-call-iptables=0/) }]);
  });

  it('warns by line about keys not shown (permission denied, unreadable) and any other line', () => {
    const { settings, warnings } = parse([
      'net.ipv4.ip_forward = 1',
      'sysctl: permission denied on key \'fs.protected_fifos\'',
      'sysctl: reading key "net.ipv6.conf.all.stable_secret"',
      'some stray text',
    ].join('\n'));
    expect(settings).toHaveLength(1);
    expect(warnings!.map((w) => w.line)).toEqual([2, 3, 4]);
    expect(warnings![0]!.message).toMatch(/fs\.protected_fifos was not shown \(permission denied\)/);
    expect(warnings![2]!.message).toMatch(/not a kernel setting, not read: some stray text/);
  });

  it('rejects a text without any setting, naming its line', () => {
    expect(() => parse('\nhello world\n')).toThrow(CaptureError);
    expect(() => parse('\nhello world\n')).toThrow(/s\.txt:2/);
  });

  it('is detected from content, not from any dotted assignment', () => {
    expect(looksLikeSysctl('net.ipv4.ip_forward = 1\n')).toBe(true);
    expect(detectCaptureKind('net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 1\n')).toBe('sysctl');
    expect(looksLikeSysctl('foo.bar = 1\nspring.datasource.url=jdbc:x\n')).toBe(false);
  });
});

describe('bare values (sysctl -n, cat /proc/sys/...)', () => {
  it('takes the keys from the command, in order', () => {
    expect(bareValueKeys(['sysctl', '-n', 'net.ipv4.ip_forward', 'net/ipv4/conf/all/rp_filter'])).toEqual(['net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter']);
    expect(bareValueKeys(['cat', '/proc/sys/net/ipv4/ip_forward'])).toEqual(['net.ipv4.ip_forward']);
    expect(bareValueKeys(['cat', '/proc/sys/net/ipv4/conf/*/rp_filter'])).toBeNull();
    expect(bareValueKeys(['sysctl', 'net.ipv4.ip_forward'])).toBeNull();
    expect(parse('0\n1\n', ['net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter']).settings).toEqual([
      { key: 'net.ipv4.ip_forward', value: '0', line: 1 },
      { key: 'net.ipv4.conf.all.rp_filter', value: '1', line: 2 },
    ]);
  });

  it('reads sysctl and cat of /proc/sys in a transcript, a bare value keyed by the command, the prompt naming the node', () => {
    const text = [
      'root@node-a:~# sysctl -a | grep -E "forward|rp_filter"',
      'net.ipv4.conf.all.forwarding = 0',
      'net.ipv4.conf.all.rp_filter = 1',
      'sysctl: permission denied on key \'net.ipv6.conf.all.stable_secret\'',
      'root@node-a:~# cat /proc/sys/net/ipv4/ip_forward',
      '0',
      'root@node-a:~# sysctl net.bridge.bridge-nf-call-iptables',
      'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory',
      'root@node-a:~# sysctl -n net.ipv4.conf.eth0.rp_filter',
      '2',
    ].join('\n');
    const units = splitTextCapture({ file: 't.txt', text, firstLine: 1 }).units;
    expect(units.map((u) => [u.kind, u.node])).toEqual([['sysctl', 'node-a'], ['sysctl', 'node-a'], ['sysctl', 'node-a'], ['sysctl', 'node-a']]);
    const parsed = units.map((u) => parseCaptureUnit(u));
    expect(parsed.flatMap((p) => (p.kind === 'sysctl' ? p.settings : []))).toEqual([
      { key: 'net.ipv4.conf.all.forwarding', value: '0', line: 2 },
      { key: 'net.ipv4.conf.all.rp_filter', value: '1', line: 3 },
      { key: 'net.ipv4.ip_forward', value: '0', line: 6 },
      { key: 'net.bridge.bridge-nf-call-iptables', value: null, line: 8 },
      { key: 'net.ipv4.conf.eth0.rp_filter', value: '2', line: 10 },
    ]);
  });
});
