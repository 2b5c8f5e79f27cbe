/** Migration 14: captures stored before they could be named read back with no name, and can be named. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseAtVersion } from './schema-version.fixture';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';
import { renameCapture } from '../project/project-edits';
import { Store } from './store';

describe('schema migration 14 (capture names)', () => {
  it('opens a version 13 project: its captures have no name, and one can be given', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-mig14-'));
    const file = path.join(dir, 'p.db');
    try {
      const db = databaseAtVersion(file, 13);
      db.prepare("INSERT INTO nodes (id, name, created_at) VALUES (1, 'node-a', 'now')").run();
      db.prepare(`INSERT INTO captures (id, node_id, kind, source_file, first_line, content_hash, imported_at, snapshot) VALUES (1, 1, 'ip-addr', 'a.txt', 1, 'h1', 'now', 1)`).run();
      expect(db.prepare(`SELECT name FROM pragma_table_info('captures') WHERE name = 'label'`).get()).toBeUndefined();
      db.close();

      const store = Store.open(file);
      try {
        expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(store.capture(1)!.label).toBeNull();
        expect(renameCapture(store, 1, 'first look').kind).toBe('done');
        expect(store.capture(1)!.label).toBe('first look');
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
