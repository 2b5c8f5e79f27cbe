import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate, schemaStatements, type SchemaSnapshot } from './schema';
import { SNAPSHOT_STATEMENTS, SNAPSHOT_VERSION } from './schema-snapshot';
import { Store } from './store';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-schema-snapshot-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Everything a schema is: its objects as sqlite_master keeps them (not where their pages lie), the version, the id and every table's rows. */
function schemaOf(db: Database.Database): unknown {
  const objects = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all() as Array<{ type: string; name: string }>;
  const rows = Object.fromEntries(objects.filter((o) => o.type === 'table').map((o) => [o.name, db.prepare(`SELECT * FROM "${o.name}"`).all()]));
  return {
    objects,
    rows,
    version: db.pragma('user_version', { simple: true }),
    applicationId: db.pragma('application_id', { simple: true }),
    foreignKeys: objects.filter((o) => o.type === 'table').map((o) => db.pragma(`foreign_key_list("${o.name}")`)),
  };
}

function fileDb(name: string): Database.Database {
  const db = new Database(path.join(dir, name));
  db.pragma('journal_mode = WAL');
  return db;
}

describe('the schema snapshot', () => {
  it('makes the schema that every migration in turn makes: objects, version, application id', () => {
    const stepwise = fileDb('stepwise.db');
    migrate(stepwise, 'stepwise.db', { snapshot: null });
    const fresh = fileDb('fresh.db');
    migrate(fresh, 'fresh.db');
    expect(schemaOf(fresh)).toEqual(schemaOf(stepwise));
    expect(fresh.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(fresh.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    stepwise.close();
    fresh.close();
  });

  it('is the schema of the latest migration (after appending one, run node scripts/schema-snapshot.mjs)', () => {
    expect(SNAPSHOT_VERSION).toBe(SCHEMA_VERSION);
  });

  it('written before the latest migrations, starts a new project that then takes those in turn', () => {
    // A snapshot two migrations behind, made as the script makes one.
    const older = new Database(':memory:');
    MIGRATIONS.slice(0, SCHEMA_VERSION - 2).forEach((step, version) => {
      step(older);
      older.pragma(`user_version = ${version + 1}`);
    });
    const snapshot: SchemaSnapshot = { version: SCHEMA_VERSION - 2, statements: schemaStatements(older) };
    older.close();
    expect(snapshot.statements).not.toEqual(SNAPSHOT_STATEMENTS);

    const db = fileDb('older.db');
    migrate(db, 'older.db', { snapshot });
    const stepwise = fileDb('stepwise.db');
    migrate(stepwise, 'stepwise.db', { snapshot: null });
    expect(schemaOf(db)).toEqual(schemaOf(stepwise));
    db.close();
    stepwise.close();
  });

  it('is used only for an empty database: a project being made by another process is left to its maker', () => {
    const db = fileDb('other.db');
    db.exec('CREATE TABLE nodes (id INTEGER PRIMARY KEY)');
    // Version 0 with a table: not a database the snapshot may be poured into; the first migration then fails as before.
    expect(() => migrate(db, 'other.db')).toThrow(/nodes already exists/);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'captures'").pluck().get()).toBe(0);
    db.close();
  });

  it('opens a new project that a second open finds complete', () => {
    const file = path.join(dir, 'p.db');
    Store.open(file).close();
    const again = Store.open(file);
    expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    again.close();
  });
});
