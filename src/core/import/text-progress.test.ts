/**
 * A large text capture (a busy node's conntrack table, a long tcpdump text, a transcript holding one) reports progress
 * by bytes while it is read and stored, and a cancel heard there stores nothing of the file.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, sharedCancellation } from '../common/cancellation';
import { LINES_PER_REPORT } from '../capture/text-input';
import { conntrackText, tcpdumpText } from '../../../test/support/big-text-captures';
import { useTempProject } from '../../../test/support/temp-project';
import type { Store } from '../model/store';
import { captureReaders, importPaths } from './import-paths';
import { importPathsWith } from './import-pipeline';
import type { ImportProgress } from './import-report';

const project = useTempProject('text-progress');
const ENTRIES = 5 * LINES_PER_REPORT + 123;

function rows(store: Store, table: 'conntrack' | 'captures' | 'nodes' | 'packets'): number {
  return store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

function conntrackRows(store: Store): unknown[] {
  return store.db.prepare('SELECT * FROM conntrack ORDER BY id').raw().all();
}

describe('progress of a large text capture', () => {
  for (const [kind, text, records] of [
    ['conntrack', conntrackText(ENTRIES), ENTRIES],
    ['tcpdump-text', tcpdumpText(ENTRIES), ENTRIES],
  ] as const) {
    it(`reports a ${kind} file by bytes as it is read and stored, and ends at the whole file with every record`, () => {
      const p = project();
      const file = p.write(`${kind}.txt`, text);
      const seen: ImportProgress[] = [];
      const report = importPaths(p.store(), [file], { node: 'n', onProgress: (q) => seen.push({ ...q }) });
      expect(report.errors).toEqual([]);
      expect(report.nodes[0]?.captures[0]).toMatchObject({ kind, records });
      const during = seen.slice(0, -1);
      expect(during.length).toBeGreaterThanOrEqual(5);
      for (let i = 0; i < during.length; i++) {
        const q = during[i]!;
        expect(q.bytesDone).toBeGreaterThan(i === 0 ? 0 : during[i - 1]!.bytesDone!);
        expect(q.bytesDone).toBeLessThan(text.length);
        // Every line before the one reported is stored (ASCII: characters are bytes), but for tcpdump's last: its
        // reader holds a packet until the next line shows it has no continuation lines.
        const linesBefore = text.slice(0, q.bytesDone!).split('\n').length - 1;
        expect(q.records).toBeLessThanOrEqual(linesBefore);
        expect(q.records).toBeGreaterThanOrEqual(kind === 'conntrack' ? linesBefore : linesBefore - 1);
      }
      expect(seen[seen.length - 1]).toEqual({ file, bytesDone: text.length, bytesTotal: text.length, records });
    });

    it(`stores nothing of a ${kind} file cancelled while it is stored, and all of it later`, () => {
      const p = project();
      const store = p.store();
      const file = p.write(`${kind}.txt`, text);
      const cancel = sharedCancellation();
      let reports = 0;
      expect(() =>
        importPaths(store, [file], {
          node: 'n', signal: cancel.signal,
          onProgress: () => {
            if (++reports === 2) cancel.cancel();
          },
        }),
      ).toThrow(CancelledError);
      expect(reports).toBe(2);
      expect([rows(store, 'nodes'), rows(store, 'captures'), rows(store, 'conntrack'), rows(store, 'packets')]).toEqual([0, 0, 0, 0]);
      const again = importPaths(store, [file], { node: 'n' });
      expect(again.nodes[0]?.captures[0]?.records).toBe(records);
    });
  }

  it('hears a cancel after the last line of a big conntrack table is read, before it is committed', () => {
    const p = project();
    const store = p.store();
    const file = p.write('conntrack.txt', conntrackText(ENTRIES));
    const cancel = sharedCancellation();
    const seen: ImportProgress[] = [];
    expect(() =>
      importPaths(store, [file], {
        node: 'n', signal: cancel.signal,
        onProgress: (q) => {
          seen.push({ ...q });
          // The last report while lines are read (every LINES_PER_REPORT lines): none comes after it before the commit.
          if (q.records === Math.floor(ENTRIES / LINES_PER_REPORT) * LINES_PER_REPORT) cancel.cancel();
        },
      }),
    ).toThrow(CancelledError);
    expect(seen.map((q) => q.records)).toEqual([1, 2, 3, 4, 5].map((k) => k * LINES_PER_REPORT));
    expect([rows(store, 'captures'), rows(store, 'conntrack')]).toEqual([0, 0]);
  });

  it('stores nothing of a transcript cancelled inside its big conntrack output', () => {
    const p = project();
    const store = p.store();
    const file = p.write('session.txt', `root@node-a:~# ip route\ndefault via 10.0.0.1 dev eth0\nroot@node-a:~# conntrack -L\n${conntrackText(ENTRIES)}root@node-a:~# exit\n`);
    const cancel = sharedCancellation();
    const seen: ImportProgress[] = [];
    expect(() =>
      importPaths(store, [file], {
        signal: cancel.signal,
        onProgress: (q) => {
          seen.push({ ...q });
          if ((q.bytesDone ?? 0) > 1000 && q.records > 0) cancel.cancel();
        },
      }),
    ).toThrow(/^the import of .*session\.txt was cancelled; nothing of that file was stored/);
    // Cancelled inside the conntrack output, after the route was stored and before the last entry.
    expect(seen[seen.length - 1]!.records).toBeLessThan(ENTRIES);
    expect([rows(store, 'nodes'), rows(store, 'captures'), rows(store, 'conntrack')]).toEqual([0, 0, 0]);
  });
});

describe('a large conntrack table streamed into the store', () => {
  it('stores the same rows as one read whole, into an empty project and beside another table', () => {
    const p = project();
    const first = p.write('a/conntrack.txt', conntrackText(ENTRIES));
    const second = p.write('b/conntrack.txt', conntrackText(ENTRIES + 7).replaceAll('10.96.0.10', '10.96.0.11'));
    const streamed = p.store('streamed.db');
    const whole = p.store('whole.db');
    const { parseConntrackUnit: _, ...readers } = captureReaders;
    for (const file of [first, second]) {
      expect(importPaths(streamed, [file]).errors).toEqual([]);
      expect(importPathsWith(readers, whole, [file]).errors).toEqual([]);
    }
    expect(rows(streamed, 'conntrack')).toBe(2 * ENTRIES + 7);
    expect(conntrackRows(streamed)).toEqual(conntrackRows(whole));
    expect(streamed.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
