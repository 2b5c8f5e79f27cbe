/**
 * Schema version 12: `snat_rules`, the stored rules whose target is SNAT. An import writes it beside the rule
 * chunks (rows/rule-chunks.ts), so that a trace inferring a node's addresses from its SNAT targets
 * (simulate/inferred-facts.ts) reads the few chains that hold one, not a kube-proxy nat table of ~100k rules.
 * Here it is filled once from the chunks of the rulesets already stored. Migration 13 folds it into the chain
 * headers (chain-heads-migration.ts).
 */
import type Database from 'better-sqlite3';
import { BatchInsert } from './batch-insert';
import { decodeRuleRecord, inflateChunk } from './rows/rule-chunks';

export const SNAT_RULES_TABLE = `
CREATE TABLE snat_rules (
  chain_id  INTEGER NOT NULL REFERENCES chains(id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  PRIMARY KEY (chain_id, position)
) WITHOUT ROWID;
`;

export function migrateSnatIndex(db: Database.Database): void {
  db.exec(SNAT_RULES_TABLE);
  const rulesets = db.prepare('SELECT id FROM rulesets ORDER BY id').pluck(true).all() as number[];
  // The runs of a ruleset's chunks, chunk by chunk: each chunk is inflated once. By the schema of version 12
  // (chains rows), not by today's readers.
  const runs = db
    .prepare('SELECT r.chain_id, c.name, r.position, r.chunk_id, r.first, r.count FROM rule_runs r JOIN chains c ON c.id = r.chain_id WHERE r.chunk_id IN (SELECT id FROM rule_chunks WHERE ruleset_id = ?) ORDER BY r.chunk_id, r.first')
    .raw(true);
  const body = db.prepare('SELECT body FROM rule_chunks WHERE id = ?').pluck(true);
  const rows = new BatchInsert(db, 'snat_rules', ['chain_id', 'position'], 64);
  for (const rulesetId of rulesets) {
    let chunkId = -1;
    let records: string[] = [];
    for (const [chainId, name, position, chunk, first, count] of runs.all(rulesetId) as Array<[number, string, number, number, number, number]>) {
      if (chunk !== chunkId) records = inflateChunk('the project', (chunkId = chunk), body.get(chunk) as Buffer);
      for (let k = 0; k < count; k++) {
        const record = records[first + k] ?? '';
        // The text first: the matches and target of the other rules are then never parsed.
        if (!record.includes('SNAT')) continue;
        const rule = decodeRuleRecord('the project', record, name, position + k);
        if (rule.target !== null && rule.target.kind === 'snat') rows.add([chainId, rule.position]);
      }
    }
  }
  rows.flush();
}
