import { describe, expect, it } from 'vitest';
import { ipv4Text, ipv6Text, macText } from './address-text';

function v6(groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

describe('address text', () => {
  it('prints MACs lower-case with leading zeros, and dotted quads', () => {
    expect(macText(Uint8Array.of(9, 0xab, 0, 0xff, 0x10, 1), 0)).toBe('09:ab:00:ff:10:01');
    expect(ipv4Text(Uint8Array.of(0, 10, 0, 255, 1), 1)).toBe('10.0.255.1');
    expect(ipv4Text(Uint8Array.of(10, 0, 255, 1), 0)).toBe(ipv4Text(Uint8Array.of(7, 10, 0, 255, 1), 1));
  });

  it('compresses IPv6 as RFC 5952 and inet_ntop do', () => {
    const cases: [number[], string][] = [
      [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
      [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
      [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
      [[0xfe80, 0, 0, 0, 0xc45c, 0x8cff, 0xfea3, 0x7fad], 'fe80::c45c:8cff:fea3:7fad'],
      [[0xff02, 0, 0, 0, 0, 0, 0, 0x16], 'ff02::16'],
      [[0x452, 0x22, 0x19, 0, 0x41a, 0xe4ff, 0x10ff, 0x484d], '452:22:19:0:41a:e4ff:10ff:484d'],
      [[1, 0, 0, 2, 0, 0, 0, 3], '1:0:0:2::3'],
      [[1, 0, 0, 2, 0, 0, 3, 4], '1::2:0:0:3:4'],
      [[0xfe80, 0, 0, 0, 0, 0, 0, 0], 'fe80::'],
      [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], '::ffff:192.0.2.1'],
      [[0xABCD, 0xEF01, 0x2345, 0x6789, 0xABCD, 0xEF01, 0x2345, 0x6789], 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
    ];
    for (const [groups, text] of cases) expect(ipv6Text(v6(groups), 0)).toBe(text);
  });
});
