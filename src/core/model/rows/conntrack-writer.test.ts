/** Conntrack rows written as they are read: a big table's tuple indexes are dropped, then built again at flush. */
import { describe, expect, it } from 'vitest';
import { parseConntrack } from '../../capture/conntrack/conntrack';
import { useTempProject } from '../../../../test/support/temp-project';
import type { Store } from '../store';

const project = useTempProject('conntrack-writer');
const TEXT = [
  'tcp      6 431999 ESTABLISHED src=10.244.1.1 dst=10.96.0.10 sport=1024 dport=80 src=10.244.2.1 dst=10.244.1.1 sport=8080 dport=1024 [ASSURED] mark=0 use=1',
  'icmp     1 29 src=10.244.1.2 dst=10.244.2.2 type=8 code=0 id=7 src=10.244.2.2 dst=10.244.1.2 type=0 code=0 id=7 mark=0 use=1',
].join('\n');
const { entries } = parseConntrack({ file: 'c.txt', text: TEXT, firstLine: 1 });

function capture(store: Store, hash = 'h'): number {
  return store.insertCapture({
    nodeId: store.ensureNode('n'), sourceId: null, kind: 'conntrack', namespace: null, sourceFile: 'c.txt', firstLine: 1, lastLine: 2,
    command: null, partial: false, contentHash: hash, takenAt: null,
  });
}

const indexes = (store: Store): string[] =>
  store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'conntrack' ORDER BY name").pluck().all() as string[];
const count = (store: Store): number => store.db.prepare('SELECT count(*) FROM conntrack').pluck().get() as number;

describe('conntrackWriter', () => {
  it('builds the two tuple indexes again for a big table, pausing before each', () => {
    const store = project().store();
    let pauses = 0;
    store.transaction(() => {
      const writer = store.conntrackWriter(capture(store), 50_000, () => pauses++);
      expect(indexes(store)).toEqual(['conntrack_capture']);
      for (const e of entries) writer.add(e);
      writer.flush();
    });
    expect(pauses).toBe(2);
    expect(indexes(store)).toEqual(['conntrack_capture', 'conntrack_original', 'conntrack_reply']);
    expect(count(store)).toBe(2);
  });

  it('keeps the indexes for a small table, or one smaller than the rows stored', () => {
    const store = project().store();
    let pauses = 0;
    store.transaction(() => {
      const writer = store.conntrackWriter(capture(store), 10, () => pauses++);
      expect(indexes(store)).toHaveLength(3);
      for (let i = 0; i < 30_000; i++) writer.add(entries[i % 2]!);
      writer.flush();
    });
    store.transaction(() => {
      // 25,000 expected beside 30,000 stored: a rebuild would sort more rows than it saves inserting.
      const writer = store.conntrackWriter(capture(store, 'h2'), 25_000, () => pauses++);
      expect(indexes(store)).toHaveLength(3);
      writer.flush();
    });
    expect(pauses).toBe(0);
  });

  it('leaves the indexes and no row when a pause throws (a cancel), the transaction rolled back', () => {
    const store = project().store();
    const stop = new Error('cancelled');
    expect(() =>
      store.transaction(() => {
        const writer = store.conntrackWriter(capture(store), 50_000, () => {
          throw stop;
        });
        for (const e of entries) writer.add(e);
        writer.flush();
      }),
    ).toThrow(stop);
    expect(indexes(store)).toEqual(['conntrack_capture', 'conntrack_original', 'conntrack_reply']);
    expect(count(store)).toBe(0);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
