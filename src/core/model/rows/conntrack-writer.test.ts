/** Conntrack rows written as they are read, into a table with no tuple index (migration 20 dropped them). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConntrack } from '../../capture/conntrack/conntrack';
import { useTempProject } from '../../../../test/support/temp-project';
import { databaseAtVersion } from '../schema-version.fixture';
import { SCHEMA_VERSION } from '../schema';
import { Store } from '../store';

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

const indexes = (db: Store['db']): string[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'conntrack' ORDER BY name").pluck().all() as string[];
const count = (store: Store): number => store.db.prepare('SELECT count(*) FROM conntrack').pluck().get() as number;

describe('conntrackWriter', () => {
  it('stores each entry as it is added, into a table indexed by capture only', () => {
    const store = project().store();
    store.transaction(() => {
      const writer = store.conntrackWriter(capture(store));
      for (let i = 0; i < 1000; i++) writer.add(entries[i % 2]!);
      writer.flush();
    });
    expect(count(store)).toBe(1000);
    expect(indexes(store.db)).toEqual(['conntrack_capture']);
  });

  it('leaves no row when the transaction throws before it commits (a cancel)', () => {
    const store = project().store();
    const stop = new Error('cancelled');
    expect(() =>
      store.transaction(() => {
        const writer = store.conntrackWriter(capture(store));
        for (const e of entries) writer.add(e);
        writer.flush();
        throw stop;
      }),
    ).toThrow(stop);
    expect(count(store)).toBe(0);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('schema migration 20 (conntrack without tuple indexes)', () => {
  it('drops the two tuple indexes of a version 19 project and keeps its entries', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-mig20-'));
    const file = path.join(dir, 'p.db');
    try {
      const db = databaseAtVersion(file, 19);
      expect(indexes(db)).toEqual(['conntrack_capture', 'conntrack_original', 'conntrack_reply']);
      db.close();
      const store = Store.open(file);
      try {
        expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(indexes(store.db)).toEqual(['conntrack_capture']);
        store.transaction(() => {
          const writer = store.conntrackWriter(capture(store));
          for (const e of entries) writer.add(e);
          writer.flush();
        });
        expect(count(store)).toBe(2);
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
