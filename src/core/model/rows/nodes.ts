/** Rows of `nodes` and `sources`: who a capture belongs to, and which file it came from. */
import type Database from 'better-sqlite3';
import { now } from './values';

/** Owner name of cluster-wide captures (kubectl output for all namespaces): not a node, never listed as one. */
export const CLUSTER_OWNER = '(cluster)';

export function ensureNode(db: Database.Database, name: string): number {
  const found = db.prepare('SELECT id FROM nodes WHERE name = ?').get(name) as { id: number } | undefined;
  if (found) return found.id;
  return Number(db.prepare('INSERT INTO nodes (name, created_at) VALUES (?, ?)').run(name, now()).lastInsertRowid);
}

/** The owner of cluster-wide captures (CLUSTER_OWNER), created on first use. */
export function ensureClusterOwner(db: Database.Database): number {
  const found = db.prepare('SELECT id FROM nodes WHERE cluster = 1').get() as { id: number } | undefined;
  if (found) return found.id;
  return Number(db.prepare('INSERT INTO nodes (name, created_at, cluster) VALUES (?, ?, 1)').run(CLUSTER_OWNER, now()).lastInsertRowid);
}

/** The nodes, not the cluster owner. */
export function listNodes(db: Database.Database): Array<{ id: number; name: string }> {
  return db.prepare('SELECT id, name FROM nodes WHERE cluster = 0 ORDER BY name').all() as Array<{ id: number; name: string }>;
}

export function findNode(db: Database.Database, name: string): number | null {
  const row = db.prepare('SELECT id FROM nodes WHERE name = ? AND cluster = 0').get(name) as { id: number } | undefined;
  return row ? row.id : null;
}

export function findSource(db: Database.Database, sha256: string): number | null {
  const row = db.prepare('SELECT id FROM sources WHERE sha256 = ?').get(sha256) as { id: number } | undefined;
  return row ? row.id : null;
}

/** True when a stored source is `size` bytes long: only then can a file of that size already be stored. */
export function hasSourceOfSize(db: Database.Database, size: number): boolean {
  return db.prepare('SELECT 1 FROM sources WHERE size = ? LIMIT 1').get(size) !== undefined;
}

export function insertSource(db: Database.Database, path: string, sha256: string, size: number): number {
  return Number(
    db.prepare('INSERT INTO sources (path, sha256, size, imported_at) VALUES (?, ?, ?, ?)').run(path, sha256, size, now()).lastInsertRowid,
  );
}
