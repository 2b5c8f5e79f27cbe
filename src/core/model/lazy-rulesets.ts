/**
 * A stored ruleset read back chain by chain: tables and their chains' headers at once (one row per table), each
 * chain's rules from SQLite the first time something reads `chain.rules`. A trace enters a few dozen
 * of a kube-proxy node's ~30k chains, so it reads those and leaves the other ~170k rules on disk.
 * A reader that goes through a whole table (findings, a report) switches to one query for the rest of
 * it after a handful of chains, so reading everything costs about what an eager read does.
 *
 * The rules are read from the open database when first asked for: the object must not outlive the
 * Store it came from (a read after close throws the database's own error).
 */
import type Database from 'better-sqlite3';
import { CHAIN_FACTS, type ChainFacts } from '../netfilter/chain-facts';
import { CHAIN_RULE_READER, type ChainRuleReader } from '../netfilter/chain-rule-reader';
import { RULE_SCANNER, type RuleScanner } from '../netfilter/rules-naming';
import { attachChainIndex, detachChainIndex, markChainsOnDemand, type ChainLookup, type ChainsOnDemand } from '../netfilter/chain-index';
import type { Chain, Counters, Rule, Ruleset, Table, TableName } from '../netfilter/ruleset';
import { ModelError } from './model-error';
import { ChainHeadsReader, hasCounters, holdsSnat, isBuiltin, policyOf, type StoredHeads } from './rows/chain-heads';
import { decodeRuleRecord, recordText, StoredChainRules, StoredTableRules, type TableChains } from './rows/rule-chunks';
import { rulesetOrigin } from './rows/rulesets';

/** Chains read one query each before the rest of their table is read in one. */
const SINGLE_CHAIN_READS = 32;

type Row = Record<string, unknown>;

/**
 * The rules of one stored table, read a chain at a time and then, past SINGLE_CHAIN_READS, all at once; or
 * searched in their stored form for the chains not read yet (RuleScanner), nothing kept.
 */
class TableRules implements RuleScanner {
  private singleReads = 0;
  private whole: Map<number, Rule[]> | null = null;
  private readonly stored: StoredTableRules;
  /** Chains whose rules a walk reads one at a time, by id: a few dozen of a table's chains, kept here rather than on each chain. */
  private readonly oneByOne = new Map<number, StoredChainRules>();

  constructor(
    db: Database.Database,
    private readonly database: string,
    private readonly tableExists: Database.Statement,
    private readonly chains: TableChains,
  ) {
    this.stored = new StoredTableRules(db, database, chains);
  }

  rulesOf(chainId: number): Rule[] {
    if (this.whole === null && ++this.singleReads > SINGLE_CHAIN_READS) this.whole = this.stored.all();
    const rules = this.whole !== null ? this.whole.get(chainId) ?? [] : this.stored.rulesOf(chainId, this.nameOf(chainId));
    if (rules.length === 0) this.mustExist(chainId);
    // The rules a walk read one at a time stay the chain's rule objects.
    const some = this.oneByOne.get(chainId);
    if (some !== undefined) {
      some.adoptInto(rules);
      this.oneByOne.delete(chainId);
    }
    return rules;
  }

  /** The chain's rules to be read one at a time (a walk that may stop early in a long chain), until rulesOf reads them all. */
  chainRules(chainId: number): StoredChainRules {
    let rules = this.oneByOne.get(chainId);
    if (rules === undefined) {
      rules = this.stored.chainRules(chainId, this.nameOf(chainId));
      if (rules.count === 0) this.mustExist(chainId);
      this.oneByOne.set(chainId, rules);
    }
    return rules;
  }

  private nameOf(chainId: number): string {
    return this.chains.names[chainId - this.chains.firstId]!;
  }

  /** A chain with no rules stored is either empty or gone with its capture: say which. */
  private mustExist(chainId: number): void {
    if (this.tableExists.get(this.chains.tableId) === undefined) {
      throw new ModelError(this.database, `chain ${chainId} was removed from the project while its ruleset was being read`);
    }
  }

  /** Forgets the rules read so far: the next chain asked for is read alone again. */
  forget(): void {
    this.singleReads = 0;
    this.whole = null;
    this.oneByOne.clear();
    this.stored.forget();
  }

