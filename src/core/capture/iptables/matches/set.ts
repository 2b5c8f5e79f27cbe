/**
 * The set match (ipset: `--match-set NAME dst,dst`).
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Match } from '../../../netfilter/ruleset';
import { fail } from '../iptables-values';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

export function parseSetFlags(text: string): Array<'src' | 'dst'> {
  return text.split(',').map((f) => {
    if (f !== 'src' && f !== 'dst') fail(`bad set flag "${f}"`);
    return f;
  });
}

/** `match-set KUBE-CLUSTER-IP dst,dst`. */
export const listSet: ListedMatchReader = (c, _w, negated, out) => {
  const name = c.need('match-set');
  out.push({ kind: 'set', name, flags: parseSetFlags(c.need('match-set flags')), negated });
  return true;
};

export const set: MatchModule = {
  options: optionTable([['--match-set', 2], ['--set', 2]]),
  build: (opts) => opts.map((o): Match => ({ kind: 'set', name: o.values[0], flags: parseSetFlags(o.values[1]), negated: o.negated })),
};
