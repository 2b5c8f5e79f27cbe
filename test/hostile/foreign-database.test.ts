/** Hostile setting: --db names another program's SQLite file; natlens refuses it and leaves it as it was. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { APPLICATION_ID } from '../../src/core/model/schema';
import { Store } from '../../src/core/model/store';
import { natlens } from '../real/natlens-cli';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-foreign-db');
const IP_ADDR = path.join(process.cwd(), 'test/fixtures/text/ip-addr.txt');

function sqliteFile(file: string, setup: (db: Database.Database) => void): Buffer {
  const db = new Database(file);
  setup(db);
  db.close();
  return fs.readFileSync(file);
}

describe('--db naming a SQLite file that is not a natlens project', () => {
  it('refuses another program’s database with tables, before writing anything to it', () => {
    const p = project();
    const file = p.file('places.sqlite');
    const before = sqliteFile(file, (db) => db.exec('CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT); INSERT INTO moz_places (url) VALUES (\'https://example.org\')'));
    const run = natlens(['import', '--db', file, '--json', IP_ADDR]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).errors).toEqual([{
      source: file,
      message: `${file}: this SQLite file is another program's (tables moz_places), not a natlens project; natlens leaves it untouched (name a new file with --db)`,
    }]);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(p.dir)).toEqual(['places.sqlite']);
    expect(natlens(['nodes', '--db', file, '--json']).stderr).toContain('not a natlens project');
  });

  it('refuses a database another program marked with its application id, even without tables', () => {
    const p = project();
    const file = p.file('other.db');
    sqliteFile(file, (db) => db.pragma('application_id = 1234'));
    expect(() => Store.open(file)).toThrow(/another program's \(application id 0x4d2\), not a natlens project/);
  });

  it('makes a project of an empty file, and marks it as natlens’s own', () => {
    const p = project();
    const file = p.write('empty.db', '');
    expect(natlens(['import', '--db', file, IP_ADDR]).code).toBe(0);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    db.close();
    expect(natlens(['nodes', '--db', file, '--json']).code).toBe(0);
  });

  it('still opens a project made before the mark existed, known by its schema and tables', () => {
    const p = project();
    const old = Store.open(p.dbPath);
    old.db.pragma('application_id = 0');
    old.close();
    const store = Store.open(p.dbPath);
    expect(store.listNodes()).toEqual([]);
    store.close();
  });
});
