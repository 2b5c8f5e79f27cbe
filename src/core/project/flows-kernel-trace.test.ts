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

describe('a kernel trace alone', () => {
  const TCPDUMP = '1795473825.667900 IP 10.77.0.1.52156 > 10.96.0.10.80: Flags [S], seq 3215859919, win 64240, length 0\n';

  it('makes the traced connection a flow: the first line\'s tuple, the DNAT a later line shows, the rules\' rewrite, the lines as observations', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8'));
    project().write('nodes/s/iptables.txt', readFileSync('test/fixtures/kernel-trace/legacy-iptables-save.txt', 'utf8'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    expect(stitchFlows(store).flows).toBe(1);
    const flows = listFlows(store);
    expect(flows).toHaveLength(1);
    const [flow] = flows;
    expect(flow).toMatchObject({
      proto: 'tcp', evidence: 'kernel-trace', packets: 0, nat: ['dnat'],
      original: { src: '10.77.0.1', sport: 52156, dst: '10.96.0.10', dport: 80 },
      // The SYN's walk shows the DNAT'd destination; no SNAT shows, so none is assumed.
      reply: { src: '10.77.0.2', sport: 8080, dst: '10.77.0.1', dport: 52156 },
    });
    const traced = flow!.observations.filter((o) => o.kind === 'kernel-trace');
    expect(traced).toHaveLength(15);
    expect(flow!.observations).toHaveLength(15);
    expect(traced.map((o) => o.stage).slice(0, 4)).toEqual(['pre-NAT', 'pre-NAT', 'pre-NAT', 'post-NAT']);
    const [rewrite] = flow!.timeline.rewrites;
    expect(flow!.timeline.rewrites).toHaveLength(1);
    expect(rewrite).toMatchObject({ node: 's', kind: 'dnat', to: '10.77.0.2:8080', chain: 'KUBE-SVC', line: 26, evidence: 'rules' });
    const notes = flow!.timeline.notes.join('\n');
    expect(notes).toMatch(/from the kernel's trace alone \(.*dmesg\.txt:1, 3 traced packets\)/);
    expect(notes).toMatch(/destination rewritten at .*dmesg\.txt:4/);
    expect(notes).toMatch(/no reply is traced/);
    expect(flowDetail(store, flow!.id)!.observations.filter((o) => o.kind === 'kernel-trace')).toHaveLength(15);
  });

  it('leaves a flow a conntrack entry makes as it was: one flow, of conntrack, with the trace lines on it', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8'));
    project().write('nodes/s/conntrack.txt', CONNTRACK);
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    const flows = listFlows(store);
    expect(flows.map((f) => [f.evidence, f.nat, f.observations.filter((o) => o.kind === 'kernel-trace').length])).toEqual([['conntrack', ['dnat'], 15]]);
    expect(flows[0]!.timeline.notes.join('\n')).not.toMatch(/trace alone/);
  });

  it('leaves a flow captured packets make as it was', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8'));
    project().write('nodes/s/eth0.tcpdump.txt', TCPDUMP);
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    // The packet's flow knows no DNAT, so the lines before it attach (as before); a walk it carries makes no flow of its own.
    expect(listFlows(store).map((f) => [f.evidence, f.packets, f.observations.filter((o) => o.kind === 'kernel-trace').length])).toEqual([['packets', 1, 5]]);
  });

  it('makes a flow of a traced connection beside one that only packets show', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8'));
    project().write('nodes/s/eth0.tcpdump.txt', TCPDUMP.replace('52156', '52157'));
    const other = project().store();
    expect(importPaths(other, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(other);
    expect(listFlows(other).map((f) => [f.id, f.evidence, f.original.sport])).toEqual([[1, 'packets', 52157], [2, 'kernel-trace', 52156]]);
  });

  it('numbers a trace flow among the others by first time seen where its lines are dated (journalctl -o short-iso)', () => {
    const journal = readFileSync('test/fixtures/kernel-trace/legacy-dmesg.txt', 'utf8')
      .replace(/^\[8544(\d)\.(\d{6})\] /gm, '2026-12-07T22:57:0$1.$2+0000 s kernel: ');
    project().write('nodes/s/journal.txt', journal);
    // 22:57:00 and 22:57:10 around the traced connection's 22:57:07 (other ISNs: not one connection by sequence numbers).
    project().write('nodes/s/eth0.tcpdump.txt', [
      '1796684220.000000 IP 10.77.0.1.52157 > 10.96.0.10.80: Flags [S], seq 1, win 64240, length 0',
      '1796684230.000000 IP 10.77.0.1.52158 > 10.96.0.10.80: Flags [S], seq 77, win 64240, length 0',
      '',
    ].join('\n'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    expect(stitchFlows(store)).toMatchObject({ flows: 3, tracedFlows: 1 });
    expect(listFlows(store).map((f) => [f.id, f.evidence, f.original.sport, f.firstSeen?.slice(0, 22)])).toEqual([
      [1, 'packets', 52157, '2026-12-07T22:57:00.00'],
      [2, 'kernel-trace', 52156, '2026-12-07T22:57:07.18'],
      [3, 'packets', 52158, '2026-12-07T22:57:10.00'],
    ]);
  });

  it('warns of traced packets whose lines show no addresses (a grep that kept nft\'s rule lines only), naming the first', () => {
    const rules = readFileSync('test/fixtures/kernel-trace/nft-monitor-trace.txt', 'utf8').split('\n').filter((l) => !l.includes('packet:')).join('\n');
    project().write('nodes/s/nft-trace.txt', rules);
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    const summary = stitchFlows(store);
    expect(summary).toMatchObject({ flows: 0, tracedFlows: 0 });
    expect(summary.warnings).toEqual([expect.stringMatching(/^1 traced packet\(s\) of the kernel trace show no IP addresses and protocol, the first at .*nft-trace\.txt:1: no flow was made of them$/)]);
  });

  it('takes the first line shown as the original tuple where the walk was cut, and says so', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/legacy-dmesg-T.txt', 'utf8'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    const [flow, ...rest] = listFlows(store);
    expect(rest).toEqual([]);
    expect(flow).toMatchObject({ evidence: 'kernel-trace', nat: [], original: { src: '10.77.0.1', sport: 52156, dst: '10.77.0.2', dport: 8080 } });
    expect(flow!.timeline.notes.join('\n')).toMatch(/begins at filter\/INPUT, not at PREROUTING or OUTPUT/);
  });

  it('is stitched again when stored by an older stitcher: no flow before, the trace flow after', () => {
    project().write('nodes/s/dmesg.txt', readFileSync('test/fixtures/kernel-trace/nft-monitor-trace.txt', 'utf8'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    // What stitch-8 stored of this project: no flow.
    store.db.prepare('DELETE FROM flows').run();
    store.db.prepare("UPDATE flow_generation SET generation = replace(generation, 'stitch-9|', 'stitch-8|')").run();
    expect(stitchFlows(store).recomputed).toBe(true);
    expect(listFlows(store).map((f) => [f.evidence, f.nat, f.original.dst, f.reply.src, f.reply.sport])).toEqual([['kernel-trace', ['dnat'], '10.96.0.11', '10.77.0.2', 8081]]);
    expect(stitchFlows(store).recomputed).toBe(false);
  });
});
