/** `natlens trace` against CONTRACT.md, on the kernel lab's captures and on the two-node transcript. */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeShared } from '../../test/support/describe-shared';
import { sharedFile } from '../../test/support/shared-corpus';
import { useTempProject } from '../../test/support/temp-project';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
let dir: string;

function natlens(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Outcome {
  probability: number;
  verdict: string;
  packet: { proto: string; src: string; sport: number | null; dst: string; dport: number | null };
  egress: { node: string; interface: string; nextHop: string | null } | null;
  marks: Record<string, string>;
  hops: Array<{ node: string; in: string | null; out: string | null; before: object; after: object }>;
  steps: Array<{ node: string; table: string; chain: string; rule: string | null; target: string; policy: boolean }>;
  reason: string | null;
  assumptions: Array<{ node: string; about: string; assumed: string; rule: string | null; source: string | null }>;
}
interface Trace {
  input: { node: string; proto: string; src: string; sport: number | null; dst: string; dport: number | null; in: string | null; local: boolean };
  outcomes: Outcome[];
}

const labDb = (): string => path.join(dir, 'lab.db');
const transcriptDb = (): string => path.join(dir, 'transcripts.db');

const project = useTempProject('trace', 'all');
beforeAll(() => {
  dir = project().dir;
  expect(natlens(['import', '--db', labDb(), path.join(repo, 'test/fixtures/lab/nodes')]).code).toBe(0);
});

describe('natlens trace --json', () => {
  it('replays a pod-to-ClusterIP packet on the lab capture into one branch per endpoint, summing to 1', () => {
    const scenario = JSON.parse(fs.readFileSync(path.join(repo, 'test/fixtures/lab/scenario.json'), 'utf8')) as {
      service: { clusterIP: string; port: number; endpoints: string[] };
      sent: Array<{ kind: string; conntrack?: Array<{ node: string; dnatTo: string | null; snatTo: string | null }> }>;
    };
    // What the kernel did on nodea for each endpoint it picked: the masquerade address conntrack recorded.
    const kernelSnat = new Map<string, string | null>();
    for (const sent of scenario.sent.filter((x) => x.kind === 'cluster-ip'))
      for (const ct of sent.conntrack ?? []) if (ct.node === 'nodea' && ct.dnatTo) kernelSnat.set(ct.dnatTo, ct.snatTo);
    const r = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'tcp', '--src', '10.40.1.3:40001',
      '--dst', `${scenario.service.clusterIP}:${scenario.service.port}`, '--in', 'cbr0', '--json']);
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout) as Trace;
    expect(trace.input).toEqual({ node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false });
    expect(trace.outcomes.reduce((s, o) => s + o.probability, 0)).toBeCloseTo(1, 9);
    const endpoints = trace.outcomes.map((o) => `${o.packet.dst}:${o.packet.dport}`).sort();
    expect(endpoints).toEqual([...scenario.service.endpoints].sort());
    for (const o of trace.outcomes) {
      expect(Object.keys(o)).toEqual(expect.arrayContaining(['probability', 'verdict', 'packet', 'egress', 'marks', 'hops', 'steps', 'reason']));
      expect(o.verdict).toBe('forward');
      expect(o.packet.src).toBe(kernelSnat.get(`${o.packet.dst}:${o.packet.dport}`));
      expect(o.steps.some((s) => s.chain.startsWith('KUBE-SEP-') && / DNAT /.test(s.rule ?? ''))).toBe(true);
      expect(o.marks.nodea).toBeDefined();
    }
  });

  it('follows the packet to nodeb when the endpoint lives there', () => {
    const r = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'tcp', '--src', '10.40.1.3:40001',
      '--dst', '10.96.0.10:80', '--in', 'cbr0', '--follow', '--json']);
    const trace = JSON.parse(r.stdout) as Trace;
    const remote = trace.outcomes.find((o) => o.packet.dst === '10.40.2.2')!;
    expect(remote.hops.map((h) => h.node)).toEqual(['nodea', 'nodeb']);
    expect(remote.egress).toMatchObject({ node: 'nodeb', interface: 'cbr0' });
  });
});

