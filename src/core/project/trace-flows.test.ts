import { describe, expect, it } from 'vitest';
import type { KernelTraceHook } from '../records/records';
import type { KernelTraceRow } from '../model/rows/kernel-trace';
import { TraceFlowCollector, traceFlowNotes } from './trace-flows';

let line = 0;
function row(traceId: string, hook: KernelTraceHook, src: string | null, sport: number | null, dst: string | null, dport: number | null, iso: string | null = null): KernelTraceRow {
  line++;
  return {
    captureId: 1, seq: line - 1, format: 'nft-monitor', traceId, host: null, time: { uptime: null, stamp: null, iso }, hook,
    in: 'eth0', out: null, packet: { family: 'ipv4', proto: src === null ? null : 'tcp', src, sport, dst, dport, icmp: null, ipId: null, tcpFlags: null, length: null },
    mark: null, line, text: `line ${line}`,
  };
}
const packet = (table: string, chain: string): KernelTraceHook => ({ kind: 'packet', table, chain });
const rule = (table: string, chain: string): KernelTraceHook => ({ kind: 'rule', table, chain, position: null, handle: 3, verdict: 'accept', ruleText: null });

describe('flows of a kernel trace', () => {
  it('sees an SNAT only where a later line shows the source changed, and a traced reply as the same flow', () => {
    line = 0;
    const c = new TraceFlowCollector(() => false);
    c.addCapture('n1', 'trace.txt', [
      row('a1', packet('nat', 'PREROUTING'), '10.0.0.5', 4000, '10.96.0.1', 443, '2026-12-07T22:00:01.000Z'),
      row('a1', rule('nat', 'PREROUTING'), null, null, null, null),
      row('a1', packet('filter', 'FORWARD'), '10.0.0.5', 4000, '10.244.1.7', 8443),
      // A later chain (a mangle POSTROUTING after nat, traced) shows the source rewritten.
      row('a1', packet('mangle', 'POSTROUTING'), '10.0.0.1', 61000, '10.244.1.7', 8443),
      row('b2', packet('filter', 'FORWARD'), '10.244.1.7', 8443, '10.0.0.1', 61000, '2026-12-07T22:00:02.000Z'),
    ]);
    const [flow, ...rest] = c.result();
    expect(rest).toEqual([]);
    expect(flow).toMatchObject({
      node: 'n1', proto: 6, nat: ['dnat', 'snat'], arrival: 'eth0', walks: 2, replies: 1, source: 'trace.txt:1', dnatSource: 'trace.txt:3',
      original: { src: '10.0.0.5', sport: 4000, dst: '10.96.0.1', dport: 443 },
      reply: { src: '10.244.1.7', sport: 8443, dst: '10.0.0.1', dport: 61000 },
      firstSeen: Date.parse('2026-12-07T22:00:01.000Z') / 1000, lastSeen: Date.parse('2026-12-07T22:00:02.000Z') / 1000,
      cutAt: null, end: { hook: 'mangle/POSTROUTING', source: 'trace.txt:4' },
    });
    expect(traceFlowNotes(flow!).join('\n')).toMatch(/1 reply is traced/);
  });

  it('makes no flow of a walk whose tuple a conntrack entry or packet carries, and counts walks that show no addresses', () => {
    line = 0;
    const known = new TraceFlowCollector((t) => t.dst === '10.244.1.7');
    known.addCapture('n1', 'trace.txt', [
      row('a1', packet('nat', 'PREROUTING'), '10.0.0.5', 4000, '10.96.0.1', 443),
      row('a1', packet('filter', 'FORWARD'), '10.0.0.5', 4000, '10.244.1.7', 8443),
      row('c3', rule('raw', 'PREROUTING'), null, null, null, null),
    ]);
    expect(known.result()).toEqual([]);
    expect([known.known, known.unaddressed, known.firstUnaddressed]).toEqual([1, 1, 'trace.txt:3']);
  });

  it('keeps a walk without a rewrite untranslated, its reply the tuple turned round', () => {
    line = 0;
    const c = new TraceFlowCollector(() => false);
    c.addCapture('n1', 'trace.txt', [row('a1', packet('raw', 'OUTPUT'), '10.0.0.5', 4000, '10.0.0.9', 22)]);
    expect(c.result().map((f) => [f.nat, f.reply, f.firstSeen])).toEqual([[[], { proto: 6, src: '10.0.0.9', sport: 22, dst: '10.0.0.5', dport: 4000 }, null]]);
  });
});
