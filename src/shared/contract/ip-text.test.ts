import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressOfCidr, cidrContains, isIpAddress, parseIp, sameIp } from './ip-text';

describe('ip text', () => {
  it('accepts exactly the addresses node:net accepts', () => {
    const samples = [
      '10.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', '10.0.0.1:80', ' 10.0.0.1',
      '::', '::1', 'fd00::1', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3',
      '::ffff:10.0.0.1', '1:2:3:4:5:6:7::', 'gggg::1', '12345::', '[::1]', 'localhost', '',
    ];
    for (const s of samples) expect(isIpAddress(s), s).toBe(isIP(s) !== 0);
  });

  it('reads IPv4 and IPv6 values', () => {
    expect(parseIp('10.0.0.1')).toEqual({ family: 'ipv4', value: 0x0a000001n });
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ family: 'ipv6', value: 0xffff0a000001n });
    expect(sameIp('fd00:0::1', 'fd00::1')).toBe(true);
    expect(sameIp('10.0.0.1', '::ffff:10.0.0.1')).toBe(false);
  });

  it('tells whether a prefix holds an address', () => {
    expect(cidrContains('10.40.1.0/24', '10.40.1.3')).toBe(true);
    expect(cidrContains('10.40.1.0/24', '10.40.2.3')).toBe(false);
    expect(cidrContains('10.40.1.1/24', '10.40.1.200')).toBe(true);
    expect(cidrContains('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(cidrContains('default', '8.8.8.8')).toBe(true);
    expect(cidrContains('10.0.0.5', '10.0.0.5')).toBe(true);
    expect(cidrContains('fd00::/64', 'fd00::9')).toBe(true);
    expect(cidrContains('fd00::/64', '10.0.0.1')).toBe(false);
    expect(cidrContains('10.0.0.0/33', '10.0.0.1')).toBe(false);
    expect(addressOfCidr('192.168.56.11/24')).toBe('192.168.56.11');
  });
});
