import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseAtVersion } from './schema-version.fixture';
import { Store } from './store';

describe('schema migration 3 (packet blocks)', () => {
  it('re-encodes packets stored one row each into blocks, with tuple counts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-mig-'));
    const file = path.join(dir, 'p.db');
    try {
      const db = databaseAtVersion(file, 2);
      db.exec(`INSERT INTO nodes VALUES (1, 'a', 'x');
        INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (1, 1, 'pcap', 'f.pcap', 'h', 'x', 1);
        INSERT INTO packet_tuples (id, capture_id, ip_proto, src, dst, sport, dport) VALUES (5, 1, 6, '10.0.0.1', '10.0.0.2', 1, 80);
        INSERT INTO packets (capture_id, frame, ts_sec, ts_nsec, tuple_id, iface, direction, link_type, len, tcp_flags, seq, ack,
          payload_len, icmp_type, icmp_code, truncated, line, offset)
        VALUES (1, 1, 1700000000, 999999999, 5, 'eth0', 'in', 1, 60, 2, 4294967295, NULL, 0, NULL, NULL, NULL, NULL, 24),
               (1, 2, 1700000001, 0, NULL, NULL, NULL, 1, 42, NULL, NULL, NULL, NULL, NULL, NULL, 'ip', NULL, 100);`);
      db.close();
      const store = Store.open(file);
      try {
        expect(store.count('packets')).toBe(2);
        const [a, b] = store.packetsOf(1);
        expect(a).toEqual(expect.objectContaining({ frame: 1, tsNsec: 999999999, src: '10.0.0.1', dport: 80, iface: 'eth0', direction: 'in', seq: 4294967295, ack: null, offset: 24 }));
        expect(b).toEqual(expect.objectContaining({ frame: 2, src: null, truncated: 'ip', len: 42, tcpFlags: null, offset: 100 }));
        expect(store.packets.tuple(5)).toEqual(expect.objectContaining({ packets: 1, firstFrame: 1, lastFrame: 1 }));
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
