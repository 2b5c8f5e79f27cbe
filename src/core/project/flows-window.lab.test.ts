/**
 * Stitching in a time window (flows parked while quiet, taken back when they speak again) must give exactly
 * the flows of stitching with everything in memory: each kernel-lab project is stitched twice, once with
 * conntrack's window and once parking every other flow after every packet, and every stored flow, its
 * observations, the clock and the findings are compared.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { Store } from '../model/store';
import { FlowStore } from '../model/flow-store';
import { stitchFlows } from './flows-stitch';
import type { QuietWindow } from '../correlate/flow-builder';
import { listFlows } from './flows';
import { projectFindings } from './findings';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');
const PROJECTS = ['lab/nodes', 'lab-hairpin/nodes', 'lab-hairpin-nomasq/nodes', 'lab-faults/forward-drop/nodes', 'lab-faults/asymmetric-reply/nodes', 'lab-faults/stale-endpoint/nodes'];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function stitched(project: string, window?: QuietWindow): Store {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-window-'));
  dirs.push(dir);
  const store = Store.open(path.join(dir, 'p.db'));
  const report = importPaths(store, [path.join(FIXTURES, project)]);
  expect(report.errors).toEqual([]);
  stitchFlows(store, { force: true, ...(window ? { window } : {}) });
  return store;
}

describe('stitching in a time window', () => {
  for (const project of PROJECTS) {
    it(`gives the same flows, observations, clock and findings on ${project} when every flow is parked after each packet`, () => {
      const whole = stitched(project);
      const parked = stitched(project, { openSeconds: 0, closedSeconds: 0, maxLiveFlows: 1, cachedTuples: 1, everyPackets: 1 });
      try {
        const flows = listFlows(whole);
        expect(flows.length).toBeGreaterThan(0);
        expect(listFlows(parked)).toEqual(flows);
        expect(new FlowStore(parked).clock()).toEqual(new FlowStore(whole).clock());
        expect(projectFindings(parked)).toEqual(projectFindings(whole));
      } finally {
        whole.close();
        parked.close();
      }
    });
  }
});
