import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, parseCidr, parseIp } from './ip-number';

describe('addresses as numbers', () => {
  it('reads and prints IPv4 and IPv6 in canonical form', () => {
    expect(parseIp('10.1.2.3')).toEqual({ family: 'ipv4', value: 0x0a010203 });
    expect(parseIp('256.1.1.1')).toBeNull();
    expect(parseIp('1.2.3')).toBeNull();
    const v6 = parseIp('2001:DB8:0:0:1::1');
    expect(v6 && formatIp(v6)).toBe('2001:db8::1:0:0:1');
    const mapped = parseIp('::ffff:10.0.0.1');
    expect(mapped && formatIp(mapped)).toBe('::ffff:a00:1');
    expect(parseIp('1::2::3')).toBeNull();
  });

  it('tests prefix membership, including /0, /32 and old-style masks', () => {
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
});
