/**
 * Schema version 11: the `rules` table (one row per rule, matches and target as JSON) becomes rule chunks
 * (rows/rule-chunks.ts). Every rule is moved, ruleset by ruleset, table by table, in chain and position
 * order; a rule whose text does not read back to its stored matches and target keeps them as JSON. The
 * pages freed are reused by later writes (`natlens` does not VACUUM a project behind the user's back).
 */
import type Database from 'better-sqlite3';
import type { Rule } from '../netfilter/ruleset';
import { CHUNK_RULES, RuleChunkBuilder, RuleChunkWriter } from './rows/rule-chunks';
import { storedRule } from './rows/rulesets';

export const RULE_CHUNK_TABLES = `
CREATE TABLE rule_chunks (
  id          INTEGER PRIMARY KEY,
  ruleset_id  INTEGER NOT NULL REFERENCES rulesets(id) ON DELETE CASCADE,
  -- raw deflate of the chunk's rule records, one line per rule
  body        BLOB NOT NULL
);
CREATE INDEX rule_chunks_ruleset ON rule_chunks(ruleset_id);
-- A chain's rules from position on: records first .. first + count - 1 of the chunk.
CREATE TABLE rule_runs (
  chain_id  INTEGER NOT NULL REFERENCES chains(id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  chunk_id  INTEGER NOT NULL REFERENCES rule_chunks(id) ON DELETE CASCADE,
  first     INTEGER NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (chain_id, position)
) WITHOUT ROWID;
CREATE INDEX rule_runs_chunk ON rule_runs(chunk_id);
`;

export function migrateRulesToChunks(db: Database.Database): void {
  db.exec(RULE_CHUNK_TABLES);
  const rulesets = db.prepare('SELECT id FROM rulesets ORDER BY id').pluck(true).all() as number[];
  const tables = db.prepare('SELECT id FROM rule_tables WHERE ruleset_id = ? ORDER BY id').pluck(true);
  const rules = db.prepare(
    `SELECT r.chain_id, c.name AS chain, r.position, r.text, r.line, r.packets, r.bytes, r.matches, r.target
     FROM rules r JOIN chains c ON c.id = r.chain_id WHERE c.table_id = ? ORDER BY r.chain_id, r.position`,
  );
  for (const rulesetId of rulesets) {
    // The SNAT index came with migration 12, which fills it from these chunks.
    const writer = new RuleChunkWriter(db, rulesetId);
    const builder = new RuleChunkBuilder();
    const write = (): void => {
      const chunk = builder.take();
      if (chunk !== null) writer.write(chunk, (id) => id);
    };
    for (const tableId of tables.all(rulesetId) as number[]) {
      // all(), not iterate(): the connection writes the chunks meanwhile.
      for (const row of rules.all(tableId) as Array<Record<string, unknown>>) {
        const rule: Rule = storedRule(row, 'the project');
        builder.add(row.chain_id as number, row.chain as string, rule, false);
        if (builder.size >= CHUNK_RULES) write();
      }
      write();
    }
    writer.finish();
  }
  db.exec('DROP TABLE rules');
}
