import { describe, it, expect } from 'vitest';
import { databaseAtVersion } from './schema-version.fixture';
import { Store } from './store';
import { restoreTrash, trashCaptures } from './rows/edits';
import { tempProject } from '../../../test/support/temp-project';

describe('schema migration 15 (tuple blocks)', () => {
  it('moves packet_tuples rows, live and trashed, into blocks with the same ids and fields', () => {
    const project = tempProject('mig-15');
    try {
      const db = databaseAtVersion(project.dbPath, 14);
      db.exec(`INSERT INTO nodes (id, name, created_at) VALUES (1, 'a', 'x');
        INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (1, 1, 'pcap', 'a.pcap', 'h1', 'x', 1), (2, 1, 'pcap', 'b.pcap', 'h2', 'x', 2);
        INSERT INTO packet_tuples (id, capture_id, ip_proto, src, dst, sport, dport, packets, first_frame, last_frame) VALUES
          (5, 1, 6, '10.0.0.1', '10.0.0.2', 40000, 80, 3, 1, 7),
          (6, 1, 17, 'fd00::1', 'fd00::2', 5353, 5353, 1, 2, 2),
          (9, 1, NULL, '10.0.0.1', '10.0.0.2', NULL, NULL, 0, NULL, NULL),
          (10, 2, 1, '10.0.0.3', '10.0.0.4', NULL, NULL, 2, 1, 2),
          (11, 2, 6, '10.0.0.4', '10.0.0.3', 80, 40000, 1, 3, 3);`);
      db.transaction(() => trashCaptures(db, 'undo-1', [2]))();
      db.close();

      const store = project.store();
      expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name IN ('packet_tuples', 'trash_packet_tuples')").all()).toEqual([]);
      // Ids 5-6 and 9 are two runs: two blocks.
      expect(store.db.prepare('SELECT first_id, tuples FROM packet_tuple_blocks ORDER BY first_id').raw(true).all()).toEqual([[5, 2], [9, 1]]);
      expect([...store.packets.tuplesOf(1).values()]).toEqual([
        { id: 5, captureId: 1, ipProto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, packets: 3, firstFrame: 1, lastFrame: 7 },
        { id: 6, captureId: 1, ipProto: 17, src: 'fd00::1', dst: 'fd00::2', sport: 5353, dport: 5353, packets: 1, firstFrame: 2, lastFrame: 2 },
        { id: 9, captureId: 1, ipProto: null, src: '10.0.0.1', dst: '10.0.0.2', sport: null, dport: null, packets: 0, firstFrame: null, lastFrame: null },
      ]);
      expect(store.packets.tuplesEqualTo({ ipProto: 17, src: 'fd00::1', dst: 'fd00::2', sport: 5353, dport: 5353 }).map((t) => t.id)).toEqual([6]);

      store.transaction(() => restoreTrash(store.db, 'undo-1'));
      expect([...store.packets.tuplesOf(2).values()].map((t) => [t.id, t.ipProto, t.src, t.sport, t.packets, t.firstFrame, t.lastFrame])).toEqual([
        [10, 1, '10.0.0.3', null, 2, 1, 2],
        [11, 6, '10.0.0.4', 80, 1, 3, 3],
      ]);
    } finally {
      project.cleanup();
    }
  });
});
