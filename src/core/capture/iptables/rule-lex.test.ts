import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenizeRule } from './iptables-args';
import { parseRuleText, RuleMatchesLater } from './iptables-rule-text';
import { RuleLexer } from './rule-lex';
import { frontendOfMatches } from '../../netfilter/kube-proxy';
import { scanRuleArgs } from './rule-scan';
import { WordTable } from './word-table';
import { mutations, ruleLinesUnder } from '../../../../test/support/rule-lines';
import { writeKubeProxyDump } from '../../../../scripts/bench/kube-proxy-dump.mjs';

const root = path.resolve(__dirname, '../../../..');

/**
 * The lexer's promise on one line: when it vouches, the tokenizer and scanRuleArgs read the line as `-A CHAIN`
 * and vouch too, with the same chain, target and comment, and an IPv4 rule.
 */
function check(lexer: RuleLexer, text: string, from = 0, to = text.length, chains?: WordTable): 'vouched' | 'declined' {
  if (!lexer.read(text, from, to)) return 'declined';
  const tokens = tokenizeRule(text.slice(from, to));
  expect(tokens.tokens[0], text).toBe('-A');
  expect(lexer.chain, text).toBe(tokens.tokens[1]);
  const scanned = scanRuleArgs(tokens, 2, tokens.tokens.length);
  expect(scanned, text).not.toBeNull();
  expect(JSON.stringify(lexer.target), text).toBe(JSON.stringify(scanned!.target));
  expect(lexer.comment, text).toBe(scanned!.comment);
  expect(scanned!.ipv6, text).toBe(false);
  // What kube-proxy's index reads of an entry rule, from the places the lexer noted, is what its matches say.
  const ruleText = text.slice(from, to);
  const rule = new RuleMatchesLater(1, ruleText, 1, null, lexer.target, lexer.comment).frontendAt(lexer.dstFrom, lexer.dstTo, lexer.protoFrom, lexer.protoTo, lexer.dport);
  expect(rule.frontendFacts(), text).toEqual(frontendOfMatches(parseRuleText(ruleText).matches));
  // Where the store's `a` record starts, as the chunk builder finds it from the text and the chain.
  const after = 3 + lexer.chain.length;
  const plain = ruleText.startsWith('-A ') && ruleText.startsWith(lexer.chain, 3) && (ruleText.length === after || ruleText.charCodeAt(after) === 32);
  expect(lexer.argsFrom, text).toBe(plain ? after : -1);
  if (chains !== undefined) {
    const { target } = lexer;
    const jumpsTo = target !== null && (target.kind === 'jump' || target.kind === 'goto') ? target.chain : null;
    expect([lexer.chainOrdinal, jumpsTo === null ? -1 : lexer.targetOrdinal], text).toEqual([chains.ordinalOf(lexer.chain), jumpsTo === null ? -1 : chains.ordinalOf(jumpsTo)]);
  }
  return 'vouched';
}

/** Spellings the lexer must tell apart from the plain one: blanks, quotes, escapes. */
const ODD = ['-d', '! -d 10.1.2.3', '-p', '! -p udp', '6', 'UDP', '--dport', '! --dport 81', '--destination-port', '-s', '10.9.8.7/24', '\t', 'a\tb', '"x"y', '"a\\"b"', '"unterminated', '"', '"--comment"', '"tcp"', '"-j"', '"10.0.0.1"', '01.2.3.4', '1.2.3.4/032', '1.2.3.4/', '/24', '0', '65536', '00080'];

describe('RuleLexer', () => {
  it("vouches for kube-proxy's rules as scanRuleArgs does", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-lex-'));
    try {
      const file = path.join(dir, 'kube.save');
      writeKubeProxyDump(file, 40, 3);
      const lines: string[] = [];
      ruleLinesUnder(dir, lines);
      // With the dump's chains declared, as the reader has them when it reads the rules.
      const chains = new WordTable();
      for (const line of fs.readFileSync(file, 'latin1').split('\n')) if (line.startsWith(':')) chains.add(line.slice(1).split(' ')[0]!);
      const lexer = new RuleLexer(chains);
      const outcomes = lines.map((l) => check(lexer, l, 0, l.length, chains));
      expect(outcomes.filter((o) => o === 'vouched').length).toBeGreaterThan(lines.length * 0.95);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('only vouches for what the tokenizer and scanRuleArgs read the same, over every captured rule and variations of it', () => {
    const lines: string[] = [];
    ruleLinesUnder(path.join(root, 'test/fixtures'), lines);
    ruleLinesUnder(path.join(root, '../shared/captures'), lines);
    expect(lines.length).toBeGreaterThan(500);
    const chains = new WordTable(['KUBE-SERVICES', 'KUBE-MARK-MASQ']);
    const lexer = new RuleLexer(chains);
    const counts = { vouched: 0, declined: 0 };
    [...new Set(lines)].forEach((line, n) => {
      counts[check(lexer, line, 0, line.length, chains)]++;
      for (const variant of mutations(line, n + 1, ODD)) counts[check(lexer, variant, 0, variant.length, chains)]++;
      // Read where it lies in a longer text, between other characters.
      counts[check(lexer, `xx${line}yy`, 2, line.length + 2, chains)]++;
    });
    expect(counts.vouched).toBeGreaterThan(200);
    expect(counts.declined).toBeGreaterThan(200);
  });

  it('leaves escapes, IPv6, unusual ports and other targets to the tokenizer', () => {
    const lexer = new RuleLexer(new WordTable());
    for (const text of [
      '-A X -m comment --comment "a \\" b" -j ACCEPT',
      '-A X -s fd00::/64 -j ACCEPT',
      '-A X -p tcp -m tcp --dport 1000:2000 -j ACCEPT',
      '-A X -p tcp -m tcp --dport http -j ACCEPT',
      '-A X -j DNAT --to-destination [fd00::1]:80',
      '-A X -m conntrack --ctstate NEW -j ACCEPT',
      '-I X -j ACCEPT',
      '-A "X" -j ACCEPT',
      '-A X -j "ACCEPT"',
      '-A X -c 1 2 -j ACCEPT',
    ]) {
      expect(lexer.read(text, 0, text.length), text).toBe(false);
    }
    const text = '-A KUBE-SEP-X -p tcp -m comment --comment "ns/a:http" -m tcp -j DNAT --to-destination 10.40.0.6:8080';
    expect(lexer.read(text, 0, text.length)).toBe(true);
    expect({ chain: lexer.chain, target: lexer.target, comment: lexer.comment }).toEqual({
      chain: 'KUBE-SEP-X',
      target: { kind: 'dnat', to: [{ minAddress: '10.40.0.6', maxAddress: '10.40.0.6', ports: { min: 8080, max: 8080 } }], random: false, persistent: false },
      comment: 'ns/a:http',
    });
  });
});
