/**
 * A ruleset indexed for replay: chains by name per table, rules as arrays with compiled matches,
 * jumps resolved to chain objects. Indexed once per node; each chain's rules are compiled the
 * first time a trace enters it (a kube-proxy node has ~150k rules, a trace visits a few dozen
 * chains), then kept for every later trace.
 */
import type { Chain, Rule, Ruleset, RulesetOrigin, Table, TableName, Target } from '../netfilter/ruleset';
import { chainIndexOf, type ChainLookup } from '../netfilter/chain-index';
import { chainRuleReader } from '../netfilter/chain-rule-reader';
import { assertNever } from '../common/assert-never';
import { compileMatches } from './rule-match';
import type { CompiledMatches } from './rule-match';
import { buildDispatchIndex, dispatchIndexOf, dispatchKeysOf } from './dispatch-index';
import { scanDispatchKeys } from './dispatch-scan';
import type { DispatchIndex } from './dispatch-index';

export interface CompiledRule {
  rule: Rule;
  matches: CompiledMatches;
  target: Target | null;
  /** Name shown as the step's target: ACCEPT, DNAT, KUBE-SVC-..., the extension name. */
  targetName: string;
  /** The chain a jump/goto enters; null when the chain is not in the capture. */
  readonly chainRef: CompiledChain | null;
  /** The rule's comment (kube-proxy writes `ns/name:port ...` there). */
  comment: string | null;
}

export interface CompiledChain {
  table: TableName;
  chain: Chain;
  name: string;
  owner: CompiledTable;
  /**
   * Filled by ruleAt rule by rule: a walk that ends early in a long chain (KUBE-SERVICES, a service near the
   * top) compiles, and reads from their text, only the rules before that point.
   */
  compiled: Array<CompiledRule | undefined> | null;
  /** Rules by destination, protocol and port (dispatch-index.ts), once the chain has been walked twice or a walk got FAR_DOWN rules in; see indexOf. */
  index: DispatchIndex | null;
  /** Whether indexOf may build `index` (false: always walk rule by rule). */
  indexable: boolean;
  /** Walks that entered the chain before its index was built. */
  walks: number;
}

export interface CompiledTable {
  name: TableName;
  /** Chains by name; a chain's CompiledChain is made the first time it is asked for (the same object every time after). */
  readonly chains: ChainsByName;
}

/**
 * A table's chains by name, each compiled when first looked up: a kube-proxy table has ~60k chains and a
 * trace enters a few dozen, so the rest never become objects the collector has to copy. A table listed once
 * whose maker attached its chains by name (netfilter/chain-index.ts) is looked up through that; otherwise the
 * names are keyed here, the last of two chains of one name being the chain (as a Map filled in order has it).
 */
export class ChainsByName {
  private readonly tables: Table[] = [];
  private lookup: ChainLookup | null = null;
  private readonly made = new Map<string, CompiledChain>();

  constructor(
    private readonly owner: CompiledTable,
    private readonly indexable: boolean,
  ) {}

  /** Adds the chains of one listing of the table (compileRuleset adds them all before any lookup). */
  add(table: Table): void {
    this.tables.push(table);
    this.lookup = null;
    this.made.clear();
  }

  get(name: string): CompiledChain | undefined {
    let hit = this.made.get(name);
    if (hit === undefined) {
      const chain = (this.lookup ??= this.keyed()).get(name);
      if (chain === undefined) return undefined;
      const { owner, indexable } = this;
      hit = { table: owner.name, chain, name: chain.name, owner, compiled: null, index: null, indexable, walks: 0 };
      this.made.set(name, hit);
    }
    return hit;
  }

  private keyed(): ChainLookup {
    const only = this.tables.length === 1 ? chainIndexOf(this.tables[0]!) : null;
    if (only !== null) return only;
    const byName = new Map<string, Chain>();
    for (const table of this.tables) for (const chain of table.chains) byName.set(chain.name, chain);
    return byName;
  }
}

export interface CompiledRuleset {
  family: 'ipv4' | 'ipv6';
  origin: RulesetOrigin;
  tables: Map<TableName, CompiledTable>;
}

export function targetName(target: Target | null): string {
  if (target === null) return '';
  switch (target.kind) {
    case 'accept': return 'ACCEPT';
    case 'drop': return 'DROP';
    case 'return': return 'RETURN';
    case 'reject': return 'REJECT';
    case 'jump': return target.chain;
    case 'goto': return target.chain;
    case 'dnat': return 'DNAT';
    case 'snat': return 'SNAT';
    case 'masquerade': return 'MASQUERADE';
    case 'redirect': return 'REDIRECT';
    case 'mark': return 'MARK';
    case 'connmark': return 'CONNMARK';
    case 'log': return 'LOG';
    case 'trace': return 'TRACE';
    case 'notrack': return 'NOTRACK';
    case 'ct': return 'CT';
    case 'other': return target.name;
    default: return assertNever(target);
  }
}

