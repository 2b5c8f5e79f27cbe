import { describe, it, expect } from 'vitest';
import { quoteArg, renderRule } from './rule-text';
import type { Match } from './ruleset';

const tcp: Match = { kind: 'protocol', proto: 'tcp', negated: false };

describe('renderRule', () => {
  it('prints basic matches in iptables-save order whatever order they were read in', () => {
    expect(renderRule('X', [
      tcp,
      { kind: 'out-interface', name: 'eth0', negated: true },
      { kind: 'destination', cidr: { address: '10.0.0.1', prefixLength: 32 }, negated: false },
      { kind: 'fragment', negated: false },
      { kind: 'source', cidr: { address: '10.0.0.0', prefixLength: 8 }, negated: true },
    ], { kind: 'accept' })).toBe('-A X ! -s 10.0.0.0/8 -d 10.0.0.1/32 ! -o eth0 -p tcp -f -j ACCEPT');
  });

  it('groups consecutive tcp options under one -m tcp and names the module from the protocol', () => {
    expect(renderRule('X', [
      tcp,
      { kind: 'ports', which: 'sport', ranges: [{ min: 1024, max: 65535 }], negated: false },
      { kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }], negated: true },
      { kind: 'tcp-flags', mask: ['SYN', 'ACK'], set: [], negated: false },
    ], null)).toBe('-A X -p tcp -m tcp --sport 1024:65535 ! --dport 80 --tcp-flags SYN,ACK NONE');
    expect(renderRule('X', [{ kind: 'protocol', proto: 'udp', negated: false }, { kind: 'ports', which: 'dport', ranges: [{ min: 53, max: 53 }], negated: false }], null))
      .toBe('-A X -p udp -m udp --dport 53');
  });

  it('uses multiport for lists and --ports, one -m multiport per match', () => {
    expect(renderRule('X', [
      tcp,
      { kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }, { min: 8000, max: 8080 }], negated: false },
      { kind: 'ports', which: 'either', ranges: [{ min: 25, max: 25 }], negated: true },
    ], null)).toBe('-A X -p tcp -m multiport --dports 80,8000:8080 -m multiport ! --ports 25');
  });

  it('quotes like iptables-save: only [A-Za-z0-9_-] stays bare, quotes and backslashes escaped', () => {
    expect(quoteArg('single')).toBe('single');
    expect(quoteArg('ns1/svc1:p80')).toBe('"ns1/svc1:p80"');
    expect(quoteArg('a "b" c\\d')).toBe('"a \\"b\\" c\\\\d"');
    expect(quoteArg('')).toBe('""');
    expect(renderRule('X', [{ kind: 'comment', text: 'two words' }], { kind: 'log', prefix: 'in: ', level: '7' }))
      .toBe('-A X -m comment --comment "two words" -j LOG --log-prefix "in: " --log-level 7');
  });

  it('prints v6 NAT ranges in brackets when a port follows, and icmp6 for ipv6-icmp', () => {
    expect(renderRule('P', [], { kind: 'dnat', to: [{ minAddress: 'fd00::5', maxAddress: 'fd00::9', ports: { min: 80, max: 90 } }], random: false, persistent: false }))
      .toBe('-A P -j DNAT --to-destination [fd00::5-fd00::9]:80-90');
    expect(renderRule('P', [], { kind: 'snat', to: [{ minAddress: 'fd00::5', maxAddress: 'fd00::5', ports: null }], random: false, randomFully: false, persistent: false }))
      .toBe('-A P -j SNAT --to-source fd00::5');
    expect(renderRule('I', [{ kind: 'protocol', proto: 'ipv6-icmp', negated: false }, { kind: 'icmp-type', type: 128, code: null, name: 'echo-request', negated: false }], null))
      .toBe('-A I -p ipv6-icmp -m icmp6 --icmpv6-type 128');
  });

  it('prints unsupported modules and other targets from their raw args, and unresolved host names as written', () => {
    expect(renderRule('X', [
      { kind: 'unsupported', module: 'host', args: ['!', '-s', 'gateway.lan'] },
      { kind: 'unsupported', module: 'limit', args: ['--limit', '5/min'] },
    ], { kind: 'other', name: 'NFLOG', args: ['--nflog-prefix', 'two words'] }))
      .toBe('-A X ! -s gateway.lan -m limit --limit 5/min -j NFLOG --nflog-prefix "two words"');
  });

  it('prints marks in hex with the mask dropped when it is all ones', () => {
    expect(renderRule('X', [{ kind: 'mark', value: 0x4000, mask: 0xffffffff, negated: false }], { kind: 'connmark', mode: 'restore', nfmask: 0xff, ctmask: 0xff }))
      .toBe('-A X -m mark --mark 0x4000 -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff');
  });
});
