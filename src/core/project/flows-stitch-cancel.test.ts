/** Cancelled stitching and reports store no flows; the next run stitches them whole. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { FlowStore } from '../model/flow-store';
import { buildReport } from './report';
import { CancelledError } from '../common/cancellation';
import { stitchFlows } from './flows-stitch';
import { useTempProject } from '../../../test/support/temp-project';

const LAB = path.join('test', 'fixtures', 'lab', 'nodes');
const project = useTempProject('stitch-cancel');

describe('cancelling flow stitching', () => {
  it('stores no flows when cancelled while reading captures, and stitches them whole afterwards', () => {
    const store = project().store();
    expect(importPaths(store, [LAB]).errors).toEqual([]);
    const controller = new AbortController();
    expect(() => stitchFlows(store, { signal: controller.signal, progress: () => controller.abort() })).toThrow(CancelledError);
    const flows = new FlowStore(store);
    expect(flows.flowCount()).toBe(0);
    const summary = stitchFlows(store);
    expect(summary.recomputed).toBe(true);
    expect(summary.flows).toBeGreaterThan(0);
    expect(flows.flowCount()).toBe(summary.flows);
  });

  it('passes a report\'s signal to the stitching it starts: cancelled, it stores no flows', () => {
    const store = project().store();
    expect(importPaths(store, [LAB]).errors).toEqual([]);
    const controller = new AbortController();
    let reads = 0;
    // Aborted once the stitching the report starts has read its first capture.
    const signal = { get aborted() { return controller.signal.aborted || ++reads > 2; } };
    expect(() => buildReport(store, { signal })).toThrow(/^stitching the flows was cancelled$/);
    expect(new FlowStore(store).flowCount()).toBe(0);
    controller.abort();
    expect(() => buildReport(store, { signal: controller.signal })).toThrow(/^the report was cancelled$/);
  });
});
