import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { projectFindings } from '../project/findings';

const project = useTempProject('kernel-trace-findings');
const fixture = (name: string): string => readFileSync(`test/fixtures/kernel-trace/${name}`, 'utf8');
const IP_ADDR = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
  '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  '    inet 127.0.0.1/8 scope host lo',
  '2: ks0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
  '    link/ether 6a:0c:ad:ab:11:fb brd ff:ff:ff:ff:ff:ff link-netns c',
  '    inet 10.77.0.2/24 scope global ks0',
  '',
].join('\n');

function findingsOf(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) project().write(`nodes/s/${name}`, text);
  project().write('nodes/s/ip-addr.txt', IP_ADDR);
  const store = project().store();
  expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
  return projectFindings(store).filter((f) => f.kind.startsWith('kernel-trace'));
}

describe('the kernel trace against the replay', () => {
  it('finds nothing to say when the kernel took the path the replay takes through the same ruleset', () => {
    expect(findingsOf({ 'iptables.txt': fixture('legacy-iptables-save.txt'), 'dmesg.txt': fixture('legacy-dmesg.txt') })).toEqual([]);
  });

  it('says where the kernel and the replay part when the captured ruleset is not the one the kernel ran', () => {
    const changed = fixture('legacy-iptables-save.txt').replace('-A KUBE-SVC -d 10.96.0.9/32', '-A KUBE-SVC -d 10.96.0.8/32 -j RETURN\n-A KUBE-SVC -d 10.96.0.9/32');
    const [f, ...rest] = findingsOf({ 'iptables.txt': changed, 'dmesg.txt': fixture('legacy-dmesg.txt') });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      kind: 'kernel-trace-disagrees', severity: 'warning', nodes: ['s'],
      title: 'On s the kernel took rule 2 of nat/KUBE-SVC where the replay takes rule 3 of nat/KUBE-SVC (tcp 10.77.0.1:52156 → 10.96.0.10:80)',
      trace: { node: 's', proto: 'tcp', src: '10.77.0.1:52156', dst: '10.96.0.10:80', in: 'ks0' },
      // No conntrack or packet capture made a flow of it: the trace alone did.
      flows: [1],
    });
    expect(f!.evidence.map((e) => e.source.replace(/^.*\//, ''))).toEqual(['dmesg.txt:3', 'iptables.txt:26', 'iptables.txt:27']);
    expect(f!.evidence[0]!.text).toContain('TRACE: nat:KUBE-SVC:rule:2 ');
  });

  it('ties a traced packet that ends at a DROP rule to that rule (xtables-monitor, with the ruleset)', () => {
    const [f, ...rest] = findingsOf({ 'iptables.txt': fixture('nft-iptables-save.txt'), 'monitor.txt': fixture('xtables-monitor-trace.txt') });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'kernel-trace-drop', severity: 'error', title: 'The kernel dropped tcp 10.77.0.1:40568 → 10.77.0.2:8081 on s at rule 1 of filter/INPUT (DROP)' });
    expect(f!.evidence.map((e) => e.text)).toEqual([
      'TRACE: 2 9abd61f1 filter:INPUT:rule:0x2:DROP  -4 -t filter -A INPUT -p tcp -m tcp --dport 8081 -j DROP',
      '-A INPUT -p tcp -m tcp --dport 8081 -j DROP',
    ]);
  });

  it('ties a drop from nft monitor trace by its verdict alone, without a ruleset, and names the flow of the packet', () => {
    // The client's SYN as tcpdump saw it arrive: a flow of packets, before the DNAT the trace shows.
    const syn = '1796000000.000001 IP 10.77.0.1.40568 > 10.96.0.11.80: Flags [S], seq 1, win 64240, length 0\n';
    const found = findingsOf({ 'monitor.txt': fixture('nft-monitor-trace.txt'), 'ks0.tcpdump.txt': syn });
    expect(found.map((f) => [f.kind, f.title])).toEqual([
      ['kernel-trace-drop', 'The kernel dropped tcp 10.77.0.1:40568 → 10.77.0.2:8081 on s at a rule of filter/INPUT (DROP)'],
    ]);
    expect(found[0]!.evidence[1]!.text).toBe('tcp dport 8081 counter packets 0 bytes 0 drop');
    expect(found[0]!.flows).toEqual([1]);
  });

  it('says where a walk stops before INPUT or FORWARD without a drop: the routing decision lost the packet', () => {
    // The SYN's walk as far as the DNAT, and the ACK's whole walk after it: the log goes on, the SYN's walk does not.
    const lines = fixture('legacy-dmesg.txt').split('\n');
    const found = findingsOf({ 'iptables.txt': fixture('legacy-iptables-save.txt'), 'dmesg.txt': `${[...lines.slice(0, 3), ...lines.slice(7, 11)].join('\n')}\n` });
    expect(found.map((f) => [f.kind, f.severity, f.title])).toEqual([
      ['kernel-trace-lost', 'error', 'The kernel\'s trace of tcp 10.77.0.1:52156 → 10.96.0.10:80 on s stops after nat/KUBE-SVC: no INPUT or FORWARD chain saw it'],
    ]);
    expect(found[0]!.explanation).toContain('(to 10.77.0.2:8080 by then)');
    expect(found[0]!.explanation).toContain('delivered locally on s — the captured routes do not show what stopped it');
    expect(found[0]!.evidence.map((e) => e.source.replace(/^.*\//, ''))).toEqual(['dmesg.txt:3']);
  });

  it('says nothing of a walk that stops in a grep of the log, which may have cut it', () => {
    const lines = fixture('legacy-dmesg.txt').split('\n');
    const transcript = ['root@s:~# dmesg | grep PREROUTING', ...lines.slice(0, 2), ''].join('\n');
    expect(findingsOf({ 'iptables.txt': fixture('legacy-iptables-save.txt'), 'session.txt': transcript })).toEqual([]);
  });

  it('reads an IPv6 packet\'s hooks in the ip6tables ruleset, not the iptables one of the same chain names', () => {
    const v4 = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
    const session = ['root@s:~# iptables-save', v4.trimEnd(), 'root@s:~# ip6tables-save', v4.replace(':INPUT ACCEPT', ':INPUT DROP').trimEnd(), ''].join('\n');
    const trace = '[10.000000] TRACE: filter:INPUT:policy:1 IN=ks0 OUT= MAC= SRC=fd00::1 DST=fd00::2 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=40000 DPT=80 WINDOW=64800 RES=0x00 SYN URGP=0\n';
    const found = findingsOf({ 'session.txt': session, 'dmesg.txt': trace });
    expect(found.map((f) => [f.kind, f.title])).toEqual([['kernel-trace-drop', 'The kernel dropped tcp fd00::1:40000 → fd00::2:80 on s at the filter/INPUT policy (DROP)']]);
    expect(found[0]!.evidence[1]!.text).toBe(':INPUT DROP [0:0] (ip6tables)');
  });

  it('ties a walk that ends at a DROP policy to the policy', () => {
    // The filter table comes first in the dump: its INPUT chain's policy.
    const save = fixture('legacy-iptables-save.txt').replace(/^:INPUT ACCEPT (\S+)$/m, ':INPUT DROP $1');
    // The walk of the SYN up to filter/INPUT's policy, where a DROP policy ends it.
    const dmesg = fixture('legacy-dmesg.txt').split('\n').slice(0, 6).join('\n');
    const found = findingsOf({ 'iptables.txt': save, 'dmesg.txt': `${dmesg}\n` });
    const drop = found.find((f) => f.kind === 'kernel-trace-drop');
    expect(drop?.title).toBe('The kernel dropped tcp 10.77.0.1:52156 → 10.77.0.2:8080 on s at the filter/INPUT policy (DROP)');
    expect(drop?.evidence.map((e) => e.text)).toContain(':INPUT DROP [3:164]');
  });
});
