/**
 * Schema version 12: `snat_rules`, the stored rules whose target is SNAT. An import writes it beside the rule
 * chunks (rows/rule-chunks.ts), so that a trace inferring a node's addresses from its SNAT targets
 * (simulate/inferred-facts.ts) reads the few chains that hold one, not a kube-proxy nat table of ~100k rules.
 * Here it is filled once from the chunks of the rulesets already stored.
 */
import type Database from 'better-sqlite3';
import { BatchInsert } from './batch-insert';
import { SNAT_COLUMNS, StoredTableRules } from './rows/rule-chunks';

export const SNAT_RULES_TABLE = `
CREATE TABLE snat_rules (
  chain_id  INTEGER NOT NULL REFERENCES chains(id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  PRIMARY KEY (chain_id, position)
) WITHOUT ROWID;
`;

export function migrateSnatIndex(db: Database.Database): void {
  db.exec(SNAT_RULES_TABLE);
  const tables = db.prepare('SELECT id FROM rule_tables ORDER BY id').pluck(true).all() as number[];
  const chains = db.prepare('SELECT id, name FROM chains WHERE table_id = ?').raw(true);
  const rows = new BatchInsert(db, 'snat_rules', SNAT_COLUMNS, 64);
  for (const tableId of tables) {
    const names = new Map(chains.all(tableId) as Array<[number, string]>);
    for (const [chainId, rules] of new StoredTableRules(db, 'the project', tableId).all(names)) {
      // The text first: the matches and target of the other rules are then never parsed.
      for (const rule of rules) if (rule.text.includes('SNAT') && rule.target !== null && rule.target.kind === 'snat') rows.add([chainId, rule.position]);
    }
  }
  rows.flush();
}
