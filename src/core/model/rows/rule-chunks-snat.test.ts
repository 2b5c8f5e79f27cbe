import { describe, expect, it } from 'vitest';
import { parseRuleText, RuleMatchesLater } from '../../capture/iptables/iptables-rule-text';
import type { Rule } from '../../netfilter/ruleset';
import { hasWord, RuleChunkBuilder } from './rule-chunks';

function parsed(text: string, position: number): Rule {
  const { matches, target } = parseRuleText(text);
  return { position, text, line: position, counters: null, matches, target };
}

describe('the SNAT rules a chunk notes', () => {
  it('finds the word between blanks or the ends only', () => {
    expect(hasWord('-A X -j SNAT --to-source 10.0.0.1', 'SNAT')).toBe(true);
    expect(hasWord('-A X -j SNAT', 'SNAT')).toBe(true);
    expect(hasWord('SNAT\tall', 'SNAT')).toBe(true);
    expect(hasWord('-A KUBE-SVC-X -j KUBE-SEP-IRS46NK2PRTSNATH', 'SNAT')).toBe(false);
    expect(hasWord('-A X -m comment --comment "requiring SNAT" -j MASQUERADE', 'SNAT')).toBe(false);
    expect(hasWord('-A SNATS -j SNATX SNAT', 'SNAT')).toBe(true);
    expect(hasWord('', 'SNAT')).toBe(false);
  });

  it('notes SNAT targets, not chains whose names hold the letters', () => {
    const texts = [
      '-A POSTROUTING -o eth0 -j SNAT --to-source 10.0.0.1',
      '-A KUBE-SVC-X -j KUBE-SEP-IRS46NK2PRTSNATH',
      '-A POSTROUTING -m comment --comment "a SNAT comment" -j MASQUERADE',
      '-A POSTROUTING -j SNAT --to-source 10.0.0.2',
    ];
    const builder = new RuleChunkBuilder();
    texts.forEach((text, i) => builder.add(7, text.split(' ')[1]!, parsed(text, i + 1), true));
    expect([...builder.take()!.snat]).toEqual([7, 1, 7, 4]);
  });

  it('reads a lexed rule\'s target', () => {
    const text = '-A POSTROUTING -j SNAT --to-source 10.0.0.1';
    const { target } = parseRuleText(text);
    const builder = new RuleChunkBuilder();
    builder.add(3, 'POSTROUTING', new RuleMatchesLater(5, text, 9, null, target, null), true);
    expect([...builder.take()!.snat]).toEqual([3, 5]);
  });
});
