/**
 * Importing a node's captures composes them: a trailing `ifconfig lo` does not erase eth0, bridge ports are
 * interfaces, a `-L -n` and a `-L -n -v` of the same rules are one snapshot, kubectl output is the cluster's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { rulesetHistory } from '../project/ruleset-history';
import { listNodes } from '../project/nodes';
import { loadWorld } from '../project/node-world';
import { nodeState } from '../model/node-state';
import { traceProject } from '../project/project-trace';
import { Store } from '../model/store';
import { readTopology } from '../project/topology';
import { importPaths } from './import-paths';
import { useTempProject } from '../../../test/support/temp-project';

const LAB = path.resolve(process.cwd(), 'test/fixtures/lab/nodes/nodea');
const lab = (name: string): string => fs.readFileSync(path.join(LAB, name), 'utf8').trimEnd();

const IFCONFIG_LO = `lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
        inet6 ::1  prefixlen 128  scopeid 0x10<host>
        loop  txqueuelen 1000  (Local Loopback)
        RX packets 0  bytes 0 (0.0 B)
        TX packets 0  bytes 0 (0.0 B)`;

const LIST_N = `Chain INPUT (policy ACCEPT)
target     prot opt source               destination
ACCEPT     all  --  10.0.0.0/8           0.0.0.0/0

Chain FORWARD (policy ACCEPT)
target     prot opt source               destination
ACCEPT     all  --  10.40.0.0/16         0.0.0.0/0

Chain OUTPUT (policy ACCEPT)
target     prot opt source               destination`;

const LIST_NV = (extra: string) => `Chain INPUT (policy ACCEPT 10 packets, 1000 bytes)
 pkts bytes target     prot opt in     out     source               destination
    5   500 ACCEPT     all  --  eth0   *       10.0.0.0/8           0.0.0.0/0
${extra}
Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination
    0     0 ACCEPT     all  --  cbr0   *       10.40.0.0/16         0.0.0.0/0

Chain OUTPUT (policy ACCEPT 10 packets, 1000 bytes)
 pkts bytes target     prot opt in     out     source               destination`;

const project = useTempProject('compose');
let dir: string;
let store: Store;
beforeEach(() => {
  dir = project().dir;
  store = project().store();
});

function transcript(name: string, ...steps: Array<[string, string]>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${steps.map(([cmd, out]) => `root@node-x:~# ${cmd}\n${out}\n`).join('')}root@node-x:~# \n`);
  return file;
}

describe('importing fragments of a node', () => {
  it('keeps eth0 when `ifconfig lo` follows `ip addr`, so a packet to the node’s own address is delivered', () => {
    const file = transcript('node-x.txt', ['ip addr', lab('ip-addr.txt')], ['ip route', lab('ip-route.txt')], ['ifconfig lo', IFCONFIG_LO]);
    const report = importPaths(store, [file]);
    expect(report.errors).toEqual([]);
    const [node] = listNodes(store);
    expect(node!.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0', 'cbr0', 'veth-a1', 'veth-a2']);
    expect(node!.interfaces.find((i) => i.name === 'eth0')!.addresses).toEqual(['192.168.56.11/24']);
    const result = traceProject(store, { node: 'node-x', proto: 'tcp', src: '192.168.56.20', dst: '192.168.56.11', dport: 22, in: 'eth0', follow: false }, { snapshot: null });
    expect(result.outcomes.map((o) => o.verdict)).toEqual(['deliver']);
  });

  it('reuses a node\'s composed state while its captures are the same, and composes again after another import', () => {
    importPaths(store, [transcript('node-y.txt', ['ip route', lab('ip-route.txt')])], { node: 'node-y' });
    const id = store.findNode('node-y')!;
    const first = nodeState(store, id);
    expect(nodeState(store, id)).toBe(first);
    expect(first.interfaces).toBeNull();
    importPaths(store, [transcript('node-y-later.txt', ['ip addr', lab('ip-addr.txt')])], { node: 'node-y' });
    const after = nodeState(store, id);
    expect(after).not.toBe(first);
    expect(after.interfaces?.map((i) => i.name)).toContain('eth0');
    expect(after.routes).toEqual(first.routes);
  });

  it('makes the ports `brctl show` lists interfaces of the node, even those `ip addr` did not list', () => {
    const brctl = `bridge name\tbridge id\t\tSTP enabled\tinterfaces\ncni0\t\t8000.429b08e8bc57\tno\t\tveth-a1\n\t\t\t\t\t\t\tveth-x9`;
    const file = transcript('node-x.txt', ['ip addr', lab('ip-addr.txt')], ['brctl show', brctl]);
    expect(importPaths(store, [file]).errors).toEqual([]);
    const [node] = listNodes(store);
    expect(node!.interfaces.filter((i) => i.knownFrom === 'bridge').map((i) => [i.name, i.master])).toEqual([['cni0', null], ['veth-x9', 'cni0']]);
    // veth-a1 is cbr0's in the address capture: that is kept, and the disagreement said.
    expect(node!.interfaces.find((i) => i.name === 'veth-a1')!.master).toBe('cbr0');
    expect(node!.conflicts.map((c) => [c.about, c.subject])).toEqual([['bridge-port', 'veth-a1']]);
    const topo = readTopology(store).nodes[0]!;
    expect(topo.interfaces.find((i) => i.name === 'veth-x9')).toMatchObject({ master: 'cni0', knownFrom: 'bridge' });
  });

  it('shows no ruleset change between a `-L -n` and a `-L -n -v` of the same state', () => {
    const file = transcript('node-x.txt', ['iptables -L -n', LIST_N], ['iptables -L -n -v', LIST_NV('')]);
    expect(importPaths(store, [file]).errors).toEqual([]);
    const h = rulesetHistory(store, 'node-x')!;
    expect(h.snapshots).toHaveLength(1);
    expect(h.snapshots[0]!.captures).toHaveLength(2);
    expect(h.changes).toEqual([]);
  });

  it('takes the kernel’s iptables-save, `-L -n -v -x` per table and `-L -n` of one state as one snapshot', () => {
    // test/fixtures/iptables/rich.*: one ruleset as iptables 1.8.9 printed it in each form.
    const fixture = (name: string, from: number, to: number): string =>
      fs.readFileSync(path.resolve(process.cwd(), 'test/fixtures/iptables', name), 'utf8').split('\n').slice(from - 1, to).join('\n');
    const file = transcript(
      'node-x.txt',
      ['iptables-save', fixture('rich.kernel-save.txt', 1, 125)],
      ['iptables -t raw -L -n -v -x', fixture('rich.kernel-list-nvx.txt', 1, 10)],
      ['iptables -t mangle -L -n -v -x', fixture('rich.kernel-list-nvx.txt', 11, 48)],
      ['iptables -t nat -L -n -v -x', fixture('rich.kernel-list-nvx.txt', 49, 91)],
      ['iptables -L -n -v -x', fixture('rich.kernel-list-nvx.txt', 92, 143)],
      ['iptables -t nat -L -n', fixture('rich.kernel-list-n.txt', 1, 43)],
      ['iptables -L -n', fixture('rich.kernel-list-n.txt', 44, 95)],
    );
    const report = importPaths(store, [file]);
    expect(report.errors).toEqual([]);
    expect(report.nodes[0]!.captures).toHaveLength(7);
    const h = rulesetHistory(store, 'node-x')!;
    expect(h.snapshots.map((s) => s.captures.map((c) => c.shows))).toEqual([
      ['whole', 'table raw', 'table mangle', 'table nat', 'table filter', 'table nat', 'table filter'],
    ]);
    expect(h.changes).toEqual([]);
    // The replay keeps what the fullest capture shows: interfaces, from the save and the -v listings.
    expect(loadWorld(store)[0]!.ruleset!.origin).toMatchObject({ interfacesShown: true, partial: false });
  });

  it('shows a change between a `-L -n` and a `-L -n -v` that has one more rule', () => {
    const file = transcript('node-x.txt', ['iptables -L -n', LIST_N], ['iptables -L -n -v', LIST_NV('    0     0 DROP       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:23\n')]);
    expect(importPaths(store, [file]).errors).toEqual([]);
    const h = rulesetHistory(store, 'node-x')!;
    expect(h.snapshots.map((s) => s.startedBy)).toEqual([{ kind: 'first' }, { kind: 'differs', chains: ['filter/INPUT'] }]);
    expect(h.changes.map((c) => c.diff.chains.map((x) => [x.chain, x.rulesAdded, x.rulesRemoved]))).toEqual([
      [['INPUT', ['-A INPUT -p tcp -m tcp --dport 23 -j DROP'], []]],
    ]);
  });

  it('takes `-L` (names) and `-L -n` of the same rules as one state, and replays the one with addresses', () => {
    const named = 'Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nACCEPT     all  --  node-z.example       anywhere\n\nChain FORWARD (policy ACCEPT)\ntarget     prot opt source               destination\n\nChain OUTPUT (policy ACCEPT)\ntarget     prot opt source               destination';
    const numeric = named.replace('node-z.example       anywhere', '10.0.0.7             0.0.0.0/0');
    const file = transcript('node-x.txt', ['iptables -L -n', numeric], ['iptables -L', named]);
    expect(importPaths(store, [file]).errors).toEqual([]);
    expect(rulesetHistory(store, 'node-x')!.snapshots).toHaveLength(1);
    const [node] = loadWorld(store);
    const input = node!.ruleset!.tables[0]!.chains.find((c) => c.name === 'INPUT')!;
    expect(input.rules.map((r) => r.text)).toEqual(['-A INPUT -s 10.0.0.7/32 -j ACCEPT']);
  });

  it('starts a new ruleset snapshot after a command that changed the rules', () => {
    const file = transcript('node-x.txt', ['iptables -L -n', LIST_N], ['iptables -A INPUT -p tcp --dport 23 -j DROP', ''], ['iptables -L -n -v', LIST_NV('')]);
    expect(importPaths(store, [file]).errors).toEqual([]);
    const h = rulesetHistory(store, 'node-x')!;
    expect(h.snapshots.map((s) => s.startedBy.kind)).toEqual(['first', 'command']);
    // The listing after it shows the same rules as before: no change to report (the rule was not captured).
    expect(h.changes).toEqual([]);
  });

  it('stores cluster-wide kubectl output under no node, and its services still reach the topology', () => {
    const svc = `NAMESPACE     NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE
default       hello        ClusterIP   10.96.0.10   <none>        80/TCP          1d
kube-system   kube-dns     ClusterIP   10.96.0.2    <none>        53/UDP,53/TCP   1d`;
    const file = path.join(dir, 'services.txt');
    fs.writeFileSync(file, `$ kubectl get svc -A\n${svc}\n`);
    const report = importPaths(store, [file, transcript('node-x.txt', ['ip addr', lab('ip-addr.txt')])]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name)).toEqual(['node-x']);
    expect(report.cluster?.map((c) => c.kind)).toEqual(['kubectl']);
    expect(listNodes(store).map((n) => n.name)).toEqual(['node-x']);
    expect(readTopology(store).services.map((s) => `${s.namespace}/${s.name} ${s.clusterIP}`)).toEqual(['default/hello 10.96.0.10', 'kube-system/kube-dns 10.96.0.2']);
    // Importing it again says it is the cluster's, not a node's.
    expect(importPaths(store, [file]).warnings.map((w) => (typeof w === 'string' ? w : w.message))).toEqual([expect.stringContaining('of the cluster')]);
  });

  it('warns at import where two captures of the same thing disagree', () => {
    const routeN = `Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
10.40.1.0       0.0.0.0         255.255.255.0   U     0      0        0 cbr0
10.40.2.0       192.168.56.99   255.255.255.0   UG    0      0        0 eth0
192.168.56.0    0.0.0.0         255.255.255.0   U     0      0        0 eth0`;
    const file = transcript('node-x.txt', ['ip route', lab('ip-route.txt')], ['route -n', routeN]);
    const report = importPaths(store, [file]);
    expect(report.warnings).toEqual([
      { source: expect.stringMatching(/node-x\.txt:\d+$/), message: expect.stringContaining('route main 10.40.2.0/24 of node node-x') },
    ]);
    const [node] = listNodes(store);
    expect(node!.routes.find((r) => r.dst === '10.40.2.0/24')!.via).toBe('192.168.56.99');
    expect(node!.routes.find((r) => r.dst === '192.168.56.0/24')!.src).toBe('192.168.56.11');
  });
});
