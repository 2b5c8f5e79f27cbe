/**
 * A ruleset as a reader meets it, one call per table, chain and rule, so a 170,000-rule dump is stored or
 * indexed as it is read instead of held whole. RulesetBuilder turns the calls back into a Ruleset;
 * replayRuleset makes them from one.
 */
import type { Chain, Rule, Table, TableName } from './ruleset';

/** A chain as declared, without its rules. */
export type ChainHead = Omit<Chain, 'rules'>;

/**
 * Calls come in order: `table`, then its chains and rules (a chain before any rule of it), then `commit`.
 * The same chain may come again when a later line declares it anew (its policy and counters change).
 */
export interface RulesetSink {
  table(name: TableName, line: number): void;
  chain(head: ChainHead): void;
  /** `rule` goes to index `at` of its chain: the chain's length so far for -A, less for -I N. */
  rule(chain: string, at: number, rule: Rule): void;
  commit(): void;
}

/**
 * A sink that is also told each chain's number in its reader's table of chain names (the dump reader's): one
 * number per name for the whole read, in every table, so that a sink can keep per-chain state in arrays instead
 * of maps keyed by name. With a rule, `jumpNumber` is the number of the chain its -j or -g names (-1: no jump, or
 * a name the reader has not numbered: no table has declared it yet). Any RulesetSink is one: it ignores them.
 */
export interface NumberedRulesetSink {
  table(name: TableName, line: number): void;
  chain(head: ChainHead, number: number): void;
  rule(chain: string, at: number, rule: Rule, number: number, jumpNumber: number): void;
  commit(): void;
}

/** Walks a whole ruleset's tables into `sink`. */
export function replayRuleset(tables: readonly Table[], sink: RulesetSink): void {
  for (const t of tables) {
    sink.table(t.name, t.line);
    for (const { rules, ...head } of t.chains) sink.chain(head);
    for (const c of t.chains) for (let i = 0; i < c.rules.length; i++) sink.rule(c.name, i, c.rules[i]!);
    sink.commit();
  }
}

export class RulesetBuilder implements RulesetSink {
  readonly tables: Table[] = [];
  private open: { table: Table; chains: Map<string, Chain> } | null = null;

  table(name: TableName, line: number): void {
    this.open = { table: { name, line, chains: [] }, chains: new Map() };
  }

  chain(head: ChainHead): void {
    const open = this.opened();
    const existing = open.chains.get(head.name);
    if (existing !== undefined) {
      existing.policy = head.policy;
      existing.counters = head.counters;
      return;
    }
    const chain: Chain = { ...head, rules: [] };
    open.chains.set(head.name, chain);
    open.table.chains.push(chain);
  }

  rule(chain: string, at: number, rule: Rule): void {
    const rules = this.opened().chains.get(chain)!.rules;
    if (at === rules.length) rules.push(rule);
    else rules.splice(at, 0, rule);
  }

  commit(): void {
    const open = this.opened();
    for (const c of open.table.chains) for (let i = 0; i < c.rules.length; i++) c.rules[i]!.position = i + 1;
    this.tables.push(open.table);
    this.open = null;
  }

  private opened(): { table: Table; chains: Map<string, Chain> } {
    if (this.open === null) throw new Error('ruleset sink: no table open');
    return this.open;
  }
}
