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
    const files = [path.join(LAB, 'ip-addr.txt'), path.join(LAB, 'ip-route.txt')];
    expect(importPaths(store, [files[0]!], { node: 'n' }).errors).toEqual([]);
    const cancel = sharedCancellation();
    // Once the ip route is stored, the check reads the node's captures back, oldest first: the cancel comes as it reads
    // the addresses, and is heard before it reads the routes.
    let stored = false;
    const reads: string[] = [];
    const interfacesOf = store.interfacesOf.bind(store);
    const routesOf = store.routesOf.bind(store);
    vi.spyOn(store, 'interfacesOf').mockImplementation((id) => {
      reads.push('interfaces');
      if (stored) cancel.cancel();
      return interfacesOf(id);
    });
    vi.spyOn(store, 'routesOf').mockImplementation((id) => {
      reads.push('routes');
      return routesOf(id);
    });
    const e = cancelledBy(() => importPaths(store, [files[1]!], {
      node: 'n', signal: cancel.signal,
      onProgress: (p) => {
        if (p.bytesDone === p.bytesTotal && p.records > 0) stored = true;
      },
    }));
    expect(e.what).toBe(CHECKING_CONFLICTS);
    expect(reads).toEqual(['interfaces']);
    expect(listNodes(store).flatMap((n) => n.captures.map((c) => c.kind)).sort()).toEqual(['ip-addr', 'ip-route']);
  });
});
