/** Chain headers stored one row per table: read back as written, damage named, ids never shared with the trash. */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../../test/support/temp-project';
import { importPaths } from '../../import/import-paths';
import { deleteCapture } from '../../project/project-edits';
import { ModelError } from '../model-error';
import { ChainHeadsBuilder, ChainHeadsReader, decodeChainHeads, encodeChainHeads, HEAD_FIELDS, nextChainId } from './chain-heads';

const project = useTempProject('chain-heads');

const DUMP = ['*nat', ':PREROUTING ACCEPT [3:180]', ':POSTROUTING ACCEPT [0:0]', ':KUBE-X - [0:0]', '-A POSTROUTING -j SNAT --to-source 192.0.2.1', 'COMMIT', ''].join('\n');

describe('chain headers', () => {
  it('reads back each header as written, counters and SNAT flag included', () => {
    const b = new ChainHeadsBuilder(7, 100);
    b.add({ name: 'INPUT', builtin: true, policy: 'DROP', counters: { packets: 5, bytes: 300 }, line: 2 });
    b.add({ name: 'KUBE-\u001b[2J', builtin: false, policy: null, counters: null, line: 3 });
    b.markSnat([101, 99, 102]);
    expect(b.count).toBe(2);
    expect(decodeChainHeads('p.db', 7, 2, encodeChainHeads(b.heads))).toEqual(['INPUT', 1, 'DROP', 5, 300, 2, 0, 'KUBE-\u001b[2J', 0, null, null, null, 3, 1]);
  });

  it('names the table of a body that does not inflate, or holds other than its count of headers', () => {
    expect(() => decodeChainHeads('p.db', 7, 1, Buffer.from('not deflate'))).toThrow(ModelError);
    expect(() => decodeChainHeads('p.db', 7, 1, Buffer.from('not deflate'))).toThrow(/the chains of rule table 7 do not read/);
    const short = deflateRawSync(Buffer.from(JSON.stringify(['INPUT', 1, 'DROP', null, null, 2, 0])));
    expect(() => decodeChainHeads('p.db', 7, 2, short)).toThrow(/rule table 7 are damaged \(not 2 chain headers\)/);
    const nameless = deflateRawSync(Buffer.from(JSON.stringify([5, 1, 'DROP', null, null, 2, 0])));
    expect(() => decodeChainHeads('p.db', 7, 1, nameless)).toThrow(/chain 1 has no name or line/);
  });

  it('stores an imported table in one row, and hands out ids above those of a deleted capture', () => {
    const p = project();
    const store = p.store();
    const capture = importPaths(store, [p.write('n1/iptables-save.txt', DUMP)], { node: 'n1' }).nodes[0]!.captures[0]!.id;
    const [tableId, firstId, count] = store.db.prepare('SELECT table_id, first_id, count FROM chain_heads').raw(true).get() as [number, number, number];
    expect(count).toBe(3);
    const heads = new ChainHeadsReader(store.db, store.path).of(tableId).heads;
    expect(Array.from({ length: count }, (_, k) => [heads[k * HEAD_FIELDS], heads[k * HEAD_FIELDS + 6]])).toEqual([['PREROUTING', 0], ['POSTROUTING', 1], ['KUBE-X', 0]]);
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
