import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema';
import { Store } from './store';

describe('schema migration 5 (the rules of a chain in its row)', () => {
  it('moves rules stored one row each into their chains, in position order, and lists them through the rules view', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-mig-'));
    const file = path.join(dir, 'r.db');
    try {
      const db = new Database(file);
      for (const step of MIGRATIONS.slice(0, 4)) step(db);
      db.pragma('user_version = 4');
      db.exec(`INSERT INTO nodes VALUES (1, 'a', 'x');
        INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (1, 1, 'iptables-save', 'f', 'h', 'x', 1);
        INSERT INTO rulesets VALUES (1, 1, 'ipv4', 'iptables-save', 1, 1, 0);
        INSERT INTO rule_tables VALUES (1, 1, 'nat', 1);
        INSERT INTO chains VALUES (1, 1, 'PREROUTING', 1, 'ACCEPT', 0, 0, 2), (2, 1, 'KUBE-SERVICES', 0, NULL, NULL, NULL, 3), (3, 1, 'EMPTY', 0, NULL, NULL, NULL, 4);
        INSERT INTO rules (chain_id, position, text, line, packets, bytes, matches, target, target_kind, target_chain, comment) VALUES
          (2, 2, '-A KUBE-SERVICES -j RETURN', 7, NULL, NULL, '[]', '{"kind":"return"}', 'return', NULL, NULL),
          (1, 1, '-A PREROUTING -m comment --comment "portals" -j KUBE-SERVICES', 5, 3, 180,
             '[{"kind":"comment","text":"portals"}]', '{"kind":"jump","chain":"KUBE-SERVICES"}', 'jump', 'KUBE-SERVICES', 'portals'),
          (2, 1, '-A KUBE-SERVICES', 6, NULL, NULL, '[]', NULL, NULL, NULL, NULL);`);
      db.close();
      const store = Store.open(file);
      try {
        const [ruleset] = store.rulesetsOf(1);
        const [prerouting, services, empty] = ruleset!.tables[0]!.chains;
        expect(prerouting!.rules).toEqual([{
          position: 1, text: '-A PREROUTING -m comment --comment "portals" -j KUBE-SERVICES', line: 5, counters: { packets: 3, bytes: 180 },
          matches: [{ kind: 'comment', text: 'portals' }], target: { kind: 'jump', chain: 'KUBE-SERVICES' },
        }]);
        expect(services!.rules.map((r) => [r.position, r.line, r.target])).toEqual([[1, 6, null], [2, 7, { kind: 'return' }]]);
        expect(empty!.rules).toEqual([]);
        expect(store.db.prepare('SELECT chain, position, comment, target_kind, target_chain FROM rules ORDER BY chain_id, position').all()).toEqual([
          { chain: 'PREROUTING', position: 1, comment: 'portals', target_kind: 'jump', target_chain: 'KUBE-SERVICES' },
          { chain: 'KUBE-SERVICES', position: 1, comment: null, target_kind: null, target_chain: null },
          { chain: 'KUBE-SERVICES', position: 2, comment: null, target_kind: 'return', target_chain: null },
        ]);
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
