/** A cancelled import stores nothing of the file it was reading; files before it stay whole. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { listNodes } from '../project/nodes';
import { importPaths } from './import-paths';
import { CancelledError, sharedCancellation } from '../common/cancellation';
import { useTempProject } from '../../../test/support/temp-project';

const TRANSCRIPT = path.join('test', 'fixtures', 'lab', 'transcripts', 'nodea.txt');
const ROUTES = path.join('test', 'fixtures', 'lab', 'nodes', 'nodea', 'ip-route.txt');

const project = useTempProject('import-cancel');

describe('cancelling an import', () => {
  it('rolls back a transcript cancelled after its first unit was stored', () => {
    const store = project().store();
    const controller = new AbortController();
    const run = (): unknown =>
      importPaths(store, [TRANSCRIPT], { node: 'n', signal: controller.signal, onProgress: () => controller.abort() });
    expect(run).toThrow(CancelledError);
    expect(run).toThrow(/^the import of .*nodea\.txt was cancelled; nothing of that file was stored, and nothing of this call was stored$/);
    expect(listNodes(store)).toEqual([]);
  });

  it('keeps the files stored before the cancelled one, and imports the cancelled file whole later', () => {
    const store = project().store();
    const cancel = sharedCancellation();
    let files = 0;
    expect(() =>
      importPaths(store, [ROUTES, TRANSCRIPT], {
        node: 'n', signal: cancel.signal,
        onProgress: (p) => {
          if (p.file.endsWith('nodea.txt') && ++files === 1) cancel.cancel();
        },
      }),
    ).toThrow(/nodea\.txt was cancelled; nothing of that file was stored, and the 1 file before it is stored whole/);
    expect(listNodes(store).flatMap((n) => n.captures.map((c) => c.kind))).toEqual(['ip-route']);
    const again = importPaths(store, [TRANSCRIPT], { node: 'n' });
    expect(again.errors).toEqual([]);
    expect(again.nodes[0]?.captures.length).toBeGreaterThan(1);
  });

  it('stores nothing when cancelled before it starts', () => {
    const store = project().store();
    const controller = new AbortController();
    controller.abort();
    expect(() => importPaths(store, [ROUTES], { signal: controller.signal })).toThrow(CancelledError);
    expect(listNodes(store)).toEqual([]);
  });
});
