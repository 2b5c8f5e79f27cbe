/**
 * A chain's rules one at a time, for a reader whose rules are not in memory yet. A chain read back from a
 * project (model/lazy-rulesets.ts) keeps its rules in stored chunks: a walk that stops at the third rule of
 * KUBE-SERVICES (10,000 rules) needs the count and three rules, not 10,000 rule objects.
 *
 * Like chain facts (chain-facts.ts) the reader lives on the chain's prototype: a copy of the chain
 * (`{ ...chain, rules }`) does not inherit it, and a chain whose rules were assigned or are already in
 * memory offers none. Rule `i` of the reader is rule `i` of `chain.rules`, the same object once both were read.
 */
import type { Chain, Rule } from './ruleset';

export interface ChainRuleReader {
  /** How many rules the chain holds (`chain.rules.length`). */
  readonly count: number;
  /** Rule `i` (0-based, below count) of `chain.rules`. */
  at(i: number): Rule;
  /**
   * What follows `-A CHAIN` in rule `i`'s text, read without making the rule, when it is kept as iptables-save text
   * that reads back as the rule (rule `i` is then parseRuleText of `-A CHAIN` + this); null when it is not (read at(i)).
   */
  argsAt?(i: number): string | null;
}

export const CHAIN_RULE_READER: unique symbol = Symbol('natlens.chainRuleReader');

interface WithReader {
  readonly [CHAIN_RULE_READER]?: ChainRuleReader | null;
}

/** The reader of `chain`'s rules one by one, or null: then read `chain.rules`. */
export function chainRuleReader(chain: Chain): ChainRuleReader | null {
  return (chain as WithReader)[CHAIN_RULE_READER] ?? null;
}
