import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { installedSqliteBinding } from './sqlite-binding';

describe('installedSqliteBinding', () => {
  it('names the addon npm installed with better-sqlite3, which opens a database', () => {
    const addon = installedSqliteBinding();
    expect(addon).not.toBeNull();
    expect(path.basename(addon!)).toBe('better_sqlite3.node');
    expect(fs.existsSync(addon!)).toBe(true);
    const db = new Database(':memory:', { nativeBinding: addon! });
    expect(db.prepare('SELECT 1 + 1').pluck().get()).toBe(2);
    db.close();
  });
});
