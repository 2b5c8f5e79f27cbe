import { describe, it, expect } from 'vitest';
import { isCidr, isIpv4, isIpv6, prefixOfNetmask, withHostPrefix } from './ip-address';

describe('ip address literals', () => {
  it('accepts dotted quads and rejects out-of-range octets', () => {
    expect(isIpv4('10.77.1.2')).toBe(true);
    expect(isIpv4('256.1.1.1')).toBe(false);
    expect(isIpv4('10.1.1')).toBe(false);
  });

  it('accepts compressed, full and zoned ipv6 and rejects two ::', () => {
    expect(isIpv6('::1')).toBe(true);
    expect(isIpv6('fe80::7876:f1ff:feee:b519')).toBe(true);
    expect(isIpv6('2001:db8:0:0:0:0:0:1')).toBe(true);
    expect(isIpv6('::ffff:10.0.0.1')).toBe(true);
    expect(isIpv6('fe80::1%eth0')).toBe(true);
    expect(isIpv6('1::2::3')).toBe(false);
    expect(isIpv6('eth0:1')).toBe(false);
  });

  it('rejects colon words that are not ipv6: a stray colon, a 5-digit group, a quad before ::, an empty zone', () => {
    for (const text of ['672b8:', ':8', ':9', '0:', '1:2', '10.0.0.1::', '::1::', 'fe80::1%', '1:2:3:4:5:6:7:8:9']) {
      expect(isIpv6(text), text).toBe(false);
    }
  });

  it('turns netmasks into prefix lengths and refuses holes', () => {
    expect(prefixOfNetmask('255.255.255.0')).toBe(24);
    expect(prefixOfNetmask('255.255.255.255')).toBe(32);
    expect(prefixOfNetmask('0.0.0.0')).toBe(0);
    expect(prefixOfNetmask('255.240.0.0')).toBe(12);
    expect(prefixOfNetmask('255.0.255.0')).toBeNull();
  });

  it('gives bare addresses a host prefix', () => {
    expect(withHostPrefix('10.95.0.5')).toBe('10.95.0.5/32');
    expect(withHostPrefix('fd00::1')).toBe('fd00::1/128');
    expect(withHostPrefix('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('fd00::/64')).toBe(true);
  });
});
