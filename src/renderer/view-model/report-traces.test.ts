import { describe, expect, it } from 'vitest';
import { MAX_REPORT_TRACES } from '../../shared/contract/api';
import type { TraceRequestJson } from '../../shared/contract/trace-request';
import { ReportTraceList, reportTraceKey } from './report-traces';

const trace = (dport: number): TraceRequestJson => ({ node: 'nodea', proto: 'tcp', src: '10.40.1.3', dst: '10.96.0.10', dport, in: 'veth-a1', local: false, follow: true });

describe('report trace list', () => {
  it('adds each request once, in order, and tells listeners of every change', () => {
    const list = new ReportTraceList();
    let changes = 0;
    const stop = list.subscribe(() => changes++);
    expect(list.add(trace(80))).toBe('added');
    expect(list.add(trace(443))).toBe('added');
    expect(list.add({ ...trace(80), snapshot: null })).toBe('already');
    expect(list.requests().map((r) => r.dport)).toEqual([80, 443]);
    expect(changes).toBe(2);
    const before = list.snapshot();
    list.remove(reportTraceKey(trace(80)));
    expect(list.snapshot()).not.toBe(before);
    expect(list.requests().map((r) => r.dport)).toEqual([443]);
    expect(list.has(trace(80))).toBe(false);
    stop();
    list.remove(reportTraceKey(trace(443)));
    expect(changes).toBe(3);
  });

  it('holds no more traces than one report request may carry', () => {
    const list = new ReportTraceList();
    for (let i = 0; i < MAX_REPORT_TRACES; i++) expect(list.add(trace(1000 + i))).toBe('added');
    expect(list.add(trace(1))).toBe('full');
    expect(list.requests()).toHaveLength(MAX_REPORT_TRACES);
  });
});
