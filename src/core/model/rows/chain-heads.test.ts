/** Chain headers stored one row per table: read back as written, damage named, ids never shared with the trash. */
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../../test/support/temp-project';
import { importPaths } from '../../import/import-paths';
import { deleteCapture } from '../../project/project-edits';
import { ModelError } from '../model-error';
import { ChainHeadsBuilder, ChainHeadsReader, decodeChainHeads, hasCounters, holdsSnat, isBuiltin, nextChainId, policyOf, readColumn, writeColumn, type StoredHeads } from './chain-heads';

const project = useTempProject('chain-heads');

const DUMP = ['*nat', ':PREROUTING ACCEPT [3:180]', ':POSTROUTING ACCEPT [0:0]', ':KUBE-X - [0:0]', '-A POSTROUTING -j SNAT --to-source 192.0.2.1', 'COMMIT', ''].join('\n');

/** The headers as plain values, chain by chain. */
function plain(h: StoredHeads): unknown[] {
  return h.names.map((name, k) => ({
    id: h.firstId + k, name, builtin: isBuiltin(h, k), policy: policyOf(h, k), line: h.lines[k],
    counters: hasCounters(h, k) ? [h.packets[k], h.bytes[k]] : null, snat: holdsSnat(h, k),
  }));
}

describe('chain headers', () => {
  it('reads back each header as written: policy, counters of any size, lines in any order, SNAT flag, names in any script', () => {
    const b = new ChainHeadsBuilder(7, 100);
    b.add({ name: 'INPUT', builtin: true, policy: 'DROP', counters: { packets: 5, bytes: 300 }, line: 2 });
    b.add({ name: 'KUBE-\u001b[2J-ü', builtin: false, policy: null, counters: null, line: 40 });
    b.add({ name: 'OUTPUT', builtin: true, policy: 'ACCEPT', counters: { packets: 2 ** 60, bytes: 1.5 }, line: 3 });
    b.add({ name: 'BIG', builtin: false, policy: null, counters: { packets: Number.MAX_SAFE_INTEGER, bytes: 0 }, line: 2 ** 32 - 1 });
    b.markSnat([101, 99, 104]);
    expect(b.count).toBe(4);
    expect(plain(decodeChainHeads('p.db', 7, 100, 4, b.encode()))).toEqual([
      { id: 100, name: 'INPUT', builtin: true, policy: 'DROP', line: 2, counters: [5, 300], snat: false },
      { id: 101, name: 'KUBE-\u001b[2J-ü', builtin: false, policy: null, line: 40, counters: null, snat: true },
      { id: 102, name: 'OUTPUT', builtin: true, policy: 'ACCEPT', line: 3, counters: [2 ** 60, 1.5], snat: false },
      { id: 103, name: 'BIG', builtin: false, policy: null, line: 2 ** 32 - 1, counters: [Number.MAX_SAFE_INTEGER, 0], snat: false },
    ]);
    expect(plain(decodeChainHeads('p.db', 8, 1, 0, new ChainHeadsBuilder(8, 1).encode()))).toEqual([]);
    // Counters that are all zero take no columns, and still read back as shown.
    const zero = new ChainHeadsBuilder(9, 1);
    zero.add({ name: 'A', builtin: false, policy: null, counters: { packets: 0, bytes: 0 }, line: 1 });
    zero.add({ name: 'B', builtin: false, policy: null, counters: null, line: 2 });
    expect(zero.encode().length).toBe(6 + 3 + 2 * 5);
    expect(plain(decodeChainHeads('p.db', 9, 1, 2, zero.encode())).map((h) => (h as { counters: unknown }).counters)).toEqual([[0, 0], null]);
  });

  it('reads and writes a column the same value by value (a big-endian host) as by copying it', () => {
    const body = Buffer.alloc(3 + 2 * 8 + 2 * 4);
    body.writeDoubleLE(2 ** 60, 3);
    body.writeDoubleLE(0.5, 11);
    body.writeUInt32LE(4_000_000_000, 19);
    body.writeUInt32LE(7, 23);
    for (const littleEndian of [true, false]) {
      const doubles = new Float64Array(2);
      readColumn(body, 3, doubles, littleEndian);
      expect([...doubles]).toEqual([2 ** 60, 0.5]);
      const words = new Uint32Array(2);
      readColumn(body, 19, words, littleEndian);
      expect([...words]).toEqual([4_000_000_000, 7]);
      const written = Buffer.alloc(body.length);
      writeColumn(written, 3, Float64Array.of(2 ** 60, 0.5), littleEndian);
      writeColumn(written, 19, Uint32Array.of(4_000_000_000, 7), littleEndian);
      expect(written).toEqual(body);
    }
  });

  it('names the table of a body that is not headers, is cut short, holds more, or has other than its count of chains', () => {
    const b = new ChainHeadsBuilder(7, 1);
    b.add({ name: 'INPUT', builtin: true, policy: 'DROP', counters: { packets: 5, bytes: 300 }, line: 2 });
    b.add({ name: 'FORWARD', builtin: true, policy: 'ACCEPT', counters: null, line: 3 });
    const body = b.encode();
    expect(() => decodeChainHeads('p.db', 7, 1, 2, Buffer.from('not headers'))).toThrow(ModelError);
    expect(() => decodeChainHeads('p.db', 7, 1, 2, Buffer.from('not headers'))).toThrow(/the chains of rule table 7 are damaged \(not a chain header blob/);
    expect(() => decodeChainHeads('p.db', 7, 1, 2, body.subarray(0, body.length - 1))).toThrow(`rule table 7 are damaged (${body.length - 1} bytes where 2 chains take ${body.length})`);
    expect(() => decodeChainHeads('p.db', 7, 1, 2, Buffer.concat([body, Buffer.from([0])]))).toThrow(`(${body.length + 1} bytes where 2 chains take ${body.length})`);
    expect(() => decodeChainHeads('p.db', 7, 1, 3, body)).toThrow(/2 names for 3 chains/);
    const long = Buffer.from(body);
    long.writeUInt32LE(1000, 2);
    expect(() => decodeChainHeads('p.db', 7, 1, 2, long)).toThrow(/the names run past its end/);
  });

  it('stores an imported table in one row, and hands out ids above those of a deleted capture', () => {
    const p = project();
    const store = p.store();
    const capture = importPaths(store, [p.write('n1/iptables-save.txt', DUMP)], { node: 'n1' }).nodes[0]!.captures[0]!.id;
    const [tableId, firstId, count] = store.db.prepare('SELECT table_id, first_id, count FROM chain_heads').raw(true).get() as [number, number, number];
    expect(count).toBe(3);
    const heads = new ChainHeadsReader(store.db, store.path).of(tableId);
    expect(plain(heads).map((h) => h as { name: string; snat: boolean; counters: unknown }).map(({ name, snat, counters }) => [name, snat, counters])).toEqual([
      ['PREROUTING', false, [3, 180]], ['POSTROUTING', true, [0, 0]], ['KUBE-X', false, [0, 0]],
    ]);
    expect(nextChainId(store.db)).toBe(firstId + 3);
    expect(deleteCapture(store, capture).kind).toBe('done');
    expect(store.db.prepare('SELECT count(*) FROM chain_heads').pluck(true).get()).toBe(0);
    // The trashed chains keep their ids for an undo.
    expect(nextChainId(store.db)).toBe(firstId + 3);
  });

  it('says which table has no headers stored', () => {
    const p = project();
    const store = p.store();
    importPaths(store, [p.write('n1/iptables-save.txt', DUMP)], { node: 'n1' });
    const tableId = store.db.prepare('SELECT table_id FROM chain_heads').pluck(true).get() as number;
    store.db.prepare('DELETE FROM chain_heads').run();
    expect(() => new ChainHeadsReader(store.db, store.path).of(tableId)).toThrow(`rule table ${tableId} has no chains stored`);
    expect(() => store.lazyRulesetsOf(1)).toThrow(ModelError);
  });
});
