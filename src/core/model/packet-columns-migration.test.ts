import { describe, it, expect } from 'vitest';
import type { PacketRecord } from '../records/records';
import { databaseAtVersion } from './schema-version.fixture';
import { PacketBlockEncoder } from './packet-block';
import { LAYOUT_ROWS } from './packet-columns';
import { restoreTrash, trashCaptures } from './rows/edits';
import { tempProject } from '../../../test/support/temp-project';

function record(frame: number): PacketRecord {
  return {
    frame, tsSec: 1700000000 + frame, tsNsec: frame * 1000, iface: 'eth0', direction: 'in', linkType: 1, capLen: 54, origLen: 54 + frame,
    srcMac: null, dstMac: null, vlan: null, network: 'ipv4', etherType: null, src: null, dst: null, ipProto: null, ipId: null,
    ttl: null, fragMf: false, fragOffset: 0, sport: null, dport: null, tcpFlags: 0x12, seq: frame * 1000003, ack: null, payloadLen: 0,
    icmpType: null, icmpCode: null, icmpId: null, arpOp: null, truncated: null, line: null, offset: 24 + 70 * frame,
  };
}

describe('schema migration 16 (packet block layouts)', () => {
  it('reads the 64-byte records of a version-15 project, live and trashed, beside new column blocks', () => {
    const project = tempProject('mig-16');
    try {
      const db = databaseAtVersion(project.dbPath, 15);
      db.exec(`INSERT INTO nodes (id, name, created_at) VALUES (1, 'a', 'x');
        INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES
          (1, 1, 'pcap', 'a.pcap', 'h1', 'x', 1), (2, 1, 'pcap', 'b.pcap', 'h2', 'x', 2);`);
      const insert = db.prepare(`INSERT INTO packet_blocks (capture_id, first_frame, last_frame, frames, min_sec, min_nsec, max_sec, max_nsec, strings, tuples, data)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const capture of [1, 2]) {
        const enc = new PacketBlockEncoder(LAYOUT_ROWS);
        for (let f = 1; f <= 5; f++) enc.add(record(f), f % 2 === 0 ? null : capture * 10 + f);
        const b = enc.encode()!;
        insert.run(capture, b.firstFrame, b.lastFrame, b.frames, b.minSec, b.minNsec, b.maxSec, b.maxNsec, b.strings, b.tuples, b.data);
      }
      db.transaction(() => trashCaptures(db, 'undo-1', [1]))();
      db.close();

      const store = project.store();
      const rows = (capture: number) => store.packets.packetsOf(capture, 1, 10).map((p) => [p.frame, p.tsSec, p.tsNsec, p.len, p.iface, p.direction, p.tcpFlags, p.seq, p.ack, p.offset]);
      const want = [1, 2, 3, 4, 5].map((f) => [f, 1700000000 + f, f * 1000, 54 + f, 'eth0', 'in', 0x12, f * 1000003, null, 24 + 70 * f]);
      expect(rows(2)).toEqual(want);
      expect(store.db.prepare('SELECT layout FROM packet_blocks').pluck().all()).toEqual([0]);
      expect(store.db.prepare('SELECT layout FROM trash_packet_blocks').pluck().all()).toEqual([0]);

      // New packets are written as columns and read the same.
      store.db.exec("INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (3, 1, 'pcap', 'c.pcap', 'h3', 'x', 3)");
      const writer = store.packetWriter(3);
      store.transaction(() => {
        for (let f = 1; f <= 5; f++) writer.add(record(f));
        writer.flush();
      });
      expect(store.db.prepare('SELECT layout FROM packet_blocks WHERE capture_id = 3').pluck().all()).toEqual([1]);
      expect(rows(3)).toEqual(want);

      // A later edit trashes a capture of the new schema; the earlier undo still brings its old records back.
      store.transaction(() => trashCaptures(store.db, 'undo-2', [3]));
      store.transaction(() => restoreTrash(store.db, 'undo-1'));
      expect(rows(1)).toEqual(want);
      expect(store.packets.blocks(1).map((m) => store.packets.block(m.id).tupleId(2))).toEqual([13]);
      store.transaction(() => restoreTrash(store.db, 'undo-2'));
      expect(rows(3)).toEqual(want);
    } finally {
      project.cleanup();
    }
  });
});
