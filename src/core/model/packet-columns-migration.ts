/**
 * Schema migration 16: packet blocks say how their data is laid out (packet-columns.ts). Blocks already stored
 * keep their 64-byte records (layout 0, the column's default); new ones are written as columns. Nothing is
 * rewritten: the change costs no time on a large project.
 */
import type Database from 'better-sqlite3';

export function migratePacketBlockLayout(db: Database.Database): void {
  const hasColumn = (table: string): boolean =>
    db.prepare(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = 'layout'`).get() !== undefined;
  if (!hasColumn('packet_blocks')) db.exec('ALTER TABLE packet_blocks ADD COLUMN layout INTEGER NOT NULL DEFAULT 0');
  // A trash table is widened to the live table's columns when next used, with NULL in its old rows: given the
  // column here, the blocks trashed before this migration come back as the records they are.
  const trash = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trash_packet_blocks'").get() !== undefined;
  if (trash && !hasColumn('trash_packet_blocks')) db.exec('ALTER TABLE trash_packet_blocks ADD COLUMN layout INTEGER NOT NULL DEFAULT 0');
}
