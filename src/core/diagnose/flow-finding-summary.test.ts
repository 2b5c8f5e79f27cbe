import { describe, expect, it } from 'vitest';
import type { ProjectFinding } from './finding';
import { findingList } from './finding-list';
import { FINDING_FLOW_LIMIT, FlowFindingSummaries, SUMMARY_THRESHOLD, isPerFlow, unlistedFlows } from './flow-finding-summary';

const oneSided = (id: number, node = 'a'): ProjectFinding => ({
  id: `one-sided-tcp:${id}`, severity: 'error', kind: 'one-sided-tcp', title: `flow ${id} tcp: no SYN-ACK`, explanation: `flow ${id} explained`,
  nodes: [node], service: null, flows: [id], evidence: [{ source: `f.pcap#${id}`, text: `packet ${id}` }], trace: null,
});

describe('per-flow findings summarised by class', () => {
  it('gives a class of at most SUMMARY_THRESHOLD findings back unchanged, and one summary for a larger one', () => {
    const s = new FlowFindingSummaries();
    for (let id = 1; id <= SUMMARY_THRESHOLD; id++) s.add(oneSided(id, 'small'));
    for (let id = 1000; id > 0; id -= 3) s.add(oneSided(id + 5000, 'big'));
    const out = s.findings();
    expect(out.filter((f) => f.nodes[0] === 'small')).toEqual(Array.from({ length: SUMMARY_THRESHOLD }, (_, i) => oneSided(i + 1, 'small')));
    const big = out.filter((f) => f.nodes[0] === 'big');
    expect(big).toHaveLength(1);
    expect(big[0]).toMatchObject({ id: 'one-sided-tcp:flows:error:big', kind: 'one-sided-tcp', severity: 'error', flowCount: 334 });
    expect(big[0]!.flows).toHaveLength(FINDING_FLOW_LIMIT);
    expect(big[0]!.flows).toEqual([...big[0]!.flows].sort((a, b) => a - b));
    expect(big[0]!.evidence.length).toBeLessThanOrEqual(8);
    expect(big[0]!.explanation).toContain('334 captured flows give this same finding');
    expect(unlistedFlows(big[0]!)).toBe(334 - FINDING_FLOW_LIMIT);
    expect(isPerFlow(big[0]!)).toBe(false);
  });

  it('joins findings of one id listing their first flows and counting them all, a summary\'s unlisted flows included', () => {
    const rule = (ids: number[], flowCount?: number): ProjectFinding => ({ ...oneSided(0), id: 'packet-dropped:a:filter/FORWARD:policy', kind: 'packet-dropped', flows: ids, ...(flowCount ? { flowCount } : {}) });
    const all = [...Array.from({ length: 300 }, (_, i) => rule([300 - i])), rule([1, 2]), rule([400, 401], 50)];
    const [joined] = findingList(all);
    expect(joined!.flows).toEqual(Array.from({ length: FINDING_FLOW_LIMIT }, (_, i) => i + 1));
    expect(joined!.flowCount).toBe(302 + 48);
    expect(findingList([oneSided(7)])[0]).toEqual({ ...oneSided(7), flowCount: 1 });
  });
});