describeShared('transcripts', 'natlens trace --json on the two-node transcript', () => {
  beforeAll(() => {
    expect(natlens(['import', '--db', transcriptDb(), sharedFile('transcripts', '002_1fb178fb5a43cd31.txt')]).code).toBe(0);
  });

  it('replays the two-node transcript: nodeb drops forwarded traffic before the FORWARD rule and forwards it after', () => {
    const nodes = JSON.parse(natlens(['nodes', '--db', transcriptDb(), '--json']).stdout) as Array<{
      name: string; captures: Array<{ id: number; kind: string; source: string }>;
    }>;
    const listings = nodes.find((n) => n.name === 'nodeb')!.captures.filter((c) => c.kind === 'iptables-list');
    const before = listings.find((c) => c.source.endsWith(':702'))!;
    const after = listings.find((c) => c.source.endsWith(':827'))!;
    const trace = (snapshot: number): Trace =>
      JSON.parse(natlens(['trace', '--db', transcriptDb(), '--node', 'nodeb', '--proto', 'icmp', '--src', '10.0.2.15',
        '--dst', '172.18.0.2', '--in', 'eth0', '--snapshot', String(snapshot), '--json']).stdout) as Trace;
    const dropped = trace(before.id).outcomes;
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ verdict: 'drop' });
    expect(dropped[0]!.steps.at(-1)).toMatchObject({ table: 'filter', chain: 'FORWARD', policy: true, target: 'DROP' });
    expect(dropped[0]!.reason).toMatch(/FORWARD/);
    const forwarded = trace(after.id).outcomes;
    expect(forwarded[0]).toMatchObject({ verdict: 'forward', egress: { node: 'nodeb', interface: 'docker0' } });
    expect(forwarded[0]!.steps.at(-1)!.rule).toBe('-A FORWARD -d 172.18.0.0/16 -i eth0 -j ACCEPT');
  });
});

describe('natlens trace: what the captures do not show', () => {
  it('on the full lab capture nothing is assumed: every outcome carries an empty assumptions list', () => {
    const r = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'tcp', '--src', '10.40.1.3:40001', '--dst', '10.96.0.10:80', '--in', 'cbr0', '--json']);
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout) as Trace;
    expect(trace.outcomes.length).toBeGreaterThan(0);
    for (const o of trace.outcomes) expect(o.assumptions).toEqual([]);
  });

  it('--local without --src takes the source the kernel would: the primary address of the route\'s interface', () => {
    const r = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'udp', '--dst', '10.40.2.5:53', '--local', '--json']);
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout) as Trace;
    expect(trace.input).toMatchObject({ src: '192.168.56.11', sport: 40000, local: true, in: null });
    expect(trace.outcomes.map((o) => o.packet.src)).toEqual(['192.168.56.11']);
  });

  it('--local without --src where no route leads: exit 2, saying why', () => {
    const r = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'udp', '--dst', '8.8.8.8:53', '--local']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nodea has no route to 8.8.8.8');
    expect(r.stdout).toBe('');
  });

  it('--in an interface the full ip addr capture does not list: exit 2, naming the interfaces it has', () => {
    const r = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'tcp', '--src', '1.2.3.4', '--dst', '10.96.0.10:80', '--in', 'eth9', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nodea has no interface eth9: its captured interfaces are lo, eth0, cbr0, veth-a1, veth-a2');
    expect(r.stdout).toBe('');
  });

  it('an ipset whose members were not captured: both outcomes, each with its assumption citing file:line', () => {
    const nodeDir = path.join(dir, 'ipset', 'n1');
    fs.mkdirSync(nodeDir, { recursive: true });
    for (const f of ['ip-addr.txt', 'ip-route.txt']) fs.copyFileSync(path.join(repo, 'test/fixtures/lab/nodes/nodea', f), path.join(nodeDir, f));
    fs.writeFileSync(path.join(nodeDir, 'iptables-save.txt'), '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m set --match-set blocked src -j DROP\nCOMMIT\n');
    const db = path.join(dir, 'ipset.db');
    expect(natlens(['import', '--db', db, nodeDir]).code).toBe(0);
    const r = natlens(['trace', '--db', db, '--node', 'n1', '--proto', 'tcp', '--src', '192.168.56.99', '--dst', '10.40.1.2:80', '--in', 'eth0', '--json']);
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout) as Trace;
    expect(trace.outcomes.map((o) => [o.verdict, o.probability, o.assumptions.map((a) => a.assumed)])).toEqual([
      ['drop', 1, ['assuming ipset blocked holds the packet\'s source 192.168.56.99 port 40000']],
      ['forward', 1, ['assuming ipset blocked does not hold the packet\'s source 192.168.56.99 port 40000']],
    ]);
    expect(trace.outcomes[0]!.assumptions[0]).toMatchObject({
      node: 'n1', about: 'the members of ipset blocked were not captured (ipset list)',
      rule: '-A FORWARD -m set --match-set blocked src -j DROP', source: expect.stringMatching(/iptables-save\.txt:5$/),
    });
    const text = natlens(['trace', '--db', db, '--node', 'n1', '--proto', 'tcp', '--src', '192.168.56.99', '--dst', '10.40.1.2:80', '--in', 'eth0']);
    expect(text.stdout).toContain('assumes: assuming ipset blocked holds the packet\'s source 192.168.56.99 port 40000');
    expect(text.stdout).toContain('the captures leave 2 sets of assumptions open; the shares within each set sum to 100%');
  });

  it('--in an interface that a partial address capture (ifconfig eth0) does not list: an assumption, not an error', () => {
    const file = path.join(dir, 'n2.txt');
    fs.writeFileSync(file, [
      'root@n2:~# ifconfig eth0',
      'eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500',
      '        inet 10.0.0.5  netmask 255.255.255.0  broadcast 10.0.0.255',
      '        ether 52:54:00:12:34:56  txqueuelen 1000  (Ethernet)',
      '',
      'root@n2:~# ip route',
      'default via 10.0.0.1 dev eth0',
      '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5',
      'root@n2:~# iptables-save',
      '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT', '',
    ].join('\n'));
    const db = path.join(dir, 'partial.db');
    expect(natlens(['import', '--db', db, file]).code).toBe(0);
    const r = natlens(['trace', '--db', db, '--node', 'n2', '--proto', 'tcp', '--src', '10.244.0.7', '--dst', '8.8.8.8:80', '--in', 'cbr0', '--json']);
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout) as Trace;
    expect(trace.outcomes.map((o) => [o.verdict, o.assumptions.map((a) => a.about)])).toEqual([
      ['forward', ['the interfaces of n2 were captured only in part, and cbr0 is not among them']],
    ]);
  });

  it('--in without --src: exit 2', () => {
    const r = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'tcp', '--dst', '10.96.0.10:80', '--in', 'cbr0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--src is required with --in');
  });
});