  scan(chains: readonly Chain[], needle: string, visit: (chain: Chain, text: () => string, rule: () => Rule) => boolean | void): void {
    if (this.tableExists.get(this.chains.tableId) === undefined) {
      throw new ModelError(this.database, `table ${this.chains.tableId} was removed from the project while its ruleset was being read`);
    }
    const byId = new Map<number, StoredChain>();
    const whole = new Set<number>();
    for (const chain of chains) {
      if (!(chain instanceof StoredChain)) throw new Error('TableRules.scan: a chain of another reader');
      const id = StoredChain.idOf(chain);
      byId.set(id, chain);
      if (prefixMayHold(chain.name, needle)) whole.add(id);
    }
    const { database } = this;
    this.stored.scan(needle, byId, whole, (id, position, record) => {
      const chain = byId.get(id)!;
      return visit(chain, () => recordText(database, record, chain.name), () => decodeRuleRecord(database, record, chain.name, position));
    });
  }
}

/**
 * Whether the `-A CHAIN` a stored rule's record leaves out of its text could hold `needle`, or its start: then every
 * rule of the chain is looked at, not only those whose record holds it.
 */
function prefixMayHold(chainName: string, needle: string): boolean {
  const prefix = `-A ${chainName}`;
  if (prefix.includes(needle)) return true;
  for (let n = Math.min(needle.length - 1, prefix.length); n > 0; n--) if (prefix.endsWith(needle.slice(0, n))) return true;
  return false;
}

/** Counters of a chain no packet went through, shared: most of a kube-proxy table's ~60k chains (nothing assigns into counters). */
const NO_TRAFFIC: Counters = Object.freeze({ packets: 0, bytes: 0 });

const HOLDS_SNAT: ChainFacts = Object.freeze({ snat: true });
const NO_SNAT: ChainFacts = Object.freeze({ snat: false });

/**
 * A stored chain: its header at once, its rules from the table's reader when first asked for. `rules` is an
 * own enumerable accessor (one descriptor for every chain: a kube-proxy table has ~60k of them), so a copy
 * (`{ ...chain }`), a deep equality and a structured clone read the rules as they would a plain field. What
 * its stored header says of the rules (chain-facts.ts: whether one SNATs) holds until someone assigns other rules.
 * Until `rules` is read, a walk reads them one at a time (chain-rule-reader.ts) and `rules` then holds those objects.
 */
class StoredChain implements Chain {
  declare rules: Rule[];
  readonly counters: Counters | null;
  #table: TableRules;
  #id: number;
  #rules: Rule[] | null = null;
  /** Rules someone assigned: kept, never read again from the store. */
  #assigned = false;
  #facts: ChainFacts | null;

  constructor(
    readonly name: string,
    readonly builtin: boolean,
    readonly policy: 'ACCEPT' | 'DROP' | null,
    packets: number | null,
    bytes: number | null,
    readonly line: number,
    table: TableRules,
    id: number,
    snat: boolean,
  ) {
    this.counters = packets === null || bytes === null ? null : packets === 0 && bytes === 0 ? NO_TRAFFIC : { packets, bytes };
    this.#table = table;
    this.#id = id;
    this.#facts = snat ? HOLDS_SNAT : NO_SNAT;
    Object.defineProperty(this, 'rules', StoredChain.RULES);
  }

  get [CHAIN_FACTS](): ChainFacts | null {
    return this.#facts;
  }

  /** Rules one at a time while they are not all in memory; assigned or read rules are read as `rules`. */
  get [CHAIN_RULE_READER](): ChainRuleReader | null {
    if (this.#assigned || this.#rules !== null) return null;
    return this.#table.chainRules(this.#id);
  }

  /** While its rules are not read (nor assigned), its table's reader searches them in their stored form. */
  get [RULE_SCANNER](): RuleScanner | null {
    return this.#rules === null ? this.#table : null;
  }

  static idOf(chain: StoredChain): number {
    return chain.#id;
  }

  /** Drops the rules read from the store (they are read again when next asked for); assigned rules stay. */
  forget(): void {
    if (this.#assigned) return;
    this.#rules = null;
    this.#table.forget();
  }

  private static readonly RULES: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: StoredChain): Rule[] {
      return (this.#rules ??= this.#table.rulesOf(this.#id));
    },
    set(this: StoredChain, value: Rule[]): void {
      this.#rules = value;
      this.#assigned = true;
      this.#facts = null;
    },
  };
}

/**
 * A stored table: its chains' headers in one row (chain-heads.ts), a chain object made when it is looked up by name
 * (the replay) or when `chains` is read (the same objects, in header order). `chains` is an own enumerable accessor,
 * as StoredChain's `rules` is; assigning it keeps what was assigned and drops the lookup.
 */
class StoredTable implements Table, ChainLookup, ChainsOnDemand {
  declare chains: Chain[];
  #heads: StoredHeads;
  #rules: TableRules;
  #made: Array<StoredChain | undefined>;
  #all: Chain[] | null = null;
  #byName: Map<string, number> | null = null;

