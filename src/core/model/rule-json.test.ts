/**
 * The hand-written rule JSON must be exactly what JSON.stringify writes: stored rows, and every reader of
 * them, stay as they were. Checked on every rule natlens reads from our kernel fixtures and the kube-proxy
 * conformance dumps, and on records built to reach each written case with values that are not the usual ones.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { parseIptablesList } from '../capture/iptables/iptables-list';
import type { Match, Rule, Ruleset, Target } from '../netfilter/ruleset';
import { fixturePath, wholeFile } from '../../../test/fixtures/iptables/fixture-input';
import { matchesJson, targetJson } from './rule-json';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedDir } from '../../../test/support/shared-corpus';

const LAB_NODES = path.resolve(__dirname, '../../../test/fixtures/lab/nodes');

function rulesOf(ruleset: Ruleset): Rule[] {
  return ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
}

function expectSameAsStringify(rules: readonly Rule[]): void {
  for (const rule of rules) {
    expect(matchesJson(rule.matches), rule.text).toBe(JSON.stringify(rule.matches));
    if (rule.target !== null) expect(targetJson(rule.target), rule.text).toBe(JSON.stringify(rule.target));
  }
}

describe('rule JSON', () => {
  it('is JSON.stringify of every rule of the kernel fixtures, saved and listed', () => {
    const rules = [
      ...['rich.kernel-save.txt', 'v6.kernel-save.txt'].flatMap((f) => rulesOf(parseIptablesSave(wholeFile(fixturePath(f))).ruleset)),
      // The two-node lab's kube-proxy-shaped rules (statistic, MARK, DNAT, MASQUERADE).
      ...['nodea', 'nodeb'].flatMap((n) => rulesOf(parseIptablesSave(wholeFile(path.join(LAB_NODES, n, 'iptables-save.txt'))).ruleset)),
      ...['rich.kernel-list-n.txt', 'rich.kernel-list-nvx.txt'].flatMap((f) =>
        rulesOf(parseIptablesList(wholeFile(fixturePath(f)), { partial: false }).ruleset),
      ),
    ];
    expect(rules.length).toBeGreaterThan(100);
    expectSameAsStringify(rules);
  });

  it('is JSON.stringify of records off the usual path: negations, escapes, nulls, lists', () => {
    const odd = 'say "hi"\\ \u00e9\t\u2028';
    const matches: Match[] = [
      { kind: 'source', cidr: { address: 'fd00::1', prefixLength: 128 }, negated: true },
      { kind: 'destination', cidr: { address: '10.0.0.0', prefixLength: 8 }, negated: false },
      { kind: 'in-interface', name: 'eth+', negated: true },
      { kind: 'out-interface', name: odd, negated: false },
      { kind: 'protocol', proto: '132', negated: true },
      { kind: 'fragment', negated: true },
      { kind: 'ports', which: 'either', ranges: [{ min: 1, max: 1024 }, { min: 8080, max: 8080 }], negated: true },
      { kind: 'ports', which: 'sport', ranges: [], negated: false },
      { kind: 'comment', text: odd },
      { kind: 'comment', text: '' },
      { kind: 'mark', value: 0xffffffff, mask: 0, negated: true },
      { kind: 'connmark', value: 1, mask: 0xff00, negated: false },
      { kind: 'statistic', mode: 'random', probability: 0.33333333333, negated: true },
      { kind: 'statistic', mode: 'random', probability: Number.NaN, negated: false },
      { kind: 'statistic', mode: 'nth', every: 3, packet: 0, negated: false },
      { kind: 'set', name: 'KUBE-LOOP-BACK', flags: ['dst', 'src'], negated: false },
    ];
    expect(matchesJson(matches)).toBe(JSON.stringify(matches));
    expect(matchesJson([])).toBe('[]');
    const targets: Target[] = [
      { kind: 'accept' }, { kind: 'drop' }, { kind: 'return' }, { kind: 'trace' }, { kind: 'notrack' },
      { kind: 'jump', chain: 'KUBE-SVC-X' }, { kind: 'goto', chain: odd },
      { kind: 'dnat', to: [{ minAddress: '10.1.0.1', maxAddress: '10.1.0.9', ports: { min: 80, max: 90 } }, { minAddress: null, maxAddress: null, ports: null }], random: true, persistent: false },
      { kind: 'dnat', to: [], random: false, persistent: true },
      { kind: 'snat', to: [{ minAddress: 'fd00::1', maxAddress: 'fd00::1', ports: null }], random: false, randomFully: true, persistent: true },
      { kind: 'masquerade', ports: { min: 1024, max: 65535 }, random: true, randomFully: false },
      { kind: 'masquerade', ports: null, random: false, randomFully: true },
      { kind: 'mark', value: 0x4000, mask: 0x4000 },
      { kind: 'log', prefix: odd, level: null },
    ];
    for (const target of targets) expect(targetJson(target)).toBe(JSON.stringify(target));
  });
});

describeShared('kube-proxy-conformance', 'rule JSON on the kube-proxy conformance dumps', () => {
  it('is JSON.stringify of every rule of the kube-proxy conformance dumps', () => {
    const dir = sharedDir('kube-proxy-conformance');
    const dumps = fs.readdirSync(dir).map((d) => path.join(dir, d, 'ruleset.iptables-save')).filter((f) => fs.existsSync(f));
    expect(dumps.length).toBeGreaterThan(20);
    for (const dump of dumps) expectSameAsStringify(rulesOf(parseIptablesSave(wholeFile(dump)).ruleset));
  });
});
