/** The importer with natlens's own readers, on real fixtures. */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import type { Store } from '../model/store';
import { listNodes } from '../project/nodes';
import { importPaths } from './import-paths';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedFile } from '../../../test/support/shared-corpus';
import { useTempProject } from '../../../test/support/temp-project';

const conformance = (test: string): string => path.relative(process.cwd(), sharedFile('kube-proxy-conformance', test, 'ruleset.iptables-save'));
const LAB_NODEA = path.join('test', 'fixtures', 'lab', 'nodes', 'nodea');

const project = useTempProject('import-real');
const store = (): Store => project().store();

/** An iptables-save file imports as one capture of a node named after it, its rules read back as the parser reads them. */
function expectStoredAsParsed(file: string): void {
    const report = importPaths(store(), [file]);
    expect(report.errors).toEqual([]);
    expect(report.nodes).toEqual([
      { name: 'ruleset', captures: [expect.objectContaining({ kind: 'iptables-save', source: `${file}:1`, records: expect.any(Number) })] },
    ]);
    const id = report.nodes[0].captures[0].id;
    const parsed = parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset;
    expect(store().rulesetsOf(id)).toEqual([parsed]);
}

describe('importPaths', () => {
  it('stores an iptables-save dump under a node named after the file, rules readable as parsed', () => {
    const file = project().write('ruleset.iptables-save', fs.readFileSync(path.join(LAB_NODEA, 'iptables-save.txt'), 'utf8'));
    expectStoredAsParsed(file);
  });

  it('derives the services and endpoints kube-proxy programmed (the lab node)', () => {
    const report = importPaths(store(), [path.join(LAB_NODEA, 'iptables-save.txt')], { node: 'worker-1' });
    const id = report.nodes[0].captures[0].id;
    expect(report.nodes[0].name).toBe('worker-1');
    expect(store().services(id)).toEqual([
      expect.objectContaining({ origin: 'kube-proxy', namespace: 'default', name: 'hello', clusterIP: '10.96.0.10', type: 'NodePort' }),
    ]);
    expect(store().endpoints(id).map((e) => `${e.address}:${e.port}`)).toEqual(['10.40.1.2:8080', '10.40.2.2:8080']);
  });

  it('keeps every capture of a transcript with the node its prompt names (the lab transcript)', () => {
    const report = importPaths(store(), [path.join('test', 'fixtures', 'lab', 'transcripts', 'nodea.txt')]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name)).toEqual(['nodea']);
    expect(report.nodes[0]!.captures.map((c) => c.kind)).toEqual(expect.arrayContaining(['conntrack', 'ip-addr', 'ip-route', 'iptables-save', 'iptables-list', 'bridge']));
    expect(store().count('captures')).toBe(report.nodes[0]!.captures.length + (report.cluster?.length ?? 0));
  });

  it('stores a namespaced capture under the node, marked with its namespace, apart from the node\'s interfaces', () => {
    const transcript = project().file('session.txt');
    fs.writeFileSync(
      transcript,
      [
        'root@node-a:~# ip addr',
        '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
        '    inet 127.0.0.1/8 scope host lo',
        '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000',
        '    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff',
        '    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0',
        'root@node-a:~# ip netns exec blue ip addr',
        '1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000',
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
        '3: veth-b@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
        '    link/ether 0a:58:0a:f4:01:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
        '    inet 10.244.1.5/24 brd 10.244.1.255 scope global veth-b',
        'root@node-a:~# ',
      ].join('\n'),
    );
    const report = importPaths(store(), [transcript]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => [n.name, n.captures.map((c) => c.netns)])).toEqual([['node-a', [null, 'blue']]]);
    const [view] = listNodes(store());
    expect(view.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0']);
    expect(view.captures.map((c) => c.netns)).toEqual([null, 'blue']);
  });

  it('reads relative paths from readFrom but names them as given, errors included', () => {
    const staging = project().file('staging');
    fs.mkdirSync(staging);
    fs.copyFileSync(path.join(LAB_NODEA, 'iptables-save.txt'), path.join(staging, 'node-a.txt'));
    // The lab's eth0 capture cut inside its last record.
    const pcap = fs.readFileSync(path.join(LAB_NODEA, 'eth0.pcap'));
    fs.writeFileSync(path.join(staging, 'cut.pcap'), pcap.subarray(0, pcap.length - 10));
    const report = importPaths(store(), ['node-a.txt', 'cut.pcap'], { readFrom: staging });
    expect(report.nodes.map((n) => n.captures.map((c) => c.source))).toEqual([['node-a.txt:1']]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]!.source).toMatch(/^cut\.pcap\b/);
    expect(report.errors[0]!.message).not.toContain(staging);
  });

  it('stores `iptables -S` output as an iptables-save capture, with the parser\'s notes as warnings at their lines', () => {
    const file = project().file('node-b.txt');
    fs.writeFileSync(file, [
      'root@node-b:~# iptables -t nat -S',
      '# Warning: iptables-legacy tables present, use iptables-legacy to see them',
      '-P PREROUTING ACCEPT',
      '-P INPUT ACCEPT',
      '-P OUTPUT ACCEPT',
      '-P POSTROUTING ACCEPT',
      '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
      '',
    ].join('\n'));
    const report = importPaths(store(), [file]);
    expect(report.errors).toEqual([]);
    expect(report.nodes).toEqual([{ name: 'node-b', captures: [expect.objectContaining({ kind: 'iptables-save', source: `${file}:2`, records: 1 })] }]);
    expect(report.warnings).toEqual([{ source: `${file}:2`, message: expect.stringContaining('iptables-legacy tables are loaded too') }]);
    const [ruleset] = store().rulesetsOf(report.nodes[0]!.captures[0]!.id);
    expect(ruleset!.tables.map((t) => t.name)).toEqual(['nat']);
    expect(ruleset!.origin.partial).toBe(true);
  });

  it('says which table it read a bare -S file as (no command to name it)', () => {
    const file = project().file('filter-rules.txt');
    fs.writeFileSync(file, '-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-A FORWARD -i cbr0 -o eth0 -j ACCEPT\n');
    const report = importPaths(store(), [file]);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([{ source: `${file}:1`, message: expect.stringContaining('read as table filter') }]);
  });
});

