import { describe, expect, it } from 'vitest';
import { ipProtocolName } from './ip-protocol';

describe('ipProtocolName', () => {
  it('names protocols as /etc/protocols does and keeps unnamed numbers as numbers', () => {
    expect([2, 1, 6, 17, 47, 50, 58, 132].map(ipProtocolName)).toEqual(['igmp', 'icmp', 'tcp', 'udp', 'gre', 'esp', 'ipv6-icmp', 'sctp']);
    expect(ipProtocolName(253)).toBe('253');
  });
});
