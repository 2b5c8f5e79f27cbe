/**
 * The mark and connmark matches.
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Match } from '../../../netfilter/ruleset';
import { parseMarkMask } from '../iptables-values';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

/** `mark match 0x4000/0x4000`, `connmark match !0x1`; the word alone is no match (MARK's own text). */
export function listMark(kind: 'mark' | 'connmark'): ListedMatchReader {
  return (c, w, _negated, out) => {
    if (c.peek() !== 'match') return false;
    c.i++;
    let neg = false;
    let v = c.need(`${w} match`);
    if (v === '!') { neg = true; v = c.need(`${w} match`); }
    const { value, mask } = parseMarkMask(v);
    out.push({ kind, value, mask: mask ?? 0xffffffff, negated: neg });
    return true;
  };
}

export function markModule(kind: 'mark' | 'connmark'): MatchModule {
  return {
    options: optionTable([['--mark', 1]]),
    build: (opts) =>
      opts.map((o): Match => {
        const { value, mask } = parseMarkMask(o.values[0]);
        return { kind, value, mask: mask ?? 0xffffffff, negated: o.negated };
      }),
  };
}