describe('natlens trace errors', () => {
  it('exits 1 for an unknown node and for a snapshot that is not a ruleset', () => {
    const unknown = natlens(['trace', '--db', labDb(), '--node', 'nope', '--proto', 'tcp', '--src', '1.2.3.4', '--dst', '5.6.7.8:80', '--local']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown node "nope"/);
    expect(unknown.stdout).toBe('');
    const bad = natlens(['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'tcp', '--src', '1.2.3.4', '--dst', '5.6.7.8:80', '--local', '--snapshot', '1']);
    expect(bad.code).toBe(1);
  });

  it('exits 2 for usage errors', () => {
    const base = ['trace', '--db', labDb(), '--node', 'nodea', '--proto', 'tcp', '--src', '1.2.3.4', '--dst', '5.6.7.8:80'];
    expect(natlens(base).code).toBe(2); // neither --in nor --local
    expect(natlens([...base, '--in', 'eth0', '--local']).code).toBe(2);
    expect(natlens(['trace', '--node', 'nodea', '--proto', 'gre', '--src', '1.2.3.4', '--dst', '5.6.7.8', '--local']).code).toBe(2);
    expect(natlens(['trace', '--node', 'nodea', '--proto', 'tcp', '--src', '1.2.3.400', '--dst', '5.6.7.8', '--local']).code).toBe(2);
    expect(natlens(['trace', '--node', 'nodea', '--proto', 'tcp', '--src', '1.2.3.4:70000', '--dst', '5.6.7.8', '--local']).code).toBe(2);
  });

  it('exits 1 when the project database does not exist', () => {
    const r = natlens(['trace', '--db', path.join(dir, 'missing.db'), '--node', 'a', '--proto', 'tcp', '--src', '1.2.3.4', '--dst', '5.6.7.8', '--local']);
    expect(r.code).toBe(1);
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
  });
});
