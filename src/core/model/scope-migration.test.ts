/** Migration 6: captures stored before scopes were kept read back with none, and compose by what their command implies. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseAtVersion } from './schema-version.fixture';
import { listNodes } from '../project/nodes';
import { Store } from './store';

describe('schema migration 6 (capture scopes, cluster owner)', () => {
  it('opens a version 5 project: old captures have no scope, compose by their command, and their node stays a node', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-mig6-'));
    const file = path.join(dir, 'p.db');
    try {
      const db = databaseAtVersion(file, 5);
      db.prepare("INSERT INTO nodes (id, name, created_at) VALUES (1, 'node-a', 'now')").run();
      const capture = db.prepare(
        `INSERT INTO captures (id, node_id, kind, source_file, first_line, command, content_hash, imported_at, snapshot)
         VALUES (?, 1, 'ip-addr', 'a.txt', ?, ?, ?, 'now', ?)`,
      );
      capture.run(1, 1, 'ip addr', 'h1', 1);
      capture.run(2, 9, 'ifconfig lo', 'h2', 2);
      const iface = db.prepare("INSERT INTO interfaces (capture_id, name, flags, line) VALUES (?, ?, 'UP', 1)");
      iface.run(1, 'lo');
      iface.run(1, 'eth0');
      iface.run(2, 'lo');
      db.close();

      const store = Store.open(file);
      try {
        expect(store.capture(1)).toMatchObject({ scope: null, changedBy: [] });
        // `ifconfig lo`, read back without a stored scope, still covers lo alone.
        expect(listNodes(store).map((n) => [n.name, n.interfaces.map((i) => i.name)])).toEqual([['node-a', ['lo', 'eth0']]]);
        expect(store.ensureClusterOwner()).not.toBe(1);
        expect(store.listNodes().map((n) => n.name)).toEqual(['node-a']);
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
