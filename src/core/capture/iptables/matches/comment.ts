/**
 * The comment match.
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Match } from '../../../netfilter/ruleset';
import { optionTable, type MatchModule } from './match-module';

export const comment: MatchModule = {
  options: optionTable([['--comment', 1]]),
  build: (opts, pool) => opts.map((o): Match => (pool === null ? { kind: 'comment', text: o.values[0] } : pool.comment(o.values[0]))),
};
