import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  addressOfCidr, cidrContains, cidrTextContains, formatIp, isCidr, isIpAddress, isIpv4, isIpv6, parseCidr, parseIp,
  prefixOfNetmask, readCidr, sameIpText, withHostPrefix,
} from './ip';

describe('addresses', () => {
  it('accepts exactly the addresses node:net accepts', () => {
    const samples = [
      '10.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', '10.0.0.1:80', ' 10.0.0.1',
      '::', '::1', 'fd00::1', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3',
      '::ffff:10.0.0.1', '1:2:3:4:5:6:7::', 'gggg::1', '12345::', '[::1]', 'localhost', '', '10.0.0.1::', '1.2.3.4::5',
    ];
    for (const s of samples) expect(isIpAddress(s), s).toBe(isIP(s) !== 0);
  });

  it('reads and prints IPv4 and IPv6 in canonical form', () => {
    expect(parseIp('10.1.2.3')).toEqual({ family: 'ipv4', value: 0x0a010203 });
    expect(parseIp('256.1.1.1')).toBeNull();
    expect(parseIp('1.2.3')).toBeNull();
    const v6 = parseIp('2001:DB8:0:0:1::1');
    expect(v6 && formatIp(v6)).toBe('2001:db8::1:0:0:1');
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ family: 'ipv6', value: 0xffff0a000001n });
    expect(parseIp('1::2::3')).toBeNull();
    expect(sameIpText('fd00:0::1', 'fd00::1')).toBe(true);
    expect(sameIpText('10.0.0.1', '::ffff:10.0.0.1')).toBe(false);
  });

  it('accepts compressed, full and zoned IPv6, and rejects colon words that are not addresses', () => {
    for (const text of ['::1', 'fe80::7876:f1ff:feee:b519', '2001:db8:0:0:0:0:0:1', '::ffff:10.0.0.1', 'fe80::1%eth0']) {
      expect(isIpv6(text), text).toBe(true);
    }
    for (const text of ['672b8:', ':8', ':9', '0:', '1:2', '10.0.0.1::', '::1::', 'fe80::1%', '1:2:3:4:5:6:7:8:9', 'eth0:1']) {
      expect(isIpv6(text), text).toBe(false);
    }
  });

  // The copies this module replaced disagreed on these; each case states the one reading now used.
  it('rejects a dotted quad with a leading zero, which inet_aton would read as octal (the replay read it as decimal)', () => {
    expect(isIpv4('010.0.0.1')).toBe(false);
    expect(parseIp('10.0.00.1')).toBeNull();
    expect(isIpv4('10.0.0.0')).toBe(true);
  });

  it('takes a dotted quad only as the last 32 bits of an IPv6 address (two copies took `1.2.3.4::`)', () => {
    expect(parseIp('1.2.3.4::')).toBeNull();
    expect(parseIp('::1.2.3.4')).toEqual({ family: 'ipv6', value: 0x01020304n });
  });

  it('refuses an empty zone (the replay dropped a trailing `%`)', () => {
    expect(parseIp('fe80::1%')).toBeNull();
    expect(parseIp('fe80::1%eth0')).toEqual(parseIp('fe80::1'));
  });
});

describe('prefixes', () => {
  it('tests prefix membership, including /0, host prefixes and old-style masks', () => {
    const ten = parseCidr('10.0.0.0/8');
    const host = parseCidr('10.1.2.3');
    const any = parseCidr('0.0.0.0/0');
    const masked = parseCidr('192.168.0.0/255.255.0.0');
    const v6 = parseCidr('fd00::/8');
    const a = parseIp('10.1.2.3');
    if (!ten || !host || !any || !masked || !v6 || !a) throw new Error('parse');
    expect(cidrContains(ten, a)).toBe(true);
    expect(cidrContains(host, a)).toBe(true);
    expect(cidrContains(any, a)).toBe(true);
    expect(masked.prefixLength).toBe(16);
    expect(cidrContains(v6, a)).toBe(false);
    const b = parseIp('fd12::1');
    expect(b && cidrContains(v6, b)).toBe(true);
  });

  it('refuses a non-contiguous mask (the replay counted its leading ones; the iptables reader refused it)', () => {
    expect(readCidr('10.0.0.0/255.0.255.0')).toEqual({ ok: false, reason: 'non-contiguous mask 255.0.255.0' });
    expect(parseCidr('10.0.0.0/255.0.255.0')).toBeNull();
  });

  it('reads IPv6 masks for every caller (only the iptables reader did)', () => {
    expect(parseCidr('fd00::/ffff:ffff::')?.prefixLength).toBe(32);
    expect(readCidr('fd00::/ffff:ffff::')).toEqual({ ok: true, address: 'fd00::', family: 'ipv6', prefixLength: 32 });
    expect(readCidr('fd00::/255.255.0.0')).toEqual({ ok: false, reason: 'bad mask in "fd00::/255.255.0.0"' });
  });

  it('does not read `default` as a prefix (the replay made it IPv4 /0, wrong for an IPv6 table); the text test holds both families', () => {
    expect(parseCidr('default')).toBeNull();
    expect(cidrTextContains('default', '8.8.8.8')).toBe(true);
    expect(cidrTextContains('default', 'fd00::1')).toBe(true);
  });

  it('says why a prefix is refused', () => {
    expect(readCidr('10.0.0.0/33')).toEqual({ ok: false, reason: 'prefix length 33 too long in "10.0.0.0/33"' });
    expect(readCidr('10.0.0/8')).toEqual({ ok: false, reason: 'bad address "10.0.0/8"' });
    expect(readCidr('10.0.0.1')).toEqual({ ok: true, address: '10.0.0.1', family: 'ipv4', prefixLength: 32 });
  });

  it('tells whether a prefix written as text holds an address', () => {
    expect(cidrTextContains('10.40.1.0/24', '10.40.1.3')).toBe(true);
    expect(cidrTextContains('10.40.1.0/24', '10.40.2.3')).toBe(false);
    expect(cidrTextContains('10.40.1.1/24', '10.40.1.200')).toBe(true);
    expect(cidrTextContains('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(cidrTextContains('10.0.0.5', '10.0.0.5')).toBe(true);
    expect(cidrTextContains('fd00::/64', 'fd00::9')).toBe(true);
    expect(cidrTextContains('fd00::/64', '10.0.0.1')).toBe(false);
    expect(cidrTextContains('10.0.0.0/33', '10.0.0.1')).toBe(false);
    expect(addressOfCidr('192.168.56.11/24')).toBe('192.168.56.11');
  });

  it('turns netmasks into prefix lengths and refuses holes', () => {
    expect(prefixOfNetmask('255.255.255.0')).toBe(24);
    expect(prefixOfNetmask('255.255.255.255')).toBe(32);
    expect(prefixOfNetmask('0.0.0.0')).toBe(0);
    expect(prefixOfNetmask('255.240.0.0')).toBe(12);
    expect(prefixOfNetmask('255.0.255.0')).toBeNull();
  });

  it('gives bare addresses a host prefix and keeps `ip`-style lengths in digits', () => {
    expect(withHostPrefix('10.95.0.5')).toBe('10.95.0.5/32');
    expect(withHostPrefix('fd00::1')).toBe('fd00::1/128');
    expect(withHostPrefix('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('fd00::/64')).toBe(true);
    expect(isCidr('10.0.0.0/255.0.0.0')).toBe(false);
  });
});
