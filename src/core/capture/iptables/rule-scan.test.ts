import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentOf } from '../../netfilter/ruleset';
import { parseRuleArgs, tokenizeRule, type RuleArgs } from './iptables-args';
import { scanRuleArgs } from './rule-scan';
import { writeKubeProxyDump } from '../../../../scripts/bench/kube-proxy-dump.mjs';
import os from 'node:os';

const root = path.resolve(__dirname, '../../../..');

/** Rule lines (`-A ...`, counters cut off) of every text file under `dir` that holds some. */
function ruleLinesUnder(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) ruleLinesUnder(file, out);
    else if (entry.isFile() && fs.statSync(file).size < 4_000_000 && !/\.(pcap|pcapng|gz|tgz|zip|db)$/.test(entry.name)) {
      for (const line of fs.readFileSync(file, 'latin1').split(/\r?\n/)) {
        const m = /^\s*(?:\[\d+:\d+\]\s*)?(-A \S+.*?)\s*$/.exec(line);
        if (m) out.push(m[1]!);
      }
    }
  }
}

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

/** Deterministic variations of a rule: words dropped, doubled, swapped, negated, and values replaced by odd ones. */
function* mutations(text: string, seed: number): Generator<string> {
  const words = text.split(' ');
  const odd = ['', '""', '!', '-5', '--x', '999999', '1.2.3.4/33', '1.2.3', '::1', 'fd00::1/64', '10.0.0.1:', '10.0.0.1:99999', '0.5x', '2', '1e0',
    '"a b"', 'x y', '-j', '-m', 'tcp', 'comment', '--comment', '--dport', '80:70', 'http', '10.0.0.1-10.0.0.9:80', '[fd00::1]:80', 'ACCEPT', 'DNAT', 'KUBE-MARK-DROP', 'LOG'];
  let r = seed;
  const next = (n: number): number => {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    return r % n;
  };
  for (let k = 0; k < 24; k++) {
    const w = words.slice();
    const i = 2 + next(Math.max(1, w.length - 2));
    switch (next(5)) {
      case 0: w.splice(i, 1); break;
      case 1: w.splice(i, 0, w[i] ?? '!'); break;
      case 2: { const j = 2 + next(Math.max(1, w.length - 2)); [w[i], w[j]] = [w[j]!, w[i]!]; break; }
      case 3: w.splice(i, 0, '!'); break;
      default: w[i] = odd[next(odd.length)]!;
    }
    yield w.join(' ');
  }
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
