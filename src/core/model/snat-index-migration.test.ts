/** Migration 12: a project stored before the SNAT index gets the same index an import writes today. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../test/support/temp-project';
import { importPaths } from '../import/import-paths';
import { Store } from './store';
import { SCHEMA_VERSION } from './schema';

const RICH = path.resolve(__dirname, '../../../test/fixtures/iptables/rich.kernel-save.txt');

const project = useTempProject('snat-index');

const indexed = (store: Store): unknown[] =>
  store.db.prepare('SELECT c.name, s.position FROM snat_rules s JOIN chains c ON c.id = s.chain_id ORDER BY s.chain_id, s.position').raw(true).all();

describe('schema migration 12 (SNAT index)', () => {
  it('indexes the SNAT rules of rulesets stored before it, as an import does, and no rule that only mentions SNAT', () => {
    const p = project();
    const file = p.file('old.db');
    let store = Store.open(file);
    const report = importPaths(store, [p.write('n1/iptables-save.txt', fs.readFileSync(RICH))], { node: 'n1' });
    expect(report.errors).toEqual([]);
    const atImport = indexed(store);
    // The fixture's filter table has `--ctstate ...,SNAT,DNAT`: text that names SNAT without the target.
    expect(atImport).toEqual([['POSTROUTING', 4], ['POSTROUTING', 5], ['POSTROUTING', 6]]);
    const capture = report.nodes[0]!.captures[0]!.id;
    const before = store.rulesetsOf(capture);
    // As schema version 11 left it (migration 13's tuple blocks undone too: the tuples were rows then).
    store.db.exec(`DROP TABLE snat_rules; DROP TABLE packet_tuple_blocks;
      CREATE TABLE packet_tuples (id INTEGER PRIMARY KEY, capture_id INTEGER NOT NULL, ip_proto INTEGER, src TEXT NOT NULL, dst TEXT NOT NULL,
        sport INTEGER, dport INTEGER, packets INTEGER NOT NULL DEFAULT 0, first_frame INTEGER, last_frame INTEGER);`);
    store.db.pragma('user_version = 11');
    store.close();

    store = Store.open(file);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(indexed(store)).toEqual(atImport);
      expect(store.rulesetsOf(capture)).toEqual(before);
    } finally {
      store.close();
    }
  });
});
