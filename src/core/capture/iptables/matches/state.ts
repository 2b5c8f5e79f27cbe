/**
 * The state match.
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { CtState, Match } from '../../../netfilter/ruleset';
import { parseCtStates } from '../iptables-values';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

/** `state RELATED,ESTABLISHED`. */
export const listState: ListedMatchReader = (c, _w, negated, out) => {
  out.push({ kind: 'state', states: parseCtStates(c.need('state')) as CtState[], negated });
  return true;
};

export const state: MatchModule = {
  options: optionTable([['--state', 1]]),
  build: (opts) => opts.map((o): Match => ({ kind: 'state', states: parseCtStates(o.values[0]) as CtState[], negated: o.negated })),
};
