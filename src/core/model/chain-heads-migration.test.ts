/** Migration 13: chain rows become one row of headers per table; the SNAT index and the trash go with them. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../test/support/temp-project';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { chainFacts } from '../netfilter/chain-facts';
import type { Ruleset } from '../netfilter/ruleset';
import { listRules } from '../project/rule-list';
import { undoEdit } from '../project/project-edits';
import { storeAsVersion12 } from './chain-rows.fixture';
import { appendEdit, trashCaptures } from './rows/edits';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';
import { Store } from './store';

const RICH = path.resolve(__dirname, '../../../test/fixtures/iptables/rich.kernel-save.txt');
const LAB = path.resolve(__dirname, '../../../test/fixtures/kube-proxy/LabClusterIP/ruleset.iptables-save');

const project = useTempProject('chain-heads-migration');

const parsed = (file: string): Ruleset => parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset;

/** Each chain and whether its header says it SNATs, beside whether one of its rules does. */
const snat = (rulesets: readonly Ruleset[]): Array<[string, boolean | null, boolean]> =>
  rulesets.flatMap((rs) =>
    rs.tables.flatMap((t) => t.chains.map((c): [string, boolean | null, boolean] => [`${t.name} ${c.name}`, chainFacts(c)?.snat ?? null, c.rules.some((r) => r.target?.kind === 'snat')])),
  );

const tables = (db: Database.Database): string[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck(true).all() as string[];

describe('schema migration 13 (chain headers in one row)', () => {
  it('keeps every ruleset, the SNAT facts, the rule list and an undoable delete of a version 12 project; every table gets ids of its own', () => {
    const p = project();
    const file = p.file('old.db');
    const rich = parsed(RICH);
    const lab = parsed(LAB);
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    for (let v = 0; v < 12; v++) {
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    }
    db.prepare("INSERT INTO nodes (id, name, created_at) VALUES (1, 'n1', 'now')").run();
    const capture = db.prepare("INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (?, 1, 'iptables-save', 'f', ?, 'now', ?)");
    capture.run(1, 'h1', 1);
    storeAsVersion12(db, 1, rich, { snatIndex: true });
    // Capture 2's tables take turns at ids: no table's chains are one range.
    capture.run(2, 'h2', 2);
    storeAsVersion12(db, 2, lab, { snatIndex: true, chainId: (t, k) => 5000 + k * lab.tables.length + t });
    // Capture 3 is deleted; before version 13 its chain ids could be handed out again: here, capture 1's.
    capture.run(3, 'h3', 3);
    storeAsVersion12(db, 3, rich, { snatIndex: true, chainId: (t, k) => 90000 + t * 1000 + k });
    const undoId = 'u-1';
    trashCaptures(db, undoId, [3]);
    appendEdit(db, undoId, JSON.stringify({ kind: 'restore-trash' }), 'deleted capture 3');
    const shift = 90000 - 1;
    for (const [table, column] of [['trash_chains', 'id'], ['trash_rule_runs', 'chain_id'], ['trash_snat_rules', 'chain_id']]) {
      db.prepare(`UPDATE ${table} SET ${column} = ${column} - ${shift} WHERE undo_id = ?`).run(undoId);
    }
    expect(db.prepare('SELECT count(*) FROM trash_chains t JOIN chains c ON c.id = t.id').pluck(true).get()).toBeGreaterThan(0);
    const runs = (db.prepare('SELECT count(*) FROM rule_runs').pluck(true).get() as number);
    db.close();

    const store = Store.open(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(tables(store.db).filter((t) => /chains|snat_rules|rule_runs_12/.test(t))).toEqual([]);
    expect(store.rulesetsOf(1)).toEqual([rich]);
    expect(store.rulesetsOf(2)).toEqual([lab]);
    expect(store.lazyRulesetsOf(1)).toEqual([rich]);
    for (const id of [1, 2]) {
      const facts = snat(store.lazyRulesetsOf(id));
      expect(facts.every(([, told, holds]) => told === holds)).toBe(true);
    }
    expect(snat(store.lazyRulesetsOf(1)).filter(([, told]) => told)).toEqual([['nat POSTROUTING', true, true]]);
    expect(store.count('chains')).toBe(rich.tables.flatMap((t) => t.chains).length + lab.tables.flatMap((t) => t.chains).length);
    expect(store.db.prepare('SELECT count(*) FROM rule_runs').pluck(true).get()).toBe(runs);
    const listed = listRules(store, { node: 'n1', captureId: 2, offset: 0, limit: 5 });
    expect(listed.rules.map((r) => [r.table, r.chain, r.position])).toEqual(lab.tables[0]!.chains.flatMap((c) => c.rules.map((r) => [lab.tables[0]!.name, c.name, r.position])).slice(0, 5));

    const ranges = store.db
      .prepare('SELECT first_id, count FROM chain_heads UNION ALL SELECT first_id, count FROM trash_chain_heads ORDER BY first_id')
      .raw(true)
      .all() as Array<[number, number]>;
    expect(ranges.length).toBe(rich.tables.length * 2 + lab.tables.length);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![0] + ranges[i - 1]![1]);

    expect(undoEdit(store, undoId).kind).toBe('undone');
    expect(store.rulesetsOf(3)).toEqual([rich]);
    expect(snat(store.lazyRulesetsOf(3)).filter(([, told]) => told)).toEqual([['nat POSTROUTING', true, true]]);
    expect(store.rulesetsOf(1)).toEqual([rich]);
  });
});
