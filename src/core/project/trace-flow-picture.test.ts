/**
 * A flow the kernel's trace alone shows, drawn: its timeline's hops are the trace's points (the tuple entering the
 * trace, and where a rewrite shows), so the NAT picture, the CLI and the report show the DNAT at nat PREROUTING.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { changeText, layoutNatPicture } from '../views/nat-picture';
import { renderNatPictureSvg } from '../report/nat-picture-svg';
import { renderReportMarkdown } from '../report/report-markdown';
import { stitchFlows } from './flows-stitch';
import { flowDetail, listFlows } from './flows';
import { buildReport } from './report';
import { projectFlowDivergence } from './flow-divergence';

const project = useTempProject('trace-flow-picture');

function traceOnly(files: Record<string, string>) {
  for (const [name, fixture] of Object.entries(files)) project().write(`nodes/s/${name}`, readFileSync(`test/fixtures/kernel-trace/${fixture}`, 'utf8'));
  const store = project().store();
  expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
  stitchFlows(store);
  const [flow, ...rest] = listFlows(store);
  expect(rest).toEqual([]);
  expect(flow!.evidence).toBe('kernel-trace');
  return { store, flow: flowDetail(store, flow!.id)! };
}

describe('the NAT picture of a flow the kernel trace alone shows', () => {
  it('draws the tuple entering raw PREROUTING and the DNAT at nat PREROUTING, each with its trace line', () => {
    const { flow } = traceOnly({ 'dmesg.txt': 'legacy-dmesg.txt', 'iptables.txt': 'legacy-iptables-save.txt' });
    const hops = flow.timeline.hops;
    expect(hops.map((h) => [h.trace?.hook, h.direction, `${h.after.dst}:${h.after.dport}`, h.packets, h.evidence])).toEqual([
      ['raw PREROUTING', 'original', '10.96.0.10:80', 3, 'kernel-trace'],
      ['nat PREROUTING', 'original', '10.77.0.2:8080', 1, 'kernel-trace'],
      // The ACK and FIN pass no nat rule: conntrack rewrites them, and the trace shows it first in filter INPUT.
      ['filter INPUT', 'original', '10.77.0.2:8080', 2, 'kernel-trace'],
    ]);
    expect(hops[1]!.trace!.source).toMatch(/dmesg\.txt:4$/);
    expect(hops[1]!.trace!.rule).toMatchObject({ name: 'nat KUBE-SVC rule 2' });
    expect(hops[1]!.trace!.rule!.source).toMatch(/dmesg\.txt:3$/);
    expect(hops[1]!.explanation).toMatch(/^post-NAT: rewritten at nat PREROUTING by nat KUBE-SVC rule 2 \(.*dmesg\.txt:3\)/);
    expect(hops[0]!.trace!.dated).toBe(false);

    const picture = layoutNatPicture({ ...flow.timeline, comparison: null });
    expect(picture.lanes.map((l) => l.label)).toEqual(['s · raw PREROUTING', 's · nat PREROUTING', 's · filter INPUT']);
    const dnat = picture.arrows[1]!;
    expect(dnat.changes.map(changeText)).toEqual(['dst 10.96.0.10:80 → 10.77.0.2:8080']);
    expect(dnat.trace).toMatch(/dmesg\.txt:4$/);
    // The rewrite the timeline lists (the replay's DNAT rule, with its file:line) is the one this arrow shows.
    expect(dnat.rewrites.map((i) => flow.timeline.rewrites[i]!.kind)).toEqual(['dnat']);
    expect(picture.summary).toMatch(/^NAT timeline: 3 sightings across 3 points of the kernel's trace/);
    expect(renderNatPictureSvg(picture, 't')).toMatch(/kernel trace [^<]*dmesg\.txt:4/);
  });

  it('keeps the trace points out of the replay comparison: they are where the replay starts, not captured sightings', () => {
    const { store, flow } = traceOnly({ 'dmesg.txt': 'legacy-dmesg.txt', 'iptables.txt': 'legacy-iptables-save.txt' });
    const divergence = projectFlowDivergence(store, flow.id);
    expect(divergence?.kind).toBe('replayed');
    if (divergence?.kind !== 'replayed') return;
    expect(divergence.comparison?.rows.filter((r) => r.captured !== null)).toEqual([]);
  });

  it('is drawn from nft monitor trace lines too, the DNAT rule named by its chain', () => {
    const { flow } = traceOnly({ 'trace.txt': 'nft-monitor-trace.txt' });
    expect(flow.timeline.hops.map((h) => [h.trace?.hook, `${h.after.dst}:${h.after.dport}`, h.trace?.rule?.name ?? null])).toEqual([
      ['raw PREROUTING', '10.96.0.11:80', null],
      ['nat PREROUTING', '10.77.0.2:8081', 'nat KUBE-SVC rule'],
    ]);
  });

  it('is in the report: the picture and the hop table name the trace points', () => {
    const { store } = traceOnly({ 'dmesg.txt': 'legacy-dmesg.txt', 'iptables.txt': 'legacy-iptables-save.txt' });
    const report = buildReport(store);
    const flow = report.flows.shown.find((f) => f.evidence === 'kernel-trace')!;
    expect(flow.picture).not.toBeNull();
    // The trace's points, and the interface the replay (from the trace's first line) predicts the packet at.
    expect(flow.picture!.lanes.map((l) => l.label)).toEqual(['s · raw PREROUTING', 's · nat PREROUTING', 's · filter INPUT', 's · ks0']);
    expect(flow.picture!.arrows[1]!.changes.map(changeText)).toEqual(['dst 10.96.0.10:80 → 10.77.0.2:8080']);
    expect(flow.hops[1]).toMatchObject({ traceHook: 'nat PREROUTING', time: null, tuple: expect.stringContaining('10.77.0.2:8080') });
    expect(renderReportMarkdown(report)).toContain('s · nat PREROUTING (kernel trace)');
  });
});
