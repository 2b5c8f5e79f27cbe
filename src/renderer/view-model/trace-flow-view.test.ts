/** A flow the kernel's trace alone shows, opened in the Flows tab: read through the same operations the UI calls. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreStoreOpener } from '../../shared/backend/core-backend';
import { flowDetail, flowDivergence, listFlows } from '../../shared/backend/handlers';
import { Project } from '../../shared/backend/project';
import type { FlowDetailJson, FlowRowJson } from '../../shared/contract/flow-json';
import { flowDetailView, flowTableRow } from './flow-table';
import { kernelTraceRows } from './kernel-trace-rows';
import { natPictureOf } from './nat-picture-view';

const FIXTURES = path.resolve(process.cwd(), 'test/fixtures/kernel-trace');
let dir: string;
let project: Project;
let row: FlowRowJson;
let detail: FlowDetailJson;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-trace-flow-view-'));
  const node = path.join(dir, 'nodes', 's');
  fs.mkdirSync(node, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'legacy-dmesg.txt'), path.join(node, 'dmesg.txt'));
  fs.copyFileSync(path.join(FIXTURES, 'legacy-iptables-save.txt'), path.join(node, 'iptables-save.txt'));
  project = new Project(path.join(dir, 'p.db'), coreStoreOpener());
  await project.write((store) => store.importPaths([path.join(dir, 'nodes')], {}, () => {}));
  const flows = listFlows(project, { offset: 0, limit: 50 }).flows;
  expect(flows).toHaveLength(1);
  row = flows[0]!;
  detail = flowDetail(project, { id: row.id });
});

afterAll(() => {
  project.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a flow of the kernel trace alone in the Flows tab', () => {
  it('lists as observed, from the kernel\'s trace, with its DNAT and no packets', () => {
    expect(flowTableRow(row)).toMatchObject({
      proto: 'TCP', original: '10.77.0.1:52156 → 10.96.0.10:80', reply: '10.77.0.2:8080 → 10.77.0.1:52156', nat: ['DNAT'], packets: '0',
      evidence: 'observed', evidenceNote: 'the kernel\'s own trace of its packets; no conntrack entry or captured packet',
    });
  });

  it('opens: the rewrite the rules make, the trace lines with their rules, and what the trace does not show', () => {
    const view = flowDetailView(detail);
    expect(view.title).toBe('Flow 1 · TCP 10.77.0.1:52156 → 10.96.0.10:80');
    expect(view.hops).toEqual([]);
    expect(view.noHops).toBe('No packet of this flow was captured: the kernel\'s trace of its packets below is all that shows it.');
    expect(view.rewrites.map((r) => [r.kind, r.before, r.after, r.where, r.evidence])).toEqual([
      ['DNAT', '10.77.0.1:52156 → 10.96.0.10:80', '10.77.0.1:52156 → 10.77.0.2:8080', 'nat/KUBE-SVC · line 26', 'rules'],
    ]);
    expect(view.notes[0]).toMatch(/^from the kernel's trace alone/);
    const rows = kernelTraceRows(detail);
    expect(rows).toHaveLength(15);
    expect(rows.slice(0, 4).map((r) => [r.hook, r.stage])).toEqual([
      ['raw/PREROUTING policy', 'pre-NAT'], ['nat/PREROUTING rule 1', 'pre-NAT'], ['nat/KUBE-SVC rule 2', 'pre-NAT'], ['filter/INPUT rule 1', 'post-NAT'],
    ]);
    expect(rows[2]!.ruleNote).toMatch(/^captured ruleset, .*iptables-save\.txt:26$/);
    // No capture point and no conntrack entry: the NAT picture has nothing to draw (the panel shows none), the rewrite list and the trace table say it.
    const picture = natPictureOf(detail, flowDivergence(project, { id: row.id }));
    expect([picture.arrows, picture.conntrack]).toEqual([[], []]);
  });
});