/** The number of rules in `chain`; a stored chain says without reading them. */
export function ruleCount(chain: CompiledChain): number {
  return chainRuleReader(chain.chain)?.count ?? chain.chain.rules.length;
}

/** Rule `i` (0-based) of `chain`, compiled on first use; a stored chain reads only that rule. */
export function ruleAt(chain: CompiledChain, i: number): CompiledRule {
  const compiled = (chain.compiled ??= new Array<CompiledRule | undefined>(ruleCount(chain)));
  let hit = compiled[i];
  if (hit === undefined) {
    const reader = chainRuleReader(chain.chain);
    const rule = reader === null ? chain.chain.rules[i] : i >= 0 && i < reader.count ? reader.at(i) : undefined;
    if (rule === undefined) throw new RangeError(`${chain.table} ${chain.name} has no rule ${i + 1}`);
    const matches = compileMatches(rule.matches, `${chain.table}|${chain.name}|${rule.position}`);
    hit = compiled[i] = new RuleOfChain(rule, matches, chain.owner);
  }
  return hit;
}

/**
 * A compiled rule whose jump is resolved when the walk takes it: a packet that misses every service walks all of
 * KUBE-SERVICES, whose ~10,000 jumps would otherwise each make the compiled chain of a service it never enters.
 */
class RuleOfChain implements CompiledRule {
  readonly target: Target | null;
  readonly targetName: string;
  readonly comment: string | null;
  #chainRef: CompiledChain | null | undefined = undefined;

  constructor(
    readonly rule: Rule,
    readonly matches: CompiledMatches,
    private readonly owner: CompiledTable,
  ) {
    this.target = rule.target;
    this.targetName = targetName(this.target);
    this.comment = matches.comment;
  }

  get chainRef(): CompiledChain | null {
    if (this.#chainRef === undefined) {
      const t = this.target;
      this.#chainRef = t !== null && (t.kind === 'jump' || t.kind === 'goto') ? this.owner.chains.get(t.chain) ?? null : null;
    }
    return this.#chainRef;
  }
}

/**
 * The chain's dispatch index, built on its second walk: a one-off trace (the command line) walks a
 * long chain once, and building the index costs more than a walk that stops early; a server or a
 * batch of traces walks it again and again. A first walk that goes far down builds it then (indexFarDown).
 */
export function indexOf(chain: CompiledChain): DispatchIndex | null {
  if (chain.index !== null || !chain.indexable) return chain.index;
  if (++chain.walks < 2) return null;
  return indexNow(chain);
}

/**
 * Rules a first walk takes one by one before it indexes the rest of the chain: a walk that stops within them (a service
 * near the top of KUBE-SERVICES) reads no more, one that gets this far (a miss, a service far down) would read, compile
 * and evaluate every rule after, where the index reads them once and evaluates only those that may match.
 */
export const FAR_DOWN = 256;

/** The chain's dispatch index, built now if it may be (a first walk that got FAR_DOWN rules in); null if none. */
export function indexFarDown(chain: CompiledChain): DispatchIndex | null {
  if (chain.index !== null || !chain.indexable) return chain.index;
  return indexNow(chain);
}

function indexNow(chain: CompiledChain): DispatchIndex | null {
  chain.indexable = false;
  const reader = chainRuleReader(chain.chain);
  if (reader === null) {
    chain.index = buildDispatchIndex(chain.chain.rules);
  } else {
    // A stored rule's keys from its text when the scan vouches for it (most of a kube-proxy chain), no rule made; any
    // other rule is read and parsed (the same object the walk reads later).
    chain.index = dispatchIndexOf(reader.count, (i) => {
      const args = reader.argsAt?.(i) ?? null;
      return (args === null ? null : scanDispatchKeys(args)) ?? dispatchKeysOf(reader.at(i).matches);
    });
  }
  return chain.index;
}

export interface CompileOptions {
  /** Index long dispatch chains (default true); false walks every chain rule by rule, as the index must agree with. */
  dispatchIndex?: boolean;
}

class TableOfChains implements CompiledTable {
  readonly chains: ChainsByName;

  constructor(
    readonly name: TableName,
    indexable: boolean,
  ) {
    this.chains = new ChainsByName(this, indexable);
  }
}

export function compileRuleset(ruleset: Ruleset, options: CompileOptions = {}): CompiledRuleset {
  const indexable = options.dispatchIndex ?? true;
  const tables = new Map<TableName, CompiledTable>();
  for (const table of ruleset.tables) {
    let owner = tables.get(table.name);
    if (owner === undefined) {
      owner = new TableOfChains(table.name, indexable);
      tables.set(table.name, owner);
    }
    owner.chains.add(table);
  }
  return { family: ruleset.family, origin: ruleset.origin, tables };
}
