/** Rows of `rulesets`, `rule_tables`, chain heads (chain-heads.ts) and rule chunks (rule-chunks.ts): an iptables capture, one ruleset per family. */
import type Database from 'better-sqlite3';
import type { Chain, Counters, Match, Rule, Ruleset, Table, TableName, Target } from '../../netfilter/ruleset';
import { ChainHeadsBuilder, ChainHeadsReader, hasCounters, insertChainHeads, isBuiltin, nextChainId, policyOf } from './chain-heads';
import { CHUNK_RULES, RuleChunkBuilder, RuleChunkWriter, StoredTableRules } from './rule-chunks';
import { flag } from './values';
import type { RowTick } from './row-tick';
import { ModelError } from '../model-error';

export function insertRuleset(db: Database.Database, captureId: number, ruleset: Ruleset, tick?: RowTick): void {
  const rulesetId = Number(db
    .prepare(
      `INSERT INTO rulesets (capture_id, family, format, interfaces_shown, counters_shown, partial) VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(
      captureId, ruleset.family, ruleset.origin.format, flag(ruleset.origin.interfacesShown),
      flag(ruleset.origin.countersShown), flag(ruleset.origin.partial),
    ).lastInsertRowid);
  const table = db.prepare('INSERT INTO rule_tables (ruleset_id, name, line) VALUES (?, ?, ?)');
  let chainId = nextChainId(db) - 1;
  const chunks = new RuleChunkWriter(db, rulesetId);
  const builder = new RuleChunkBuilder();
  const heads: ChainHeadsBuilder[] = [];
  // The builder numbers chains by their ids already.
  const write = (): void => {
    const chunk = builder.take();
    if (chunk !== null) chunks.write(chunk, (id) => id);
  };
  for (const t of ruleset.tables) {
    const tableId = Number(table.run(rulesetId, t.name, t.line).lastInsertRowid);
    const head = new ChainHeadsBuilder(tableId, chainId + 1);
    heads.push(head);
    for (const c of t.chains) {
      head.add(c);
      chainId++;
      for (const r of c.rules) {
        builder.add(chainId, c.name, r, false);
        if (builder.size >= CHUNK_RULES) write();
        tick?.();
      }
    }
    write();
  }
  chunks.finish();
  // Last: a chain's header says whether any of its rules SNATs.
  for (const head of heads) {
    head.markSnat(chunks.snatChains);
    insertChainHeads(db, head);
  }
}

const counters = (packets: number | null, bytes: number | null): Counters | null =>
  packets === null || bytes === null ? null : { packets, bytes };

/** A row of the `rules` table of schema versions before 10 (read by the migration to rule chunks); its matches or target no longer reading as JSON is a damaged project (`database`), said as such. */
export function storedRule(r: Record<string, unknown>, database: string): Rule {
  try {
    return {
      position: r.position as number,
      text: r.text as string,
      line: r.line as number,
      counters: counters(r.packets as number | null, r.bytes as number | null),
      matches: JSON.parse(r.matches as string) as Match[],
      target: r.target === null ? null : (JSON.parse(r.target as string) as Target),
    };
  } catch (e) {
    throw new ModelError(database, `the stored rule of line ${String(r.line)} is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A stored ruleset row's origin: the format it was read from and what that format showed. */
export function rulesetOrigin(rs: Record<string, unknown>): Ruleset['origin'] {
  return {
    format: rs.format as Ruleset['origin']['format'],
    interfacesShown: rs.interfaces_shown === 1,
    countersShown: rs.counters_shown === 1,
    partial: rs.partial === 1,
  };
}

/** Rebuilds the rulesets of an iptables capture (one per family it held) from the stored rows. */
export function rulesetsOf(db: Database.Database, database: string, captureId: number): Ruleset[] {
  const rulesets = db.prepare('SELECT * FROM rulesets WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
  const tables = db.prepare('SELECT * FROM rule_tables WHERE ruleset_id = ? ORDER BY id');
  const heads = new ChainHeadsReader(db, database);
  return rulesets.map((rs) => ({
    family: rs.family as 'ipv4' | 'ipv6',
    origin: rulesetOrigin(rs),
    tables: (tables.all(rs.id) as Array<Record<string, unknown>>).map((t): Table => {
      const stored = heads.of(t.id as number);
      const byChain = new StoredTableRules(db, database, stored).all();
      const chains: Chain[] = [];
      for (let k = 0; k < stored.count; k++) {
        chains.push({
          name: stored.names[k]!,
          builtin: isBuiltin(stored, k),
          policy: policyOf(stored, k),
          counters: hasCounters(stored, k) ? { packets: stored.packets[k]!, bytes: stored.bytes[k]! } : null,
          line: stored.lines[k]!,
          rules: byChain.get(stored.firstId + k) ?? [],
        });
      }
      return { name: t.name as TableName, line: t.line as number, chains };
    }),
  }));
}
