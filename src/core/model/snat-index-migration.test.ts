/** Migration 12: a project stored before the SNAT index knows the chains that SNAT as an import does (since 13, from their headers). */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../test/support/temp-project';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { importPaths } from '../import/import-paths';
import { chainFacts } from '../netfilter/chain-facts';
import type { Ruleset } from '../netfilter/ruleset';
import { storeAsVersion12 } from './chain-rows.fixture';
import { databaseAtVersion } from './schema-version.fixture';
import { MIGRATIONS } from './schema';
import { Store } from './store';
import { SCHEMA_VERSION } from './schema';

const RICH = path.resolve(__dirname, '../../../test/fixtures/iptables/rich.kernel-save.txt');

const project = useTempProject('snat-index');

const snatOf = (rulesets: readonly Ruleset[]): Array<[string, boolean | null]> =>
  rulesets.flatMap((rs) => rs.tables.flatMap((t) => t.chains.map((c): [string, boolean | null] => [`${t.name} ${c.name}`, chainFacts(c)?.snat ?? null])));

describe('schema migration 12 (SNAT index)', () => {
  it('finds the SNAT rules of rulesets stored before it, as an import does, and no rule that only mentions SNAT', () => {
    const p = project();
    const text = fs.readFileSync(RICH, 'utf8');
    const imported = p.store('imported.db');
    const report = importPaths(imported, [p.write('n1/iptables-save.txt', text)], { node: 'n1' });
    expect(report.errors).toEqual([]);
    const atImport = snatOf(imported.lazyRulesetsOf(report.nodes[0]!.captures[0]!.id));
    // The fixture's filter table has `--ctstate ...,SNAT,DNAT`: text that names SNAT without the target.
    expect(atImport.filter(([, snat]) => snat)).toEqual([['nat POSTROUTING', true]]);

    const file = p.file('old.db');
    const db = databaseAtVersion(file, 11);
    db.prepare("INSERT INTO nodes (id, name, created_at) VALUES (1, 'n1', 'now')").run();
    db.prepare("INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (1, 1, 'iptables-save', 'f', 'h', 'now', 1)").run();
    const ruleset = parseIptablesSave({ file: RICH, text, firstLine: 1 }).ruleset;
    storeAsVersion12(db, 1, ruleset, { snatIndex: false });
    db.close();

    const store = Store.open(file);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(snatOf(store.lazyRulesetsOf(1))).toEqual(atImport);
      expect(store.rulesetsOf(1)).toEqual([ruleset]);
    } finally {
      store.close();
    }
  });
});
