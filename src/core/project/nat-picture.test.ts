/**
 * The NAT picture's layout on the kernel labs: lanes in path order, one arrow per sighting in time
 * order with what changed since the previous sighting of its direction and the rule that did it, the
 * replay's predicted points beside them, the first difference marked, and a long flow summarised.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../../../test/support/temp-project';
import { projectFlowDivergence } from './flow-divergence';
import { stitchFlows } from './flows-stitch';
import { listFlows, type FlowView } from './flows';
import { importPaths } from '../import/import-paths';
import type { TimelineHop } from '../views/flow-timeline';
import { changeText, layoutNatPicture, type NatPicture } from '../views/nat-picture';

const fixture = (name: string): string => path.resolve(process.cwd(), 'test/fixtures', name, 'nodes');

function pictureOf(p: TempProject, match: (f: FlowView) => boolean): { flow: FlowView; picture: NatPicture } {
  const flow = listFlows(p.store()).find(match);
  if (flow === undefined) throw new Error('no such flow in the lab');
  const d = projectFlowDivergence(p.store(), flow.id);
  const comparison = d?.kind === 'replayed' ? d.comparison : null;
  return { flow, picture: layoutNatPicture({ ...flow.timeline, comparison }) };
}

const labels = (p: NatPicture): string[] => p.lanes.map((l) => l.label);
const laneName = (p: NatPicture, i: number | null): string => (i === null ? 'sender' : p.lanes[i]!.label);

describe('the NAT picture on the two-node lab', () => {
  const lab = tempProject('nat-picture-lab');
  beforeAll(() => {
    expect(importPaths(lab.store(), [fixture('lab')]).errors).toEqual([]);
    stitchFlows(lab.store());
  });
  afterAll(() => lab.cleanup());

  it('draws a NodePort flow DNATed and SNATed on nodeb: three lanes, the rewrite at cbr0 with its rules, the reply undone at eth0', () => {
    const { flow, picture } = pictureOf(lab, (f) => f.original.sport === 41001 && f.original.dport === 30080);
    expect(labels(picture)).toEqual(['nodeb · eth0', 'nodeb · cbr0', 'nodeb · veth-b1']);
    const path = picture.arrows.map((a) => `${a.direction} ${laneName(picture, a.from)} > ${laneName(picture, a.to)}`);
    expect(path).toEqual([
      'original sender > nodeb · eth0', 'original nodeb · eth0 > nodeb · cbr0', 'original nodeb · cbr0 > nodeb · veth-b1',
      'reply sender > nodeb · veth-b1', 'reply nodeb · veth-b1 > nodeb · cbr0', 'reply nodeb · cbr0 > nodeb · eth0',
    ]);
    const atCbr0 = picture.arrows[1]!;
    expect(atCbr0.changes.map(changeText)).toEqual(['src 192.168.56.100:41001 → 10.40.2.1:41001', 'dst 192.168.56.12:30080 → 10.40.2.2:8080']);
    expect(atCbr0.segments.filter((s) => s.changed).map((s) => s.text)).toEqual(['10.40.2.1:41001', '10.40.2.2:8080']);
    const rules = atCbr0.rewrites.map((i) => flow.timeline.rewrites[i]!);
    expect(rules.map((r) => [r.kind, r.chain, r.line])).toEqual([['masquerade', 'KUBE-POSTROUTING', 36], ['dnat', 'KUBE-SEP-ZP3FB6NMPNCO4VBJ', 40]]);
    // Arrows without a change name no rule; the reply's de-NAT names the rules it undoes.
    expect(picture.arrows[0]!.changes).toEqual([]);
    expect(picture.arrows[0]!.rewrites).toEqual([]);
    const undone = picture.arrows[5]!;
    expect(undone.changes.map(changeText)).toEqual(['src 10.40.2.2:8080 → 192.168.56.12:30080', 'dst 10.40.2.1:41001 → 192.168.56.100:41001']);
    expect(undone.rewrites.map((i) => flow.timeline.rewrites[i]!.kind).sort()).toEqual(['dnat', 'masquerade']);
    // Arrows go down in time order; a reply runs from right to left.
    expect(picture.arrows.map((a) => a.y)).toEqual([...picture.arrows.map((a) => a.y)].sort((a, b) => a - b));
    expect(undone.x2).toBeLessThan(undone.x1);
    expect(picture.arrows.slice(0, 3).map((a) => a.status)).toEqual(['agree', 'agree', 'agree']);
    expect(picture.predicted.map((a) => `${a.side} ${laneName(picture, a.to)} ${a.status}`)).toEqual(['in nodeb · eth0 agree', 'out nodeb · cbr0 agree']);
    expect(picture.divergence).toBeNull();
    expect(picture.conntrack).toHaveLength(1);
    expect(picture.conntrack[0]).toMatchObject({ node: 'nodeb', flags: 'TIME_WAIT [ASSURED] DNAT+SNAT' });
    expect([picture.conntrack[0]!.original, picture.conntrack[0]!.reply]).toEqual(['original 192.168.56.100:41001 → 192.168.56.12:30080', 'reply 10.40.2.2:8080 → 10.40.2.1:41001']);
    // Each row's text sits above its arrow, and rows never overlap.
    for (const [i, a] of picture.arrows.entries()) {
      expect(a.textY).toBeLessThan(a.y);
      expect(a.top).toBeLessThan(a.textY);
      if (i > 0) expect(a.top).toBeGreaterThanOrEqual(picture.arrows[i - 1]!.bottom);
    }
    expect(picture.arrows[1]!.changeY).toHaveLength(2);
    expect(picture.arrows[0]!.changeY).toEqual([]);
    expect(picture.summary).toContain('6 sightings across 3 capture points');
  });

  it('orders a cluster-IP flow\'s lanes along its path across both nodes, with the predicted hops on them', () => {
    const { picture } = pictureOf(lab, (f) => f.original.sport === 40001 && f.original.dst === '10.96.0.10');
    expect(labels(picture)).toEqual(['nodea · veth-a2', 'nodea · cbr0', 'nodea · eth0', 'nodeb · eth0', 'nodeb · cbr0', 'nodeb · veth-b1']);
    expect(picture.lanes.map((l) => l.x)).toEqual([...picture.lanes.map((l) => l.x)].sort((a, b) => a - b));
    const rewritten = picture.arrows.filter((a) => a.changes.length > 0);
    expect(rewritten.map((a) => `${a.direction} at ${laneName(picture, a.to)}: ${a.changes.map(changeText).join('; ')}`)).toEqual([
      'original at nodea · eth0: src 10.40.1.3:40001 → 192.168.56.11:40001; dst 10.96.0.10:80 → 10.40.2.2:8080',
      'reply at nodea · cbr0: src 10.40.2.2:8080 → 10.96.0.10:80; dst 192.168.56.11:40001 → 10.40.1.3:40001',
    ]);
    expect(picture.predicted.map((a) => laneName(picture, a.to))).toEqual(['nodea · veth-a2', 'nodea · eth0', 'nodeb · eth0', 'nodeb · cbr0']);
    // The predicted band sits under the captured one, on the same lanes.
    expect(Math.min(...picture.predicted.map((a) => a.y))).toBeGreaterThan(Math.max(...picture.arrows.map((a) => a.y)));
    expect(picture.laneBottom).toBeGreaterThan(Math.max(...picture.predicted.map((a) => a.y)));
  });
});

describe('the NAT picture on the hairpin lab', () => {
  const hairpin = tempProject('nat-picture-hairpin');
  beforeAll(() => {
    expect(importPaths(hairpin.store(), [fixture('lab-hairpin')]).errors).toEqual([]);
    stitchFlows(hairpin.store());
  });
  afterAll(() => hairpin.cleanup());

  it('shows each rewrite where the bridge saw it, and marks where the capture leaves the replay', () => {
    const { flow, picture } = pictureOf(hairpin, (f) => f.original.sport === 42001);
    expect(labels(picture)).toEqual(['nodea · veth-a1', 'nodea · cbr0']);
    const originals = picture.arrows.filter((a) => a.direction === 'original');
    expect(originals.map((a) => a.changes.map(changeText).join('; '))).toEqual([
      '', 'dst 10.96.0.10:80 → 10.40.1.2:8080', 'src 10.40.1.2:42001 → 10.40.1.1:42001', 'src 10.40.1.1:42001 → 10.40.1.2:42001',
    ]);
    expect(originals.map((a) => a.rewrites.map((i) => flow.timeline.rewrites[i]!.kind))).toEqual([[], ['dnat'], ['masquerade'], []]);
    // The same lane twice in a row: an arrow that starts and ends there.
    expect(originals[3]!.from).toBe(originals[3]!.to);
    const first = picture.arrows.filter((a) => a.firstDivergence);
    expect(first).toHaveLength(1);
    expect(first[0]!).toMatchObject({ direction: 'original', status: 'unpredicted' });
    expect(laneName(picture, first[0]!.to)).toBe('nodea · cbr0');
    expect(picture.divergence).toMatch(/^First difference at nodea cbr0/);
    expect(picture.summary).toContain(picture.divergence!);
  });
});

describe('a flow with many sightings', () => {
  const hop = (i: number): TimelineHop => {
    const t = { src: '10.0.0.1', sport: 1000, dst: '10.0.0.2', dport: 80 };
    return {
      node: `n${i % 3}`, interface: 'eth0', netns: null, direction: 'original', before: t, after: t, translated: { dnat: false, snat: false },
      explanation: 'seen', firstTime: i, lastTime: i, alignedFirstTime: i, packets: 2, evidence: 'observed',
    };
  };

  it('draws the first arrows and counts the rest with their packets', () => {
    const hops = Array.from({ length: 10_000 }, (_, i) => hop(i));
    const picture = layoutNatPicture({ hops, rewrites: [], conntrack: [], comparison: null }, { maxArrows: 25 });
    expect(picture.arrows).toHaveLength(25);
    expect(picture.omitted).toMatchObject({ arrows: 9_975, packets: 19_950 });
    expect(picture.lanes).toHaveLength(3);
    expect(picture.predictedTitleY).toBeNull();
    expect(picture.height).toBeLessThan(26 * 40 + 200);
    expect(picture.summary).toContain('10000 sightings across 3 capture points');
  });
});
