/** Rows of `text_blocks`: pasted text that was kept but not parsed (prose, an output of no known kind). */
import type Database from 'better-sqlite3';

export interface TextBlockRow {
  sourceId: number;
  node: string | null;
  sourceFile: string;
  firstLine: number;
  lastLine: number;
  command: string | null;
  reason: string | null;
  text: string;
}

export function insertTextBlock(db: Database.Database, b: TextBlockRow): void {
  db.prepare(
    `INSERT INTO text_blocks (source_id, node, source_file, first_line, last_line, command, reason, text)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(b.sourceId, b.node, b.sourceFile, b.firstLine, b.lastLine, b.command, b.reason, b.text);
}
