/**
 * The conflict check after an import's files are stored (their captures compared with the node's others) hears a
 * cancel: it stops with CHECKING_CONFLICTS, stores nothing, and the files stay imported.
 */
import { describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { CancelledError, sharedCancellation } from '../common/cancellation';
import { listNodes } from '../project/nodes';
import { useTempProject } from '../../../test/support/temp-project';
import { importPaths } from './import-paths';
import { CHECKING_CONFLICTS } from './import-pipeline';
import { LINES_PER_REPORT } from '../capture/text-input';
import { ipRouteText } from '../../../test/support/big-text-captures';

const LAB = path.join('test', 'fixtures', 'lab', 'nodes', 'nodea');
const project = useTempProject('conflict-cancel');

function cancelledBy(run: () => unknown): CancelledError {
  try {
    run();
  } catch (e) {
    if (e instanceof CancelledError) return e;
    throw e;
  }
  throw new Error('the import was not cancelled');
}

describe('cancelling the conflict check after an import', () => {
  for (const stitch of [false, true]) {
    it(`hears a cancel that came as the last file was stored (${stitch ? 'with' : 'without'} stitching after it), keeping every file`, () => {
      const store = project().store();
      const cancel = sharedCancellation();
      const files = [path.join(LAB, 'ip-addr.txt'), path.join(LAB, 'ip-route.txt')];
      // The last report of the last file comes after its records are stored: nothing of the file reads the flag after it.
      const e = cancelledBy(() => importPaths(store, files, {
        node: 'n', signal: cancel.signal, stitch,
        onProgress: (p) => {
          if (p.file === files[1] && p.bytesDone === p.bytesTotal && p.records > 0) cancel.cancel();
        },
      }));
      expect(e.what).toBe(CHECKING_CONFLICTS);
      expect(e.message).toBe('the check for conflicting captures was cancelled; every file of this call was imported whole; `natlens nodes` lists the conflicts among their captures');
      expect(listNodes(store).flatMap((n) => n.captures.map((c) => c.kind)).sort()).toEqual(['ip-addr', 'ip-route']);
    });
  }

  it('hears a cancel between the captures of the node it composes', () => {
    const store = project().store();
    const tables = [path.join(LAB, 'ip-route.txt'), path.join('test', 'fixtures', 'text', 'route-n.txt')];
    expect(importPaths(store, [tables[0]!], { node: 'n' }).errors).toEqual([]);
    const cancel = sharedCancellation();
    // Once the second table is stored, the check reads the node's route captures back, oldest first: the cancel comes
    // as it reads the first, and is heard before it reads the second.
    let stored = false;
    const reads: number[] = [];
    const routesOf = store.routesOf.bind(store);
    vi.spyOn(store, 'routesOf').mockImplementation((id, pause) => {
      reads.push(id);
      if (stored) cancel.cancel();
      return routesOf(id, pause);
    });
    const e = cancelledBy(() => importPaths(store, [tables[1]!], {
      node: 'n', signal: cancel.signal,
      onProgress: (p) => {
        if (p.bytesDone === p.bytesTotal && p.records > 0) stored = true;
      },
    }));
    expect(e.what).toBe(CHECKING_CONFLICTS);
    // The first table is small: the cancel is heard after it is read, before the second.
    expect(reads).toHaveLength(1);
    expect(listNodes(store).flatMap((n) => n.captures.map((c) => c.kind)).sort()).toEqual(['ip-route', 'route-table']);
  });

  it('hears a cancel while it reads a big route table back, not after', () => {
    const p = project();
    const store = p.store();
    const tables = [p.write('a/ip-route.txt', ipRouteText(5 * LINES_PER_REPORT)), p.write('b/ip-route.txt', ipRouteText(5 * LINES_PER_REPORT).replaceAll('metric 20', 'metric 30'))];
    expect(importPaths(store, [tables[0]!], { node: 'n' }).errors).toEqual([]);
    let stored = false;
    const routesOf = vi.spyOn(store, 'routesOf');
    const e = cancelledBy(() => importPaths(store, [tables[1]!], {
      // Raised as soon as the check starts reading the tables back.
      node: 'n', signal: { get aborted() { return stored && routesOf.mock.calls.length > 0; } },
      onProgress: (q) => {
        if (q.bytesDone === q.bytesTotal && q.records > 0) stored = true;
      },
    }));
    expect(e.what).toBe(CHECKING_CONFLICTS);
    expect(routesOf.mock.results.map((r) => r.type)).toEqual(['throw']);
  });

  it('does not read back the only route table of a node: no other can contradict it', () => {
    const store = project().store();
    const routesOf = vi.spyOn(store, 'routesOf');
    const report = importPaths(store, [path.join(LAB, 'ip-addr.txt'), path.join(LAB, 'ip-route.txt')], { node: 'n' });
    expect(report.errors).toEqual([]);
    expect(routesOf).not.toHaveBeenCalled();
  });
});
