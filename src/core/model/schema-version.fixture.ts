/** An older natlens's project, for the tests of a migration: the first `version` migrations run, and marked so. */
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema';

export function databaseAtVersion(file: string, version: number): Database.Database {
  const db = new Database(file);
  for (const m of MIGRATIONS.slice(0, version)) m(db);
  db.pragma(`user_version = ${version}`);
  return db;
}
