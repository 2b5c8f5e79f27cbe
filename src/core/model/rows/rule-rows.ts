/**
 * The rows a ruleset is stored as: one `chains` row per chain and one `rules` row per rule, whose parsed
 * matches and target are JSON so the simulator reads them back without reparsing. Shared by the store's
 * whole-ruleset insert and the streamed dump import, which builds rows in a reader thread.
 */
import { commentOf, jumpTarget, type Counters, type Rule } from '../../netfilter/ruleset';
import type { ChainHead } from '../../netfilter/ruleset-sink';
import { matchesJson, targetJson } from '../rule-json';

export const RULE_COLUMNS = [
  'chain_id', 'position', 'text', 'line', 'packets', 'bytes', 'matches', 'target', 'target_kind',
  'target_chain', 'comment',
] as const;
export const CHAIN_COLUMNS = ['id', 'table_id', 'name', 'builtin', 'policy', 'packets', 'bytes', 'line'] as const;

/** Appends `chain`'s row (CHAIN_COLUMNS order) to `out`. */
export function pushChainRow(out: unknown[], id: number, tableId: number, chain: ChainHead): void {
  out.push(id, tableId, chain.name, chain.builtin ? 1 : 0, chain.policy, packetsOf(chain.counters), bytesOf(chain.counters), chain.line);
}

/** Appends `rule`'s row (RULE_COLUMNS order) to `out`. */
export function pushRuleRow(out: unknown[], chainId: number, rule: Rule): void {
  const { target, counters } = rule;
  out.push(
    chainId, rule.position, rule.text, rule.line, packetsOf(counters), bytesOf(counters), matchesJson(rule.matches),
    target === null ? null : targetJson(target), target?.kind ?? null, jumpTarget(target), commentOf(rule.matches),
  );
}

const packetsOf = (c: Counters | null): number | null => c?.packets ?? null;
const bytesOf = (c: Counters | null): number | null => c?.bytes ?? null;
