import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentOf } from '../../netfilter/ruleset';
import { parseRuleArgs, tokenizeRule, type RuleArgs } from './iptables-args';
import { scanRuleArgs } from './rule-scan';
import { writeKubeProxyDump } from '../../../../scripts/bench/kube-proxy-dump.mjs';
import os from 'node:os';
import { mutations, ruleLinesUnder } from '../../../../test/support/rule-lines';

const root = path.resolve(__dirname, '../../../..');

/** The words after `-A CHAIN`. */
function argsOf(text: string): ReturnType<typeof tokenizeRule> {
  const t = tokenizeRule(text);
  return { tokens: t.tokens.slice(2), quoted: t.quoted.slice(2) };
}

function fullRead(tokens: ReturnType<typeof tokenizeRule>): RuleArgs | Error {
  try {
    return parseRuleArgs(tokens, 0, tokens.tokens.length, null);
  } catch (e) {
    return e as Error;
  }
}

/**
 * The scan's promise, checked on one rule: when it vouches for the arguments, parseRuleArgs reads them without
 * an error or a note, builds the same target, and the first comment and IPv6-ness are what its matches say.
 */
function checkScan(text: string): 'vouched' | 'declined' | 'untokenizable' {
  let tokens: ReturnType<typeof tokenizeRule>;
  try {
    tokens = argsOf(text);
  } catch {
    return 'untokenizable';
  }
  const scanned = scanRuleArgs(tokens, 0, tokens.tokens.length);
  if (scanned === null) return 'declined';
  const full = fullRead(tokens);
  expect(full, text).not.toBeInstanceOf(Error);
  const args = full as RuleArgs;
  expect(args.notes, text).toEqual([]);
  expect(args.counters, text).toBeNull();
  expect(JSON.stringify(scanned.target), text).toBe(JSON.stringify(args.target));
  expect(scanned.comment, text).toBe(commentOf(args.matches));
  const ipv6 = args.matches.some((m) => (m.kind === 'source' || m.kind === 'destination') && m.cidr.address.includes(':'));
  expect(scanned.ipv6, text).toBe(ipv6);
  return 'vouched';
}

describe('scanRuleArgs', () => {
  it("vouches for kube-proxy's rules, each as parseRuleArgs reads it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-scan-'));
    try {
      const file = path.join(dir, 'kube.save');
      writeKubeProxyDump(file, 40, 3);
      const lines: string[] = [];
      ruleLinesUnder(dir, lines);
      expect(lines.length).toBeGreaterThan(300);
      const outcomes = lines.map(checkScan);
      // All but a few singular rules (MARK, MASQUERADE --random-fully, conntrack, addrtype) are vouched for.
      expect(outcomes.filter((o) => o === 'vouched').length).toBeGreaterThan(lines.length * 0.95);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('only vouches for what parseRuleArgs reads the same, over every captured rule and variations of it', () => {
    const lines: string[] = [];
    ruleLinesUnder(path.join(root, 'test/fixtures'), lines);
    ruleLinesUnder(path.join(root, '../shared/captures'), lines);
    expect(lines.length).toBeGreaterThan(500);
    const counts = { vouched: 0, declined: 0, untokenizable: 0 };
    const distinct = [...new Set(lines)];
    distinct.forEach((line, n) => {
      counts[checkScan(line)]++;
      for (const variant of mutations(line, n + 1)) counts[checkScan(variant)]++;
    });
    // Both answers are exercised, and the variations reach the declined side.
    expect(counts.vouched).toBeGreaterThan(200);
    expect(counts.declined).toBeGreaterThan(200);
  });

  it('declines what it does not know, so parseRuleArgs gives its own answer', () => {
    const declined = [
      '-A X -p tcp --dport 80 -j ACCEPT', // implicit tcp module
      '-A X -m comment --comment two words -j ACCEPT', // unquoted comment: a note
      '-A X -s 10.0.0.0/33 -j ACCEPT', // bad prefix: parseRuleArgs says so
      '-A X -m tcp --dport 99999 -j ACCEPT',
      '-A X -m statistic --mode random --probability 2 -j KUBE-SEP-A',
      '-A X -m statistic --mode nth --every 2 -j KUBE-SEP-A',
      '-A X -j ACCEPT -m comment --comment "after"',
      '-A X -j LOG --log-prefix "x" --unknown',
      '-A X -j AUDIT --type drop',
      '-A X ! -m tcp -j ACCEPT',
      '-A X -c 1 2 -j ACCEPT',
      '-A X -s ! 10.0.0.1 -j ACCEPT',
    ];
    for (const text of declined) {
      const t = argsOf(text);
      expect(scanRuleArgs(t, 0, t.tokens.length), text).toBeNull();
    }
  });

  it('builds the target parseRuleArgs builds', () => {
    const text = '-A KUBE-SEP-X -p tcp -m comment --comment "ns/a:http" -m tcp -j DNAT --to-destination 10.40.0.6:8080';
    const t = argsOf(text);
    expect(scanRuleArgs(t, 0, t.tokens.length)).toEqual({
      target: { kind: 'dnat', to: [{ minAddress: '10.40.0.6', maxAddress: '10.40.0.6', ports: { min: 8080, max: 8080 } }], random: false, persistent: false },
      comment: 'ns/a:http',
      ipv6: false,
    });
    const v6 = argsOf('-A X ! -s fd00::/64 -g KUBE-Y');
    expect(scanRuleArgs(v6, 0, v6.tokens.length)).toEqual({ target: { kind: 'goto', chain: 'KUBE-Y' }, comment: null, ipv6: true });
  });
});