describe('importPaths: prompts that name no host', () => {
  const text = '# iptables -t filter -nvL\nChain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n    0     0 ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0\n$ ip route\ndefault via 10.0.0.1 dev eth0\n';
  const place = (rel: string): string => {
    const file = project().file(rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads a bare root prompt beside a $ prompt, and takes the node from --node, else the folder, else the file name', () => {
    expect(importPaths(store(), [place('a/paste.md')], { node: 'given' }).nodes.map((n) => n.name)).toEqual(['given']);
    place('cluster/node-b/paste.md');
    const folder = importPaths(store(), [project().file('cluster')]);
    expect(folder.nodes.map((n) => n.name)).toEqual(['node-b']);
    const alone = importPaths(store(), [place('node-c.txt')]);
    expect(alone.nodes.map((n) => [n.name, n.captures.map((c) => [c.kind, c.lines])])).toEqual([
      ['node-c', [['iptables-list', [2, 4]], ['ip-route', [6, 6]]]],
    ]);
    expect(alone.files).toEqual([expect.objectContaining({ dataLines: 3, readDataLines: 3, warnedDataLines: 0 })]);
  });
});

describeShared('kube-proxy-conformance', 'importPaths on a kube-proxy conformance dump', () => {
  it('stores an iptables-save dump under a node named after the file, rules readable as parsed', () => {
    const file = conformance('TestLoadBalancer');
    expectStoredAsParsed(file);
  });

  it('derives the services and endpoints kube-proxy programmed', () => {
    const report = importPaths(store(), [conformance('TestLoadBalancer')], { node: 'worker-1' });
    const id = report.nodes[0].captures[0].id;
    expect(report.nodes[0].name).toBe('worker-1');
    expect(store().services(id)).toEqual([
      expect.objectContaining({ origin: 'kube-proxy', namespace: 'ns1', name: 'svc1', clusterIP: '172.30.0.41', type: 'LoadBalancer' }),
    ]);
    expect(store().endpoints(id).map((e) => `${e.address}:${e.port}`)).toEqual(['10.180.0.1:80']);
  });
});

describeShared('transcripts', 'importPaths on a shared transcript', () => {
  it('keeps every capture of a transcript with the node its prompt names', () => {
    const report = importPaths(store(), [sharedFile('transcripts', '002_1fb178fb5a43cd31.txt')]);
    expect(report.errors).toEqual([]);
    const nodea = report.nodes.find((n) => n.name === 'nodea');
    expect(nodea?.captures.map((c) => c.kind)).toEqual(expect.arrayContaining(['ip-addr', 'ip-route', 'iptables-list']));
    // kubectl's output is the cluster's: stored under no node.
    expect(report.cluster?.length).toBeGreaterThan(0);
    expect(report.nodes.flatMap((n) => n.captures).some((c) => c.kind === 'kubectl')).toBe(false);
    expect(store().count('captures')).toBe(report.nodes.reduce((n, node) => n + node.captures.length, report.cluster?.length ?? 0));
  });
});

describe('files picked together (folderNode)', () => {
  it('go to the one node as if they were in a folder of that name; a transcript\'s shell prompt still names its own host', () => {
    const files = ['ip-addr.txt', 'ip-route.txt', 'iptables-save.txt'].map((f) => path.join(LAB_NODEA, f));
    const transcript = path.join('test', 'fixtures', 'lab', 'transcripts', 'nodeb.txt');
    const report = importPaths(store(), [...files, transcript], { folderNode: 'worker-7' });
    expect(report.errors).toEqual([]);
    expect(listNodes(store()).map((n) => n.name)).toEqual(['nodeb', 'worker-7']);
    expect(report.nodes.find((n) => n.name === 'worker-7')?.captures.map((c) => c.kind).sort()).toEqual(['ip-addr', 'ip-route', 'iptables-save']);
    // Without it each file names its own node, as before.
    const alone = importPaths(project().store('other.db'), files);
    expect(alone.nodes.map((n) => n.name).sort()).toEqual(['ip-addr', 'ip-route', 'iptables-save']);
  });
});
