/**
 * A chain's header as the streamed dump import carries it from its reader thread (ruleset-tape.ts); the writer
 * stores a table's headers in one row (chain-heads.ts), its rules in chunks (rule-chunks.ts).
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
