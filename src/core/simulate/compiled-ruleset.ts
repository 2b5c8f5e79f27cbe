/**
 * A ruleset indexed for replay: chains by name per table, rules as arrays with compiled matches,
 * jumps resolved to chain objects. Built once per node and reused by every trace.
 */
import type { Chain, Rule, Ruleset, RulesetOrigin, TableName, Target } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import { compileMatches } from './rule-match';
import type { CompiledMatches } from './rule-match';

export interface CompiledRule {
  rule: Rule;
  matches: CompiledMatches;
  target: Target | null;
  /** Name shown as the step's target: ACCEPT, DNAT, KUBE-SVC-..., the extension name. */
  targetName: string;
  /** The chain a jump/goto enters; null when the chain is not in the capture. */
  chainRef: CompiledChain | null;
  /** The rule's comment (kube-proxy writes `ns/name:port ...` there). */
  comment: string | null;
}

export interface CompiledChain {
  table: TableName;
  chain: Chain;
  name: string;
  rules: CompiledRule[];
}

export interface CompiledTable {
  name: TableName;
  chains: Map<string, CompiledChain>;
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

export function compileRuleset(ruleset: Ruleset): CompiledRuleset {
  const tables = new Map<TableName, CompiledTable>();
  for (const table of ruleset.tables) {
    const chains = new Map<string, CompiledChain>();
    for (const chain of table.chains) {
      chains.set(chain.name, {
        table: table.name,
        chain,
        name: chain.name,
        rules: chain.rules.map((rule) => {
          const matches = compileMatches(rule.matches);
          return { rule, matches, target: rule.target, targetName: targetName(rule.target), chainRef: null, comment: matches.comment };
        }),
      });
    }
    for (const chain of chains.values()) {
      for (const r of chain.rules) {
        if (r.target !== null && (r.target.kind === 'jump' || r.target.kind === 'goto')) r.chainRef = chains.get(r.target.chain) ?? null;
      }
    }
    const existing = tables.get(table.name);
    if (existing) for (const [k, v] of chains) existing.chains.set(k, v);
    else tables.set(table.name, { name: table.name, chains });
  }
  return { family: ruleset.family, origin: ruleset.origin, tables };
}
