/**
 * A kernel trace that holds only a connection's replies (TRACE on the server's OUTPUT, a LOG rule matching replies):
 * the flow made of it runs client → server where the lines say its first packet was a reply (a SYN-ACK, an ICMP reply,
 * a source the node's ruleset DNATs to), and keeps the trace's direction, saying so, where nothing does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { stitchFlows } from './flows-stitch';
import { listFlows } from './flows';
import { TraceFlowCollector } from './trace-flows';
import type { KernelTraceEvent } from '../records/records';
import { parseKernelTrace } from '../capture/kernel-trace/kernel-trace';

const project = useTempProject('trace-flow-direction');
const fixture = (name: string): string => readFileSync(`test/fixtures/kernel-trace/${name}`, 'utf8');
/** The reply trace without its first line (the SYN-ACK), as a grep or tail of the log would leave it. */
const withoutSynAck = (): string => fixture('reply-trace-dmesg.txt').split('\n').slice(1).join('\n');

function onlyFlow(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) project().write(`nodes/s/${name}`, text);
  const store = project().store();
  expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
  stitchFlows(store);
  const [flow, ...rest] = listFlows(store, { observations: -1 });
  expect(rest).toEqual([]);
  expect(flow!.evidence).toBe('kernel-trace');
  return flow!;
}

const CLIENT = { src: '10.77.0.1', sport: 41964, dst: '10.77.0.2', dport: 8080 };
const SERVER = { src: '10.77.0.2', sport: 8080, dst: '10.77.0.1', dport: 41964 };

describe('a trace of replies only', () => {
  it('runs client → server when its first traced packet is a SYN-ACK, and says it was inferred from that line', () => {
    const flow = onlyFlow({ 'dmesg.txt': fixture('reply-trace-dmesg.txt') });
    expect([flow.original, flow.reply]).toEqual([CLIENT, SERVER]);
    expect(flow.timeline.notes.join('\n')).toMatch(/the trace begins with a reply: the first traced packet is a SYN-ACK \(.*dmesg\.txt:1\), the server's answer to a SYN; the original direction \(client → server\) is inferred/);
    expect(flow.timeline.notes.join('\n')).toMatch(/4 replies are traced/);
    // Its trace lines and the picture's points are the reply's.
    expect(new Set(flow.observations.filter((o) => o.kind === 'kernel-trace').map((o) => o.direction))).toEqual(new Set(['reply']));
    expect(flow.timeline.hops.map((h) => [h.direction, h.trace?.hook, h.packets])).toEqual([['reply', 'raw OUTPUT', 4]]);
  });

  it('runs client → server when, the SYN-ACK cut off, its source is where the node\'s ruleset DNATs to', () => {
    const flow = onlyFlow({ 'dmesg.txt': withoutSynAck(), 'iptables-save.txt': fixture('reply-iptables-save.txt') });
    expect([flow.original, flow.reply]).toEqual([CLIENT, SERVER]);
    expect(flow.timeline.notes.join('\n')).toMatch(/its source 10\.77\.0\.2:8080 is where .*iptables-save\.txt:9 DNATs to: it is that endpoint answering/);
  });

  it('keeps the trace\'s direction and says the client is unknown when nothing in the lines decides', () => {
    const flow = onlyFlow({ 'dmesg.txt': withoutSynAck() });
    expect([flow.original, flow.reply]).toEqual([SERVER, CLIENT]);
    expect(flow.timeline.notes.join('\n')).toMatch(/which side is the client is unknown: no SYN, ICMP type, nat table line or DNAT target/);
  });

  it('keeps a client\'s traced connection as it is, by its SYN, with no note on its direction', () => {
    const flow = onlyFlow({ 'dmesg.txt': fixture('legacy-dmesg.txt') });
    expect(flow.original).toEqual({ src: '10.77.0.1', sport: 52156, dst: '10.96.0.10', dport: 80 });
    expect(flow.timeline.notes.join('\n')).not.toMatch(/begins with a reply|is unknown/);
    const c = new TraceFlowCollector(() => false);
    c.addCapture('s', 'dmesg.txt', parseKernelTrace({ file: 'dmesg.txt', text: fixture('legacy-dmesg.txt'), firstLine: 1 }).events);
    expect(c.result()[0]!.direction).toEqual({ basis: 'traced', why: 'the first traced packet is a SYN (dmesg.txt:1)' });
  });
});

describe('the direction of an ICMP trace', () => {
  let line = 0;
  const icmp = (type: number, src: string, dst: string): KernelTraceEvent => ({
    format: 'kernel-log', traceId: null, host: null, time: { uptime: 10 + line / 1000, stamp: null, iso: null }, line: ++line, text: '',
    hook: { kind: 'policy', table: 'raw', chain: 'PREROUTING', position: 2, verdict: null }, in: 'eth0', out: null, mark: null,
    packet: { family: 'ipv4', proto: 'icmp', src, dst, sport: null, dport: null, icmp: { type, code: 0, id: 7 }, ipId: line, tcpFlags: null, length: 84 },
  });

  it('turns an echo reply round and keeps an echo request', () => {
    const c = new TraceFlowCollector(() => false);
    c.addCapture('n', 'log', [icmp(0, '10.0.0.2', '10.0.0.1')]);
    const [reply] = c.result();
    expect([reply!.original.src, reply!.original.dst, reply!.direction.basis]).toEqual(['10.0.0.1', '10.0.0.2', 'turned']);
    const d = new TraceFlowCollector(() => false);
    d.addCapture('n', 'log', [icmp(8, '10.0.0.1', '10.0.0.2')]);
    expect(d.result()[0]!.direction.basis).toBe('traced');
  });
});
