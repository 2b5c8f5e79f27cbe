/**
 * Schema migration 3: packets move from one row each to blocks of fixed-width records (packet-block.ts);
 * packet_tuples learns each tuple's packet count and frame range; a flow's packets are its tuples'
 * packets (flow_tuples), so the per-packet flow_packets rows go. Packets already stored are re-encoded.
 */
import type Database from 'better-sqlite3';
import { newPacketRecord } from '../capture/pcap/packet-record';
import { PacketBlockEncoder, type EncodedBlock } from './packet-block';
import { LAYOUT_ROWS } from './packet-columns';

export const PACKET_BLOCKS_SQL = `
-- Up to 4096 packets of one capture per row, as fixed-width little-endian records (src/core/model/packet-block.ts).
CREATE TABLE packet_blocks (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  first_frame INTEGER NOT NULL,
  last_frame  INTEGER NOT NULL,
  frames      INTEGER NOT NULL,
  min_sec     INTEGER NOT NULL,
  min_nsec    INTEGER NOT NULL,
  max_sec     INTEGER NOT NULL,
  max_nsec    INTEGER NOT NULL,
  strings     TEXT NOT NULL,
  tuples      BLOB NOT NULL,
  data        BLOB NOT NULL
);
CREATE INDEX packet_blocks_capture ON packet_blocks(capture_id, first_frame);
ALTER TABLE packet_tuples ADD COLUMN packets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE packet_tuples ADD COLUMN first_frame INTEGER;
ALTER TABLE packet_tuples ADD COLUMN last_frame INTEGER;
`;

/** One row per stored packet (its capture, block and place in it), for counting in plain SQL. */
const PACKETS_VIEW = `
CREATE VIEW packets AS
  WITH RECURSIVE slots(capture_id, block_id, slot, frames) AS (
    SELECT capture_id, id, 0, frames FROM packet_blocks
    UNION ALL SELECT capture_id, block_id, slot + 1, frames FROM slots WHERE slot + 1 < frames
  )
  SELECT capture_id, block_id, slot FROM slots;
`;

export function migratePacketBlocks(db: Database.Database): void {
  db.exec(PACKET_BLOCKS_SQL);
  db.exec(`UPDATE packet_tuples SET
      packets = (SELECT count(*) FROM packets p WHERE p.tuple_id = packet_tuples.id),
      first_frame = (SELECT min(frame) FROM packets p WHERE p.tuple_id = packet_tuples.id),
      last_frame = (SELECT max(frame) FROM packets p WHERE p.tuple_id = packet_tuples.id)`);
  const insert = db.prepare(
    `INSERT INTO packet_blocks (capture_id, first_frame, last_frame, frames, min_sec, min_nsec, max_sec, max_nsec, strings, tuples, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const write = (captureId: number, b: EncodedBlock | null): void => {
    if (b) insert.run(captureId, b.firstFrame, b.lastFrame, b.frames, b.minSec, b.minNsec, b.maxSec, b.maxNsec, b.strings, b.tuples, b.data);
  };
  // The records of schema 3 (packet_blocks has no layout column until 16, and reads as rows without one).
  const encoder = new PacketBlockEncoder(LAYOUT_ROWS);
  const p = newPacketRecord(0, 0, 0, null, 0, 0, 0, 0);
  let current: number | null = null;
  // Read in keyset chunks: a write while a SELECT is open would be refused, and a big project must not sit in memory.
  const chunk = db.prepare('SELECT * FROM packets WHERE (capture_id, frame) > (?, ?) ORDER BY capture_id, frame LIMIT 20000');
  let after: [number, number] = [-1, 0];
  for (;;) {
    const rows = chunk.all(after[0], after[1]) as Array<Record<string, unknown>>;
    if (rows.length === 0) break;
    after = [rows[rows.length - 1]!.capture_id as number, rows[rows.length - 1]!.frame as number];
    for (const r of rows) {
    const captureId = r.capture_id as number;
    if (current !== captureId || encoder.full) {
      if (current !== null) write(current, encoder.encode());
      current = captureId;
    }
    p.frame = r.frame as number;
    p.tsSec = r.ts_sec as number;
    p.tsNsec = r.ts_nsec as number;
    p.iface = r.iface as string | null;
    p.direction = r.direction as 'in' | 'out' | null;
    p.linkType = r.link_type as number | null;
    p.origLen = (r.len as number | null) ?? 0;
    p.tcpFlags = r.tcp_flags as number | null;
    p.seq = r.seq as number | null;
    p.ack = r.ack as number | null;
    p.payloadLen = r.payload_len as number | null;
    p.icmpType = r.icmp_type as number | null;
    p.icmpCode = r.icmp_code as number | null;
    p.truncated = r.truncated as string | null;
    p.line = r.line as number | null;
    p.offset = r.offset as number | null;
      encoder.add(p, r.tuple_id as number | null);
    }
  }
  if (current !== null) write(current, encoder.encode());
  db.exec(`DROP VIEW packet_view; DROP TABLE packets; DROP TABLE flow_packets; DELETE FROM flow_generation; ${PACKETS_VIEW}`);
}
