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

/** Text blocks kept because a capture in them failed to parse (the import's warnings): the first `limit` and how many in all. */
export function unreadBlocks(db: Database.Database, limit: number): { blocks: Array<{ sourceFile: string; firstLine: number; reason: string }>; total: number } {
  const rows = db
    .prepare(`SELECT source_file, first_line, reason FROM text_blocks WHERE reason LIKE '%not read:%' ORDER BY id LIMIT ?`)
    .all(limit + 1) as Array<{ source_file: string; first_line: number; reason: string }>;
  const total = rows.length > limit
    ? (db.prepare(`SELECT count(*) AS n FROM text_blocks WHERE reason LIKE '%not read:%'`).get() as { n: number }).n
    : rows.length;
  return { blocks: rows.slice(0, limit).map((r) => ({ sourceFile: r.source_file, firstLine: r.first_line, reason: r.reason })), total };
}
