/**
 * What a chain's reader knows of its rules without reading them. A chain read back from a project
 * (model/lazy-rulesets.ts) knows from an index written at import whether any of its rules SNATs, so a
 * question about SNAT targets (simulate/inferred-facts.ts) reads only the chains that hold one.
 *
 * The facts live on the reader's prototype, not on the chain: a copy of the chain (`{ ...chain, rules }`),
 * whose rules may differ, does not inherit them, and a reader assigning new rules drops them.
 */
import type { Chain } from './ruleset';

export interface ChainFacts {
  /** Some rule of the chain has a SNAT target (`-j SNAT`). */
  snat: boolean;
}

export const CHAIN_FACTS: unique symbol = Symbol('natlens.chainFacts');

interface WithFacts {
  readonly [CHAIN_FACTS]?: ChainFacts | null;
}

/** The facts `chain`'s reader knows, or null: then only its rules say. */
export function chainFacts(chain: Chain): ChainFacts | null {
  return (chain as WithFacts)[CHAIN_FACTS] ?? null;
}
