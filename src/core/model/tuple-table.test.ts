import { describe, it, expect } from 'vitest';
import { formatIpv4, parseIpv4 } from '../common/ip';
import { ipv4TextIs } from './tuple-table';
import { ipv4Text, isCachedIpv4Text } from '../capture/pcap/address-text';

describe('ipv4TextIs', () => {
  it('says whether text is the dotted quad of a number, as formatIpv4 writes it', () => {
    for (const text of ['0.0.0.0', '10.0.0.1', '255.255.255.255', '192.168.100.9', '1.22.133.4']) expect(ipv4TextIs(text, parseIpv4(text)!)).toBe(true);
    const n = parseIpv4('10.0.0.1')!;
    for (const text of ['10.0.0.10', '10.0.0.', '10.0.0.1 ', '010.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.0', '', '10,0.0.1', '::ffff:10.0.0.1']) {
      expect(ipv4TextIs(text, n)).toBe(false);
    }
    let x = 7;
    for (let k = 0; k < 2000; k++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      expect(ipv4TextIs(formatIpv4(x), x)).toBe(true);
      expect(ipv4TextIs(formatIpv4(x), (x ^ (1 << (k % 32))) >>> 0)).toBe(false);
    }
  });
});

describe('isCachedIpv4Text', () => {
  it('knows the text ipv4Text made for a number, and never vouches for other text', () => {
    const text = ipv4Text(Uint8Array.of(10, 244, 1, 7), 0);
    const n = parseIpv4('10.244.1.7')!;
    expect(isCachedIpv4Text(text, n)).toBe(true);
    expect(isCachedIpv4Text('10.244.1.8', n)).toBe(false);
    expect(isCachedIpv4Text(text, parseIpv4('10.244.1.8')!)).toBe(false);
  });
});
