/**
 * Schema migration 15: a capture's 5-tuples move from one packet_tuples row each (with a 5-tuple index) to
 * blocks of fixed-width records (tuple-block.ts), keeping their ids. Tuples of deleted captures waiting in the
 * trash (trash_packet_tuples) are moved to trash_packet_tuple_blocks the same way, so an undo still finds them.
 */
import type Database from 'better-sqlite3';
import { parseIpv4 } from '../common/ip';
import { TupleBlockEncoder, type EncodedTupleBlock } from './tuple-block';

export const TUPLE_BLOCKS_SQL = `
-- Up to 2048 5-tuples of one capture with consecutive ids (first_id, first_id + 1, ...) per row, as fixed-width
-- little-endian records, with their sorted 32-bit keys for lookups by 5-tuple (src/core/model/tuple-block.ts).
CREATE TABLE packet_tuple_blocks (
  first_id    INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  tuples      INTEGER NOT NULL,
  strings     TEXT NOT NULL,
  keys        BLOB NOT NULL,
  data        BLOB NOT NULL
);
CREATE INDEX packet_tuple_blocks_capture ON packet_tuple_blocks(capture_id, first_id);
`;

type TupleRow = [number, number, number | null, string, string, number | null, number | null, number, number | null, number | null];

/**
 * Encodes rows (group, capture, id, protocol, src, dst, sport, dport, packets, first frame, last frame) read in
 * (group, capture, id) order by `chunk` (keyset pages after the last row's key) into blocks: a new block at each
 * group, capture or gap in the ids.
 */
function encodeRows(
  chunk: (after: [string, number, number]) => Array<[string, ...TupleRow]>,
  write: (group: string, captureId: number, b: EncodedTupleBlock | null) => void,
): void {
  const encoder = new TupleBlockEncoder();
  let group = '';
  let capture = -1;
  for (let after: [string, number, number] = ['', -1, -1]; ; ) {
    const rows = chunk(after);
    if (rows.length === 0) break;
    for (const [g, captureId, id, proto, src, dst, sport, dport, packets, first, last] of rows) {
      if (g !== group || captureId !== capture || !encoder.accepts(id)) {
        write(group, capture, encoder.encode());
        group = g;
        capture = captureId;
      }
      const s = parseIpv4(src);
      const d = parseIpv4(dst);
      const v4 = s !== null && d !== null;
      encoder.add(id, proto, sport, dport, src, dst, v4 ? s : null, v4 ? d : null, first === null ? 0 : packets, first ?? 0, last ?? 0);
      after = [g, captureId, id];
    }
  }
  write(group, capture, encoder.encode());
}

export function migrateTupleBlocks(db: Database.Database): void {
  db.exec(TUPLE_BLOCKS_SQL);
  const insert = db.prepare('INSERT INTO packet_tuple_blocks (first_id, capture_id, tuples, strings, keys, data) VALUES (?, ?, ?, ?, ?, ?)');
  const live = db.prepare(
    `SELECT '', capture_id, id, ip_proto, src, dst, sport, dport, packets, first_frame, last_frame FROM packet_tuples
     WHERE (capture_id, id) > (?, ?) ORDER BY capture_id, id LIMIT 20000`,
  ).raw(true);
  encodeRows(
    ([, capture, id]) => live.all(capture, id) as Array<[string, ...TupleRow]>,
    (_, captureId, b) => {
      if (b) insert.run(b.firstId, captureId, b.tuples, b.strings, b.keys, b.data);
    },
  );
  db.exec('DROP TABLE packet_tuples');

  const trashed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trash_packet_tuples'").get();
  if (trashed === undefined) return;
  // The shape rows/edits.ts gives a trash table: the undo id, then the live table's columns.
  db.exec(`CREATE TABLE "trash_packet_tuple_blocks" (undo_id TEXT NOT NULL, "first_id", "capture_id", "tuples", "strings", "keys", "data");
    CREATE INDEX "trash_packet_tuple_blocks_undo" ON "trash_packet_tuple_blocks"(undo_id);`);
  const trashInsert = db.prepare('INSERT INTO trash_packet_tuple_blocks (undo_id, first_id, capture_id, tuples, strings, keys, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const trash = db.prepare(
    `SELECT undo_id, capture_id, id, ip_proto, src, dst, sport, dport, ifnull(packets, 0), first_frame, last_frame FROM trash_packet_tuples
     WHERE (undo_id, capture_id, id) > (?, ?, ?) ORDER BY undo_id, capture_id, id LIMIT 20000`,
  ).raw(true);
  encodeRows(
    (after) => trash.all(...after) as Array<[string, ...TupleRow]>,
    (undoId, captureId, b) => {
      if (b) trashInsert.run(undoId, b.firstId, captureId, b.tuples, b.strings, b.keys, b.data);
    },
  );
  db.exec('DROP TABLE trash_packet_tuples');
}
