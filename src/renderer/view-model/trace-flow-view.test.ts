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
import { hopDetail, natPictureOf } from './nat-picture-view';
import { changeText } from '../../shared/contract/nat-picture';

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
    // The hops are the trace's points: named by their hook, undated as dmesg's lines are.
    expect(view.hops.map((h) => [h.at, h.iface, h.stage, h.tuple, h.packets])).toEqual([
      ['—', 'raw PREROUTING (kernel trace)', 'pre-NAT', '10.77.0.1:52156 → 10.96.0.10:80', '×3'],
      ['—', 'nat PREROUTING (kernel trace)', 'post-NAT', '10.77.0.1:52156 → 10.77.0.2:8080', '×1'],
      ['—', 'filter INPUT (kernel trace)', 'post-NAT', '10.77.0.1:52156 → 10.77.0.2:8080', '×2'],
    ]);
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
    // No capture point: the NAT picture draws the trace's points, the DNAT where the trace shows it, and opens its lines.
    const picture = natPictureOf(detail, flowDivergence(project, { id: row.id }));
    expect(picture.arrows.map((a) => [picture.lanes[a.to]!.label, a.changes.map(changeText).join('; ')])).toEqual([
      ['s · raw PREROUTING', ''], ['s · nat PREROUTING', 'dst 10.96.0.10:80 → 10.77.0.2:8080'], ['s · filter INPUT', ''],
    ]);
    const hop = hopDetail(picture, 1, detail)!;
    expect(hop.title).toBe('Hop 2 · s · nat PREROUTING · original');
    expect(hop.rules.map((r) => [r.title, r.by])).toEqual([['DNAT on s → 10.77.0.2:8080', 'nat/KUBE-SVC']]);
    // Its trace lines: the DNAT rule's and the one that shows the new destination; no 'packets loaded' count.
    expect(hop.packets.map((p) => p.source.replace(/^.*\//, ''))).toEqual(['dmesg.txt:3', 'dmesg.txt:4']);
    expect(hop.packetsNote).toBeNull();
  });
});
