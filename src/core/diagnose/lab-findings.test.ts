/**
 * The healthy kernel lab (test/fixtures/lab: two nodes, a ClusterIP and a NodePort service, pings,
 * captures on every interface): normal traffic gives no error and no warning, and every flow's first
 * packet is replayed where it was first captured.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stitchFlows } from '../project/flows-stitch';
import { listFlows } from '../project/flows';
import { importPaths } from '../import/import-paths';
import type { Store } from '../model/store';
import { useTempProject } from '../../../test/support/temp-project';
import { replayFlow } from '../project/flow-replay';
import { projectFindings } from '../project/findings';

const LAB = path.resolve(__dirname, '../../../test/fixtures/lab/nodes');

describe('findings on the healthy lab', () => {
  const project = useTempProject('lab-findings', 'all');
  let store: Store;
  beforeAll(() => {
    store = project().store();
    expect(importPaths(store, [LAB]).errors).toEqual([]);
  });

  it('finds no error and no warning in normal traffic', () => {
    const findings = projectFindings(store);
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('replays each flow from the interface its first packet was captured on', () => {
    stitchFlows(store);
    const flows = listFlows(store, { observations: 1 });
    expect(flows.length).toBeGreaterThan(0);
    for (const flow of flows) {
      const replay = replayFlow(store, flow.id);
      expect(replay?.kind, `flow ${flow.id}`).toBe('replayed');
      if (replay?.kind !== 'replayed') continue;
      const first = flow.observations[0]!;
      expect(replay.sighting).toMatchObject({ node: first.node, interface: first.interface, from: 'packet' });
      expect(replay.basis).toEqual({ kind: 'observed', interface: first.interface });
      expect(replay.request).toMatchObject({ node: first.node, in: first.interface, src: first.packet.src, dst: first.packet.dst });
      expect(replay.result.outcomes.every((o) => o.verdict === 'forward' || o.verdict === 'deliver'), `flow ${flow.id}`).toBe(true);
    }
  });

  it('answers null for a flow that does not exist', () => {
    expect(replayFlow(store, 99_999)).toBeNull();
  });
});
