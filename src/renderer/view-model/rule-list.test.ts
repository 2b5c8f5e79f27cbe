import { describe, expect, it } from 'vitest';
import type { RuleRowJson } from '../../shared/contract/rule-list-json';
import { describeRuleFilter, pagesCovering, ruleCommand, ruleFilter, rulesSummary } from './rule-list';

const form = (query: string, chain = '', target = '') => ({ chain, target, query });

describe('the rules list', () => {
  it('reads the free box as a port, an address (IP or CIDR, v4 or v6) or text', () => {
    expect(ruleFilter(form('8080'))).toEqual({ port: 8080 });
    expect(ruleFilter(form('70000'))).toEqual({ text: '70000' });
    expect(ruleFilter(form(' 10.96.0.10 '))).toEqual({ address: '10.96.0.10' });
    expect(ruleFilter(form('10.244.0.0/16'))).toEqual({ address: '10.244.0.0/16' });
    expect(ruleFilter(form('fd00::/64'))).toEqual({ address: 'fd00::/64' });
    expect(ruleFilter(form('10.96.0'))).toEqual({ text: '10.96.0' });
    expect(ruleFilter(form('default/web:http'))).toEqual({ text: 'default/web:http' });
    expect(ruleFilter(form('', ' KUBE-SVC- ', 'dnat'))).toEqual({ chain: 'KUBE-SVC-', target: 'dnat' });
    expect(ruleFilter(form(''))).toEqual({});
  });

  it('says what it filters by', () => {
    expect(describeRuleFilter({ chain: 'KUBE-SEP-', target: 'DNAT', port: 8080 })).toBe('chain KUBE-SEP-…, target DNAT, port 8080');
    expect(describeRuleFilter({ address: '10.0.0.0/8', text: 'x' })).toBe('address 10.0.0.0/8, text “x”');
  });

  it('names the pages a range of rows needs', () => {
    expect(pagesCovering(0, 49, 200)).toEqual([0]);
    expect(pagesCovering(180, 420, 200)).toEqual([0, 1, 2]);
    expect(pagesCovering(169_990, 170_022, 200)).toEqual([849, 850]);
    expect(pagesCovering(5, 4)).toEqual([]);
    expect(pagesCovering(-3, -1)).toEqual([]);
  });

  it('copies a saved rule as the command that adds it, in its table and family', () => {
    const rule: RuleRowJson = { index: 7, family: 'ipv4', table: 'nat', chain: 'KUBE-SEP-B', position: 1, line: 21, text: '-A KUBE-SEP-B -p tcp -j DNAT --to-destination 10.244.1.7:8080', target: 'DNAT', packets: null, bytes: null };
    expect(ruleCommand(rule)).toBe('iptables -t nat -A KUBE-SEP-B -p tcp -j DNAT --to-destination 10.244.1.7:8080');
    expect(ruleCommand({ ...rule, family: 'ipv6', table: 'filter' })).toBe('ip6tables -t filter -A KUBE-SEP-B -p tcp -j DNAT --to-destination 10.244.1.7:8080');
    expect(ruleCommand({ ...rule, text: 'DNAT  tcp  --  0.0.0.0/0  0.0.0.0/0  tcp to:10.244.1.7:8080' })).toBe('DNAT  tcp  --  0.0.0.0/0  0.0.0.0/0  tcp to:10.244.1.7:8080');
  });
});

describe('the rules summary', () => {
  it('counts one rule in the singular, and a filtered list against the whole', () => {
    expect(rulesSummary(1, 1, 'w1.txt:1111', '')).toBe('1 rule of w1.txt:1111');
    expect(rulesSummary(170023, 170023, 'nodea/iptables-save.txt:1', '')).toBe('170,023 rules of nodea/iptables-save.txt:1');
    expect(rulesSummary(3, 170023, 'nodea/iptables-save.txt:1', 'target DNAT')).toBe('3 of 170,023 rules of nodea/iptables-save.txt:1 matching target DNAT');
  });
});