  constructor(
    readonly name: TableName,
    readonly line: number,
    heads: StoredHeads,
    rules: TableRules,
  ) {
    this.#heads = heads;
    this.#rules = rules;
    this.#made = new Array<StoredChain | undefined>(heads.count);
    Object.defineProperty(this, 'chains', StoredTable.CHAINS);
    attachChainIndex(this, this);
    markChainsOnDemand(this, this);
  }

  get distinctNames(): boolean {
    return this.keyed().size === this.#heads.count;
  }

  snatChains(): readonly Chain[] {
    const heads = this.#heads;
    const out: Chain[] = [];
    for (let k = 0; k < heads.count; k++) if (holdsSnat(heads, k)) out.push(this.chainAt(k));
    return out;
  }

  /** The chain of that name; of two of one name, the last (as a Map filled in order keeps it). */
  get(name: string): Chain | undefined {
    const k = this.keyed().get(name);
    return k === undefined ? undefined : this.chainAt(k);
  }

  private keyed(): Map<string, number> {
    if (this.#byName === null) {
      const byName = new Map<string, number>();
      const { names } = this.#heads;
      for (let k = 0; k < names.length; k++) byName.set(names[k]!, k);
      this.#byName = byName;
    }
    return this.#byName;
  }

  private chainAt(k: number): StoredChain {
    let chain = this.#made[k];
    if (chain === undefined) {
      const heads = this.#heads;
      const counted = hasCounters(heads, k);
      chain = this.#made[k] = new StoredChain(
        heads.names[k]!, isBuiltin(heads, k), policyOf(heads, k), counted ? heads.packets[k]! : null, counted ? heads.bytes[k]! : null, heads.lines[k]!,
        this.#rules, heads.firstId + k, holdsSnat(heads, k),
      );
    }
    return chain;
  }

  private static readonly CHAINS: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: StoredTable): Chain[] {
      return (this.#all ??= Array.from({ length: this.#heads.count }, (_, k) => this.chainAt(k)));
    },
    set(this: StoredTable, value: Chain[]): void {
      detachChainIndex(this);
      Object.defineProperty(this, 'chains', { value, writable: true, enumerable: true, configurable: true });
    },
  };
}

/**
 * Drops the rules read so far from the stored chains of `ruleset` (a composed ruleset may mix stored and
 * parsed chains; the parsed ones keep theirs). The chains stay valid: their rules are read from the store
 * again when next asked for. A pass over every node's rules (findings, a report) calls it after each node,
 * so it holds one node's rules at a time instead of the whole project's.
 */
export function forgetReadRules(ruleset: Ruleset): void {
  for (const table of ruleset.tables) for (const chain of table.chains) if (chain instanceof StoredChain) chain.forget();
}

/** The rulesets of an iptables capture (one per family it held), their chains' rules read on first use. */
export function readRulesetsLazily(db: Database.Database, database: string, captureId: number): Ruleset[] {
  const rulesets = db.prepare('SELECT * FROM rulesets WHERE capture_id = ? ORDER BY id').all(captureId) as Row[];
  const tables = db.prepare('SELECT * FROM rule_tables WHERE ruleset_id = ? ORDER BY id');
  const reader = new ChainHeadsReader(db, database);
  const tableExists = db.prepare('SELECT 1 FROM chain_heads WHERE table_id = ?');
  return rulesets.map((rs): Ruleset => ({
    family: rs.family as 'ipv4' | 'ipv6',
    origin: rulesetOrigin(rs),
    tables: (tables.all(rs.id) as Row[]).map((t): Table => {
      // One row: the headers of every chain of the table, each saying whether a rule of it SNATs.
      const heads = reader.of(t.id as number);
      return new StoredTable(t.name as TableName, t.line as number, heads, new TableRules(db, database, tableExists, heads));
    }),
  }));
}
