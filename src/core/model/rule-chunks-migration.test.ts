/** Migration 11: a project made with one `rules` row per rule reads back the same rulesets from rule chunks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import type { Rule, Ruleset } from '../netfilter/ruleset';
import { matchesJson, targetJson } from './rule-json';
import { databaseAtVersion } from './schema-version.fixture';
import { Store } from './store';

const DUMP = path.resolve(__dirname, '../../../test/fixtures/kube-proxy/LabClusterIP/ruleset.iptables-save');

/** Writes `ruleset` as schema version 9 stored it: a row per chain and per rule, matches and target as JSON. */
function storeAsVersion9(db: Database.Database, captureId: number, ruleset: Ruleset): void {
  const rulesetId = db
    .prepare('INSERT INTO rulesets (capture_id, family, format, interfaces_shown, counters_shown, partial) VALUES (?, ?, ?, ?, ?, ?)')
    .run(captureId, ruleset.family, ruleset.origin.format, Number(ruleset.origin.interfacesShown), Number(ruleset.origin.countersShown), Number(ruleset.origin.partial)).lastInsertRowid;
  const rule = db.prepare(
    `INSERT INTO rules (chain_id, position, text, line, packets, bytes, matches, target, target_kind, target_chain, comment)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)`,
  );
  for (const t of ruleset.tables) {
    const tableId = db.prepare('INSERT INTO rule_tables (ruleset_id, name, line) VALUES (?, ?, ?)').run(rulesetId, t.name, t.line).lastInsertRowid;
    for (const c of t.chains) {
      const chainId = db
        .prepare('INSERT INTO chains (table_id, name, builtin, policy, packets, bytes, line) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(tableId, c.name, c.builtin ? 1 : 0, c.policy, c.counters?.packets ?? null, c.counters?.bytes ?? null, c.line).lastInsertRowid;
      for (const r of c.rules) {
        rule.run(chainId, r.position, r.text, r.line, r.counters?.packets ?? null, r.counters?.bytes ?? null, matchesJson(r.matches), r.target === null ? null : targetJson(r.target));
      }
    }
  }
}

describe('schema migration 11 (rule chunks)', () => {
  it('moves every rule of a version 9 project into chunks: rulesets read back the same, a rule whose text does not read back keeps its JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-mig11-'));
    const file = path.join(dir, 'p.db');
    try {
      const dump = parseIptablesSave({ file: DUMP, text: fs.readFileSync(DUMP, 'utf8'), firstLine: 1 }).ruleset;
      const listed: Rule = {
        position: 1, text: 'ACCEPT     tcp  --  0.0.0.0/0  0.0.0.0/0  tcp dpt:22', line: 3, counters: { packets: 7, bytes: 420 },
        matches: [{ kind: 'protocol', proto: 'tcp', negated: false }], target: { kind: 'accept' },
      };
      const list: Ruleset = {
        family: 'ipv4', origin: { format: 'iptables-list', interfacesShown: false, countersShown: true, partial: false },
        tables: [{ name: 'filter', line: 1, chains: [{ name: 'INPUT', builtin: true, policy: 'ACCEPT', counters: null, line: 2, rules: [listed] }] }],
      };
      const db = databaseAtVersion(file, 9);
      db.prepare("INSERT INTO nodes (id, name, created_at) VALUES (1, 'node-a', 'now')").run();
      const capture = db.prepare(
        "INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (?, 1, ?, 'f', ?, 'now', ?)",
      );
      capture.run(1, 'iptables-save', 'h1', 1);
      capture.run(2, 'iptables-list', 'h2', 1);
      storeAsVersion9(db, 1, dump);
      storeAsVersion9(db, 2, list);
      const rules = (db.prepare('SELECT count(*) AS n FROM rules').get() as { n: number }).n;
      expect(rules).toBeGreaterThan(10);
      db.close();

      const store = Store.open(file);
      try {
        expect(store.rulesetsOf(1)).toEqual([dump]);
        expect(store.rulesetsOf(2)).toEqual([list]);
        expect(store.count('rules')).toBe(rules);
        expect([store.count('rules', 1), store.count('rules', 2)]).toEqual([rules - 1, 1]);
        expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'rules'").all()).toEqual([]);
        const records = (store.db.prepare('SELECT body FROM rule_chunks ORDER BY id').pluck(true).all() as Buffer[])
          .flatMap((b) => inflateRawSync(b).toString('utf8').split('\n'));
        expect(records.filter((r) => r.split('\t')[2]!.startsWith('j'))).toEqual([
          `3\t7:420\tj[{"kind":"protocol","proto":"tcp","negated":false}]\t{"kind":"accept"}\t${listed.text}`,
        ]);
        // Deleting a capture takes its chunks and runs with it.
        store.db.prepare('DELETE FROM captures WHERE id = 1').run();
        expect(store.count('rules')).toBe(1);
        expect((store.db.prepare('SELECT count(*) AS n FROM rule_chunks').get() as { n: number }).n).toBe(1);
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
