import { describe, it, expect } from 'vitest';
import { parseRuleArgs, tokenizeRule } from './iptables-args';
import { RuleSyntaxError } from './iptables-values';

describe('tokenizeRule', () => {
  it('splits on blanks and keeps a double-quoted string as one word', () => {
    expect(tokenizeRule('-A X  -m comment\t--comment "a b" -j ACCEPT').tokens).toEqual(['-A', 'X', '-m', 'comment', '--comment', 'a b', '-j', 'ACCEPT']);
  });

  it('unescapes backslash-escaped quotes and backslashes inside quotes, and marks quoted words', () => {
    const t = tokenizeRule('--comment "say \\"hi\\" \\\\ok" "-x"');
    expect(t.tokens).toEqual(['--comment', 'say "hi" \\ok', '-x']);
    expect(t.quoted).toEqual([false, true, true]);
  });

  it('rejects an unterminated quote', () => {
    expect(() => tokenizeRule('--comment "open')).toThrow(RuleSyntaxError);
  });
});

describe('parseRuleArgs', () => {
  const args = (text: string) => parseRuleArgs(tokenizeRule(text), 0);

  it('takes a quoted value that looks like an option as a value', () => {
    expect(args('-j LOG --log-prefix "--x"').target).toEqual({ kind: 'log', prefix: '--x', level: null });
  });

  it('rejects ! twice, ! at the end and ! before -m', () => {
    expect(() => args('! ! -s 1.2.3.4')).toThrow('"!" twice');
    expect(() => args('-s 1.2.3.4 !')).toThrow('at the end');
    expect(() => args('! -m tcp')).toThrow('cannot negate -m');
  });

  it('keeps host names it cannot read as addresses as unsupported', () => {
    expect(args('-d localhost -j ACCEPT').matches).toEqual([{ kind: 'unsupported', module: 'host', args: ['-d', 'localhost'] }]);
  });

  it('rejects a word with a colon that is no IPv6 address, and an empty protocol, interface, module or target', () => {
    expect(() => args('-s 672b8: -j ACCEPT')).toThrow('bad address');
    expect(() => args('-d :8 -j ACCEPT')).toThrow('bad address');
    expect(() => args('-p "" -j ACCEPT')).toThrow('empty protocol');
    for (const rule of ['-i "" -j ACCEPT', '-m "" -j ACCEPT', '-j ""', '-g ""']) expect(() => args(rule), rule).toThrow('needs a name');
    expect(args('-m comment --comment "" -j ACCEPT').target).toEqual({ kind: 'accept' });
  });

  it('keeps an unknown target with options as other, and a bare unknown name as a jump', () => {
    expect(args('-j TPROXY --on-port 1 --tproxy-mark 0x1/0x1').target).toEqual({ kind: 'other', name: 'TPROXY', args: ['--on-port', '1', '--tproxy-mark', '0x1/0x1'] });
    expect(args('-j KUBE-MARK-DROP').target).toEqual({ kind: 'jump', chain: 'KUBE-MARK-DROP' });
    expect(args('-j AUDIT').target).toEqual({ kind: 'other', name: 'AUDIT', args: [] });
  });

  it('rejects an unknown option outside any module', () => {
    expect(() => args('--bogus 1 -j ACCEPT')).toThrow('unknown option --bogus');
  });
});
