import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleBytes } from './rule-bytes';
import { RuleLexer } from './rule-lex';
import { RuleMatchesLater } from './iptables-rule-text';
import { WordTable } from './word-table';
import { mutations, ruleLinesUnder } from '../../../../test/support/rule-lines';

const root = path.resolve(__dirname, '../../../..');

/** What RuleBytes read of a line, in RuleLexer's terms: chain, target, comment, frontend, where the arguments start. */
function asLexed(bytes: RuleBytes, b: Buffer, chains: WordTable): unknown {
  const cut = (from: number, to: number): string => b.toString('latin1', from, to);
  const address = bytes.dnatFrom < 0 ? '' : cut(bytes.dnatFrom, bytes.dnatColon);
  const target =
    bytes.verdict !== null
      ? { kind: bytes.verdict }
      : bytes.dnatFrom < 0
      ? { kind: 'jump', chain: chains.wordAt(bytes.targetOrdinal) }
      : { kind: 'dnat', to: [{ minAddress: address, maxAddress: address, ports: { min: bytes.dnatPort, max: bytes.dnatPort } }], random: false, persistent: false };
  const at = (from: number): number => (from < 0 ? -1 : from - bytes.textFrom);
  return {
    chain: chains.wordAt(bytes.chainOrdinal), chainOrdinal: bytes.chainOrdinal, targetOrdinal: bytes.targetOrdinal,
    target, comment: bytes.commentFrom < 0 ? null : cut(bytes.commentFrom, bytes.commentTo), argsFrom: at(bytes.argsFrom),
    frontend: { dstFrom: at(bytes.dstFrom), dstTo: bytes.dstFrom < 0 ? -1 : at(bytes.dstTo), protoFrom: at(bytes.protoFrom), protoTo: bytes.protoFrom < 0 ? -1 : at(bytes.protoTo), dport: bytes.dport },
  };
}

function lexed(lexer: RuleLexer): unknown {
  const { target } = lexer;
  const jump = target !== null && (target.kind === 'jump' || target.kind === 'goto');
  const probe = new RuleMatchesLater(1, '', 1, null, null, null).frontendAt(lexer.dstFrom, lexer.dstTo, lexer.protoFrom, lexer.protoTo, lexer.dport) as unknown as Record<string, number>;
  return {
    chain: lexer.chain, chainOrdinal: lexer.chainOrdinal, targetOrdinal: jump ? lexer.targetOrdinal : -1, target: JSON.parse(JSON.stringify(target)) as unknown,
    comment: lexer.comment, argsFrom: lexer.argsFrom,
    frontend: { dstFrom: probe.dstFrom, dstTo: probe.dstTo, protoFrom: probe.protoFrom, protoTo: probe.protoTo, dport: probe.dport },
  };
}

/** Spellings near the ones RuleBytes reads: blanks, quotes, negations, leading zeros, probabilities, targets. */
const ODD = ['-i', '-o', '! -i eth0', '! -o', 'cni0', 'eth+', 'br-1a2b', '-', '!', '"eth0"', '! -d 10.1.2.3', '-p', '! -p udp', '6', 'UDP', '--dport', '! --dport 81', '--destination-port', '--sport', '-s', '10.9.8.7/24', '\t', 'a\tb', '"x"y', '"a\\"b"', '"unterminated', '"', '""', '"--comment"', '"tcp"', '"-j"', '"10.0.0.1"', '01.2.3.4', '1.2.3.4/032', '1.2.3.4/', '/24', '0', '65536', '00080', '0.', '1.5', '1.0', '1.01', '0.50', '-g', 'RETURN', 'MARK', 'DNAT', '--to-destination', '10.0.0.1:080', '10.0.0.1:8080:1', 'udplite', 'statistic', '--mode', '--probability', 'random', 'nth'];

describe('RuleBytes', () => {
  it('vouches only for lines RuleLexer vouches for, and reads them as it does, over every captured rule and variations of it', () => {
    const lines: string[] = [];
    ruleLinesUnder(path.join(root, 'test/fixtures'), lines);
    ruleLinesUnder(path.join(root, '../shared'), lines);
    expect(lines.length).toBeGreaterThan(500);
    // Every chain the lines append to or jump to, declared; RETURN and MARK too, which are targets all the same.
    const chains = new WordTable(['RETURN', 'MARK']);
    for (const line of lines) {
      const words = line.split(' ');
      chains.add(words[1]!);
      const j = words.indexOf('-j');
      if (j > 0 && words[j + 1] !== undefined) chains.add(words[j + 1]!);
    }
    const bytes = new RuleBytes(chains);
    const lexer = new RuleLexer(chains);
    const counts = { vouched: 0, declined: 0 };
    const check = (text: string): void => {
      // Read where it lies in a longer buffer, between other bytes.
      const b = Buffer.from(`xx${text}\nyy`, 'latin1');
      if (!bytes.read(b, 2, 2 + text.length)) {
        counts.declined++;
        return;
      }
      counts.vouched++;
      expect(lexer.read(text, 0, text.length), text).toBe(true);
      expect(asLexed(bytes, b, chains), text).toEqual(lexed(lexer));
      expect([bytes.textFrom, bytes.end, bytes.countersFrom], text).toEqual([2, 2 + text.trimEnd().length, -1]);
    };
    [...new Set(lines)].forEach((line, n) => {
      check(line);
      for (const variant of mutations(line, n + 1, ODD)) check(variant);
    });
    expect(counts.vouched).toBeGreaterThan(300);
    expect(counts.declined).toBeGreaterThan(300);
  });

  it('reads counters that print back as they read, and declines the others', () => {
    const chains = new WordTable(['KUBE-SERVICES', 'KUBE-SVC-X']);
    const bytes = new RuleBytes(chains);
    const read = (line: string): string | null => {
      const b = Buffer.from(line, 'latin1');
      return bytes.read(b, 0, b.length) ? (bytes.countersFrom < 0 ? '' : b.toString('latin1', bytes.countersFrom, bytes.countersTo)) : null;
    };
    const rule = '-A KUBE-SERVICES -j KUBE-SVC-X';
    expect([`[0:0] ${rule}`, `[12:3456] ${rule}`, rule, `[123456789012345:0] ${rule}`].map(read)).toEqual(['0:0', '12:3456', '', '123456789012345:0']);
    for (const odd of ['[007:1]', '[1234567890123456:1]', '[1:0', '[:]', '[1:2]x', '[4:5]\t', '[4:5] ', ' ']) expect(read(`${odd} ${rule}`), odd).toBeNull();
  });
});
