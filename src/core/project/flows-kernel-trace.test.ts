import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { stitchFlows } from './flows-stitch';
import { flowDetail, flowViewsByIds, listFlows } from './flows';

const project = useTempProject('flow-kernel-trace');
const CONNTRACK = 'tcp      6 117 TIME_WAIT src=10.77.0.1 dst=10.96.0.10 sport=52156 dport=80 src=10.77.0.2 dst=10.77.0.1 sport=8080 dport=52156 [ASSURED] mark=0 use=1\n';

describe('kernel trace lines as observations of their flow', () => {
  it('shows each traced hook of the flow, before and after the DNAT, with its table, chain, type and rule', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8'));
    project().write('nodes/s/conntrack.txt', CONNTRACK);
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    const [flow] = listFlows(store);
    expect(flow!.nat).toEqual(['dnat']);
    const traced = flow!.observations.filter((o) => o.kind === 'kernel-trace');
    // Every line of the fixture is a packet of this one connection.
    expect(traced).toHaveLength(15);
    expect(traced.slice(0, 5).map((o) => [o.hook!.type, o.hook!.table, o.hook!.chain, o.hook!.rule ?? o.hook!.prefix, `${o.packet.dst}:${o.packet.dport}`, o.stage])).toEqual([
      ['policy', 'raw', 'PREROUTING', 3, '10.96.0.10:80', 'pre-NAT'],
      ['rule', 'nat', 'PREROUTING', 1, '10.96.0.10:80', 'pre-NAT'],
      ['rule', 'nat', 'KUBE-SVC', 2, '10.96.0.10:80', 'pre-NAT'],
      ['rule', 'filter', 'INPUT', 1, '10.77.0.2:8080', 'post-NAT'],
      ['log', null, null, 'nlkt-in:', '10.77.0.2:8080', 'post-NAT'],
    ]);
    expect(traced[0]).toMatchObject({ node: 's', interface: 'ks0', time: null, traceTime: { uptime: 85447.18404, stamp: null } });
    expect(traced[0]!.source).toMatch(/dmesg\.txt:1$/);
    expect(flowDetail(store, flow!.id)!.observations.filter((o) => o.kind === 'kernel-trace')).toHaveLength(15);
    // A later page of the flow's packets, or a page of the flow table, brings none again.
    expect(flowDetail(store, flow!.id, { offset: 5 })!.observations.filter((o) => o.kind === 'kernel-trace')).toEqual([]);
    expect(flowViewsByIds(store, [flow!.id], 0)[0]!.observations.filter((o) => o.kind === 'kernel-trace')).toEqual([]);
  });

  it('leaves a flow of other addresses without trace observations', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8'));
    project().write('nodes/s/conntrack.txt', CONNTRACK.replace(/52156/g, '52157'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    expect(listFlows(store)[0]!.observations.map((o) => o.kind)).toEqual(['conntrack']);
  });
});

describe('the rule a legacy trace line names', () => {
  it('is read from the node\'s captured ruleset, with its file:line, and said to come from there', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8'));
    project().write('nodes/s/conntrack.txt', CONNTRACK);
    project().write('nodes/s/iptables.txt', readFileSync('test/fixtures/kernel-trace/legacy-iptables-save.txt', 'utf8'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    const traced = listFlows(store)[0]!.observations.filter((o) => o.kind === 'kernel-trace');
    const dnat = traced.find((o) => o.hook?.chain === 'KUBE-SVC')!.hook!;
    expect(dnat).toMatchObject({ rule: 2, ruleText: '-A KUBE-SVC -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.77.0.2:8080', ruleFrom: 'ruleset' });
    expect(dnat.ruleSource).toMatch(/iptables\.txt:26$/);
    const policy = traced.find((o) => o.hook?.type === 'policy' && o.hook.table === 'filter')!.hook!;
    expect(policy).toMatchObject({ ruleText: null, ruleFrom: null });
    expect(policy.ruleSource).toMatch(/iptables\.txt:3$/);
    expect(traced.find((o) => o.hook?.type === 'log')!.hook).toMatchObject({ ruleText: null, ruleSource: null });
  });
});
