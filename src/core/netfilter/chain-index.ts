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

/** The lookup attached to `table` itself (not to a copy of it), or null. */
export function chainIndexOf(table: Table): ChainLookup | null {
  return Object.prototype.hasOwnProperty.call(table, CHAINS_BY_NAME) ? (table as WithIndex)[CHAINS_BY_NAME] ?? null : null;
}
