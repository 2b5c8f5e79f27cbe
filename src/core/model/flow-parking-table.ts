/**
 * The quiet flows of a stitch in progress (correlate/flow-parking.ts), kept in a TEMP table: on disk in
 * SQLite's temporary file, private to this connection, never part of the project and gone when disposed
 * (or when the connection closes). Writing it takes no lock on the project, so pass 2 of a stitch parks
 * flows while other processes write.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from './store';

/** Structurally the FlowParking of core/correlate (the model layer does not import it). */
export class FlowParkingTable {
  private readonly put: Statement;
  private readonly get: Statement;
  private readonly getBody: Statement;
  private readonly remove: Statement;
  private readonly all: Statement;
  private disposed = false;

  constructor(private readonly store: Store) {
    const db = store.db;
    db.exec('DROP TABLE IF EXISTS temp.parked_flows');
    db.exec('CREATE TEMP TABLE parked_flows (id INTEGER PRIMARY KEY, seen TEXT NOT NULL, body TEXT NOT NULL)');
    this.put = db.prepare('INSERT OR REPLACE INTO temp.parked_flows (id, seen, body) VALUES (?, ?, ?)');
    this.get = db.prepare('SELECT seen, body FROM temp.parked_flows WHERE id = ?');
    this.getBody = db.prepare('SELECT body FROM temp.parked_flows WHERE id = ?').pluck();
    this.remove = db.prepare('DELETE FROM temp.parked_flows WHERE id = ?');
    this.all = db.prepare('SELECT id, seen FROM temp.parked_flows').raw(true);
  }

  park(id: number, seen: string, body: string): void {
    this.put.run(id, seen, body);
  }

  take(id: number): { seen: string; body: string } | undefined {
    const row = this.get.get(id) as { seen: string; body: string } | undefined;
    if (row !== undefined) this.remove.run(id);
    return row;
  }

  body(id: number): string | undefined {
    return this.getBody.get(id) as string | undefined;
  }

  eachSeen(visit: (id: number, seen: string) => void): void {
    for (const [id, seen] of this.all.iterate() as IterableIterator<[number, string]>) visit(id, seen);
  }

  dispose(): void {
    if (this.disposed || !this.store.db.open) return;
    this.disposed = true;
    this.store.db.exec('DROP TABLE IF EXISTS temp.parked_flows');
  }
}
