/**
 * A table's chains by name, as the code that made the table already had them keyed (compose-state.ts keeps
 * one Map per table): the replay looks chains up by name and, given this, does not key a kube-proxy table's
 * ~60k chains a second time. It is a non-enumerable property, so a copy of the table (`{ ...table, chains }`),
 * whose chains may differ, does not carry it; whoever attaches it promises the table's chains array is not
 * changed afterwards and names each chain once.
 */
import type { Chain, Table } from './ruleset';

export interface ChainLookup {
  get(name: string): Chain | undefined;
}

const CHAINS_BY_NAME: unique symbol = Symbol('natlens.chainsByName');

interface WithIndex {
  readonly [CHAINS_BY_NAME]?: ChainLookup;
}

export function attachChainIndex(table: Table, lookup: ChainLookup): void {
  Object.defineProperty(table, CHAINS_BY_NAME, { value: lookup, enumerable: false, configurable: true, writable: false });
}

/** Drops the lookup attached to `table` and what it said of chains made on demand (its chains were replaced). */
export function detachChainIndex(table: Table): void {
  delete (table as { [CHAINS_BY_NAME]?: ChainLookup })[CHAINS_BY_NAME];
  delete (table as { [ON_DEMAND]?: ChainsOnDemand })[ON_DEMAND];
}

/**
 * A table whose chain objects are made when looked up or listed (model/lazy-rulesets.ts: a stored kube-proxy table
 * has ~60k chains and a trace enters a few dozen): composing it whole keeps it as it is rather than listing it.
 */
export interface ChainsOnDemand {
  /** No two of its chains share a name (so its chains are exactly its names' lookups, in order). */
  readonly distinctNames: boolean;
  /** Its chains holding a SNAT rule (chain-facts.ts), in order, the others not made. */
  snatChains(): readonly Chain[];
}

const ON_DEMAND: unique symbol = Symbol('natlens.chainsOnDemand');

export function markChainsOnDemand(table: Table, facts: ChainsOnDemand): void {
  Object.defineProperty(table, ON_DEMAND, { value: facts, enumerable: false, configurable: true, writable: false });
}

/** What `table` itself (not a copy) says of its chains made on demand, or null for a table that holds them. */
export function chainsOnDemand(table: Table): ChainsOnDemand | null {
  return Object.prototype.hasOwnProperty.call(table, ON_DEMAND) ? (table as { [ON_DEMAND]?: ChainsOnDemand })[ON_DEMAND] ?? null : null;
}

/** The lookup attached to `table` itself (not to a copy of it), or null. */
export function chainIndexOf(table: Table): ChainLookup | null {
  return Object.prototype.hasOwnProperty.call(table, CHAINS_BY_NAME) ? (table as WithIndex)[CHAINS_BY_NAME] ?? null : null;
}
