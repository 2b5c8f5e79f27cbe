import { describe, expect, it } from 'vitest';
import type { FlowDetailJson, ObservationJson } from '../../shared/contract/flow-json';
import { kernelTraceRows } from './kernel-trace-rows';

const base: ObservationJson = {
  node: 's', interface: 'ks0', source: 'dmesg.txt:3', time: null, packet: { src: '10.77.0.1', sport: 52156, dst: '10.96.0.10', dport: 80 },
  proto: 'tcp', kind: 'kernel-trace', interfaceFrom: null, timeInferred: false, timeBasis: null, twins: [], netns: null, alignedTime: null,
  clockOffset: 0, clockAligned: false, direction: 'original', stage: 'pre-NAT', tcpFlags: 'SYN', seq: null, ack: null, length: 60, captureId: 2,
  frame: null, tunnel: null, traceTime: { uptime: 85447.184064, stamp: null },
  hook: {
    type: 'rule', table: 'nat', chain: 'KUBE-SVC', rule: 2, handle: null, verdict: null, ruleText: null, ruleFrom: null, ruleSource: null, prefix: null, in: 'ks0', out: null,
    mark: '0x4000', traceId: null, format: 'kernel-log',
  },
};

const detail = (observations: ObservationJson[]): FlowDetailJson => ({ observations } as unknown as FlowDetailJson);

describe('kernel trace rows of a flow', () => {
  it('names the hook, the packet as it was there and the line\'s own time', () => {
    const policy: ObservationJson = {
      ...base, source: 'monitor.txt:8', time: '2026-12-07T22:57:06.000Z', stage: 'post-NAT', packet: { ...base.packet, dst: '10.77.0.2', dport: 8081 },
      hook: { ...base.hook!, type: 'policy', table: 'filter', chain: 'FORWARD', rule: null, verdict: 'DROP', in: 'eth0', out: 'cbr0', mark: null, format: 'xtables-monitor' },
    };
    const log: ObservationJson = { ...base, hook: { ...base.hook!, type: 'log', table: null, chain: null, rule: null, prefix: 'nlkt-in:' } };
    const packet: ObservationJson = { ...base, kind: 'packet', hook: undefined };
    const fromRuleset: ObservationJson = { ...base, hook: { ...base.hook!, ruleText: '-A KUBE-SVC -j DNAT --to-destination 10.77.0.2:8080', ruleFrom: 'ruleset', ruleSource: 'iptables.txt:26' } };
    expect(kernelTraceRows(detail([fromRuleset])).map((r) => [r.rule, r.ruleNote])).toEqual([['-A KUBE-SVC -j DNAT --to-destination 10.77.0.2:8080', 'captured ruleset, iptables.txt:26']]);
    expect(kernelTraceRows(detail([packet, base, policy, log])).map((r) => [r.where, r.hook, r.verdict, r.tuple, r.stage, r.at, r.mark, r.source])).toEqual([
      ['s · ks0', 'nat/KUBE-SVC rule 2', '', '10.77.0.1:52156 → 10.96.0.10:80', 'pre-NAT', '[85447.184064]', '0x4000', 'dmesg.txt:3'],
      ['s · eth0 → cbr0', 'filter/FORWARD policy', 'DROP', '10.77.0.1:52156 → 10.77.0.2:8081', 'post-NAT', '2026-12-07T22:57:06.000Z', '', 'monitor.txt:8'],
      ['s · ks0', 'LOG "nlkt-in:"', '', '10.77.0.1:52156 → 10.96.0.10:80', 'pre-NAT', '[85447.184064]', '0x4000', 'dmesg.txt:3'],
    ]);
  });
});
