import Database from 'better-sqlite3';
import { describe, it, expect } from 'vitest';
import type { PacketRecord } from '../records/records';
import { formatIpv4, parseIpv4 } from '../common/ip';
import { TupleIds, TupleTable, ipv4TextIs } from './tuple-table';
import { TupleBlock } from './tuple-block';
import { ipv4Text, isCachedIpv4Text } from '../capture/pcap/address-text';

describe('ipv4TextIs', () => {
  it('says whether text is the dotted quad of a number, as formatIpv4 writes it', () => {
    for (const text of ['0.0.0.0', '10.0.0.1', '255.255.255.255', '192.168.100.9', '1.22.133.4']) expect(ipv4TextIs(text, parseIpv4(text)!)).toBe(true);
    const n = parseIpv4('10.0.0.1')!;
    for (const text of ['10.0.0.10', '10.0.0.', '10.0.0.1 ', '010.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.0', '', '10,0.0.1', '::ffff:10.0.0.1']) {
      expect(ipv4TextIs(text, n)).toBe(false);
    }
    let x = 7;
    for (let k = 0; k < 2000; k++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      expect(ipv4TextIs(formatIpv4(x), x)).toBe(true);
      expect(ipv4TextIs(formatIpv4(x), (x ^ (1 << (k % 32))) >>> 0)).toBe(false);
    }
  });
});

describe('isCachedIpv4Text', () => {
  it('knows the text ipv4Text made for a number, and never vouches for other text', () => {
    const text = ipv4Text(Uint8Array.of(10, 244, 1, 7), 0);
    const n = parseIpv4('10.244.1.7')!;
    expect(isCachedIpv4Text(text, n)).toBe(true);
    expect(isCachedIpv4Text('10.244.1.8', n)).toBe(false);
    expect(isCachedIpv4Text(text, parseIpv4('10.244.1.8')!)).toBe(false);
  });
});

describe('TupleTable', () => {
  it('finds each of 600,000 IPv4 tuples again after its index grew 4× and then 2×, and writes each once with its counts', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE packet_tuple_blocks (first_id INTEGER PRIMARY KEY, capture_id INTEGER NOT NULL, tuples INTEGER NOT NULL, strings TEXT NOT NULL, keys BLOB NOT NULL, data BLOB NOT NULL)');
    const ids = new Uint32Array(1024);
    const table = new TupleTable(db, 1, 1 << 21, new TupleIds(db), ids);
    const n = 600_000;
    const p = { frame: 0, src: null, dst: null, srcV4: 0, dstV4: 0, ipProto: 6, sport: 0, dport: 443 } as unknown as PacketRecord;
    const seen = new Uint32Array(n);
    // Counted, not expected one by one (a million expect calls take half a minute); the first wrong one is kept.
    let wrong = 0;
    let firstWrong = '';
    const check = (ok: boolean, what: () => string) => {
      if (!ok && wrong++ === 0) firstWrong = what();
    };
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < n; k++) {
        // The second round in another order, so the batches' buckets were all read after the index grew.
        const c = round === 0 ? k : (k * 7919) % n;
        Object.assign(p, { frame: round * n + k + 1, srcV4: (0xc0a80000 + (c >>> 10)) >>> 0, dstV4: 0x0a000000 + (c & 1023), sport: c & 0xffff });
        table.count(p, k & 1023);
        if ((k & 1023) === 1023 || k === n - 1) {
          table.settle();
          for (let r = 0; r <= (k & 1023); r++) {
            const c2 = round === 0 ? k - (k & 1023) + r : ((k - (k & 1023) + r) * 7919) % n;
            if (round === 0) seen[c2] = ids[r]!;
            else check(ids[r] === seen[c2], () => `tuple ${c2}: id ${ids[r]} after ${seen[c2]}`);
          }
        }
      }
    }
    table.save();
    const blocks = db.prepare('SELECT first_id, strings, data FROM packet_tuple_blocks ORDER BY first_id').raw(true).all() as Array<[number, string, Buffer]>;
    let tuples = 0;
    for (const [first, strings, data] of blocks) {
      const b = new TupleBlock(1, first, data, strings);
      for (let i = 0; i < b.count; i++, tuples++) {
        const c = tuples;
        const got = [b.id(i), b.srcV4(i), b.dstV4(i), b.sport(i), b.packets(i), b.firstFrame(i)];
        const want = [seen[c], (0xc0a80000 + (c >>> 10)) >>> 0, 0x0a000000 + (c & 1023), c & 0xffff, 2, c + 1];
        check(got.every((v, j) => v === want[j]), () => `record ${c}: ${got} not ${want}`);
      }
    }
    expect([tuples, wrong, firstWrong]).toEqual([n, 0, '']);
    db.close();
  });
});
