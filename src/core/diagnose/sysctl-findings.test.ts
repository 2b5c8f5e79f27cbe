import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { projectFindings } from '../project/findings';
import { nodeFrom } from '../simulate/test-support/capture-world';
import { tempProject, type TempProject } from '../../../test/support/temp-project';
import { kernelSettingFindings } from './sysctl-findings';

const FIXTURES = 'test/fixtures/sysctl';
const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup();
});

/** The lab router's captures of `run`, and (optionally) a datagram captured on its r1, in a project of their own. */
function findingsOf(run: string, udp: string | null) {
  const p = tempProject(`sysctl-${run}`);
  projects.push(p);
  for (const name of fs.readdirSync(`${FIXTURES}/${run}`)) p.write(`nodes/router/${name}`, fs.readFileSync(`${FIXTURES}/${run}/${name}`, 'utf8'));
  const store = p.store();
  expect(importPaths(store, [p.file('nodes')]).errors).toEqual([]);
  if (udp !== null) expect(importPaths(store, [`${FIXTURES}/${udp}`], { node: 'router', interface: 'r1' }).errors).toEqual([]);
  return projectFindings(store);
}

describe('findings of a captured flow a kernel setting drops (the kernel lab\'s router)', () => {
  it('rp-filter-drops: strict rp_filter and a source routed back out of r2, cited at the sysctl line, with the replay', () => {
    const found = findingsOf('rp-strict-asymmetric', 'r1-udp-from-10.9.0.5.txt');
    const f = found.find((x) => x.kind === 'rp-filter-drops');
    expect(f).toMatchObject({ id: 'rp-filter-drops:router:r1', severity: 'error', nodes: ['router'], flows: [1] });
    expect(f!.evidence[0]!.source).toMatch(/nodes\/router\/sysctl\.txt:5$/);
    expect(f!.evidence[0]!.text).toBe('net.ipv4.conf.all.rp_filter = 1');
    expect(f!.trace).toMatchObject({ node: 'router', proto: 'udp', src: '10.9.0.5:40000', dst: '10.0.2.20:53', in: 'r1' });
    expect(findingsOf('rp-off-asymmetric', 'r1-udp-from-10.9.0.5.txt').filter((x) => x.kind === 'rp-filter-drops')).toEqual([]);
  });

  it('ip-forward-off: the router does not forward the captured datagram', () => {
    const f = findingsOf('forward-off', 'r1-udp-from-10.0.1.10.txt').find((x) => x.kind === 'ip-forward-off');
    expect(f).toMatchObject({ id: 'ip-forward-off:router', severity: 'error', flows: [1] });
    expect(f!.evidence[0]).toMatchObject({ source: expect.stringMatching(/sysctl\.txt:\d+$/), text: 'net.ipv4.conf.r1.forwarding = 0' });
    expect(findingsOf('rp-strict-symmetric', 'r1-udp-from-10.0.1.10.txt').filter((x) => x.kind === 'ip-forward-off')).toEqual([]);
  });

  it('a router with forwarding off and no flow through it is not a finding: nothing in its captures says it must forward', () => {
    expect(findingsOf('forward-off', null).filter((x) => x.kind === 'ip-forward-off')).toEqual([]);
  });
});

const KUBE_NODE = {
  addr: `
    1: lo: <LOOPBACK,UP> mtu 65536 state UNKNOWN
        link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
        inet 127.0.0.1/8 scope host lo
    2: eth0: <BROADCAST,UP> mtu 1500 state UP
        link/ether 52:54:00:00:00:01 brd ff:ff:ff:ff:ff:ff
        inet 192.168.50.11/24 scope global eth0
    3: cni0: <BROADCAST,UP> mtu 1500 state UP
        link/ether 52:54:00:00:00:02 brd ff:ff:ff:ff:ff:ff
        inet 10.244.1.1/24 scope global cni0
  `,
  iptables: `
    *nat
    :PREROUTING ACCEPT [0:0]
    :INPUT ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    :KUBE-SERVICES - [0:0]
    -A PREROUTING -j KUBE-SERVICES
    COMMIT
  `,
};

describe("findings from a node's settings alone", () => {
  const kinds = (sysctl: string, texts: { addr?: string; iptables?: string } = KUBE_NODE) =>
    kernelSettingFindings(nodeFrom('node-a', { ...texts, sysctl })).map((f) => [f.kind, f.severity, f.evidence.map((e) => e.source)]);

  it('ip-forward-off on a node with a pod bridge and kube-proxy rules, citing the line', () => {
    expect(kinds('net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.ip_forward = 0')).toEqual([['ip-forward-off', 'error', ['node-a/sysctl:2']]]);
    expect(kinds('net.ipv4.ip_forward = 1')).toEqual([]);
    expect(kinds('net.ipv4.ip_forward = 0', { addr: KUBE_NODE.addr.replace(/cni0/g, 'eth1') })).toEqual([]);
  });

  it('bridge-netfilter-off when bridge-nf-call-iptables is 0 or does not exist (br_netfilter not loaded)', () => {
    expect(kinds('net.bridge.bridge-nf-call-iptables = 0')).toEqual([['bridge-netfilter-off', 'warning', ['node-a/sysctl:1']]]);
    const absent = kernelSettingFindings(nodeFrom('node-a', { ...KUBE_NODE, sysctl: 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory' }));
    expect(absent.map((f) => f.title)).toEqual(['node-a: bridged traffic skips iptables (br_netfilter not loaded)']);
    expect(kinds('net.bridge.bridge-nf-call-iptables = 1')).toEqual([]);
  });

  it('conntrack-table-full when the count reaches the limit', () => {
    expect(kinds('net.netfilter.nf_conntrack_count = 262144\nnet.netfilter.nf_conntrack_max = 262144'))
      .toEqual([['conntrack-table-full', 'error', ['node-a/sysctl:1', 'node-a/sysctl:2']]]);
    expect(kinds('net.netfilter.nf_conntrack_count = 1200\nnet.netfilter.nf_conntrack_max = 262144')).toEqual([]);
  });
});
