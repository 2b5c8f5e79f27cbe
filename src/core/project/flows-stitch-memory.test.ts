import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { STITCH_PAGE_CACHE_KIB, stitchFlows } from './flows-stitch';

const project = useTempProject('flow-memory');

const PACKETS = [
  '1795473825.667900 IP 10.0.0.9.40000 > 10.96.0.10.53: Flags [S], seq 1, win 64240, length 0',
  '1795473825.668900 IP 10.96.0.10.53 > 10.0.0.9.40000: Flags [S.], seq 2, ack 2, win 64240, length 0',
  '',
].join('\n');

describe('what a stitch holds in memory', () => {
  it('reads the packets with a small SQLite page cache and gives the store its own back after', () => {
    project().write('nodea/eth0.tcpdump.txt', PACKETS);
    const store = project().store();
    expect(importPaths(store, [project().file('nodea')]).errors).toEqual([]);
    const own = store.db.pragma('cache_size', { simple: true });
    const seen: unknown[] = [];
    stitchFlows(store, { force: true, progress: () => seen.push(store.db.pragma('cache_size', { simple: true })) });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([-STITCH_PAGE_CACHE_KIB]));
    expect(store.db.pragma('cache_size', { simple: true })).toBe(own);
  });
});
