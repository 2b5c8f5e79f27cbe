/**
 * Writes rulesets as schema versions 11 and 12 stored them: a `chains` row per chain, rules in chunks and runs, and
 * (version 12) `snat_rules`. For the tests of the migrations that read that layout.
 */
import type Database from 'better-sqlite3';
import type { Ruleset } from '../netfilter/ruleset';
import { CHUNK_RULES, RuleChunkBuilder, RuleChunkWriter } from './rows/rule-chunks';

export interface OldLayout {
  /** Version 12 wrote snat_rules; 11 had none. */
  snatIndex: boolean;
  /** The id of the k-th chain of the t-th table (both from 0); by default the next free one. */
  chainId?: (table: number, k: number) => number;
}

export function storeAsVersion12(db: Database.Database, captureId: number, ruleset: Ruleset, layout: OldLayout): void {
  const rulesetId = Number(
    db
      .prepare('INSERT INTO rulesets (capture_id, family, format, interfaces_shown, counters_shown, partial) VALUES (?, ?, ?, ?, ?, ?)')
      .run(captureId, ruleset.family, ruleset.origin.format, Number(ruleset.origin.interfacesShown), Number(ruleset.origin.countersShown), Number(ruleset.origin.partial))
      .lastInsertRowid,
  );
  const chain = db.prepare('INSERT INTO chains (id, table_id, name, builtin, policy, packets, bytes, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const writer = new RuleChunkWriter(db, rulesetId);
  const builder = new RuleChunkBuilder();
  const write = (): void => {
    const chunk = builder.take();
    if (chunk !== null) writer.write(chunk, (id) => id);
  };
  const snat: Array<[number, number]> = [];
  ruleset.tables.forEach((t, ti) => {
    const tableId = Number(db.prepare('INSERT INTO rule_tables (ruleset_id, name, line) VALUES (?, ?, ?)').run(rulesetId, t.name, t.line).lastInsertRowid);
    t.chains.forEach((c, k) => {
      const next = (db.prepare('SELECT coalesce(max(id), 0) + 1 FROM chains').pluck(true).get() as number);
      const id = Number(chain.run(layout.chainId?.(ti, k) ?? next, tableId, c.name, c.builtin ? 1 : 0, c.policy, c.counters?.packets ?? null, c.counters?.bytes ?? null, c.line).lastInsertRowid);
      for (const r of c.rules) {
        builder.add(id, c.name, r, false);
        if (r.target?.kind === 'snat') snat.push([id, r.position]);
        if (builder.size >= CHUNK_RULES) write();
      }
    });
    write();
  });
  writer.finish();
  if (layout.snatIndex) for (const row of snat) db.prepare('INSERT INTO snat_rules (chain_id, position) VALUES (?, ?)').run(...row);
}
