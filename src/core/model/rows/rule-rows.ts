/**
 * The row a chain is stored as (its rules go in chunks: rule-chunks.ts). Shared by the store's whole-ruleset
 * insert and the streamed dump import, which builds rows in a reader thread.
 */
import type { Counters } from '../../netfilter/ruleset';
import type { ChainHead } from '../../netfilter/ruleset-sink';

export const CHAIN_COLUMNS = ['id', 'table_id', 'name', 'builtin', 'policy', 'packets', 'bytes', 'line'] as const;

/** Appends `chain`'s row (CHAIN_COLUMNS order) to `out`. */
export function pushChainRow(out: unknown[], id: number, tableId: number, chain: ChainHead): void {
  out.push(id, tableId, chain.name, chain.builtin ? 1 : 0, chain.policy, packetsOf(chain.counters), bytesOf(chain.counters), chain.line);
}

const packetsOf = (c: Counters | null): number | null => c?.packets ?? null;
const bytesOf = (c: Counters | null): number | null => c?.bytes ?? null;
