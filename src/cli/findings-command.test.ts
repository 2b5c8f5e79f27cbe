/** `natlens findings`: CONTRACT.md's JSON fields, the human listing, exit codes, and a trace line that runs. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempProject } from '../../test/support/temp-project';

const bin = path.join(process.cwd(), 'bin', 'natlens');

function natlens(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
`;
const IP_ADDR = `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    inet 192.168.56.11/24 brd 192.168.56.255 scope global eth0
`;
const IP_ROUTE = `default via 192.168.56.1 dev eth0
192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11
`;

describe('natlens findings', () => {
  const project = useTempProject('findings-cli', 'all');
  let db: string;
  beforeAll(() => {
    const p = project();
    p.write('nodes/nodea/iptables-save.txt', SAVE);
    p.write('nodes/nodea/ip-addr.txt', IP_ADDR);
    p.write('nodes/nodea/ip-route.txt', IP_ROUTE);
    p.write('nodes/nodea/eth0.txt', '1700000000.000001 IP 192.168.56.100.40001 > 10.96.0.20.80: Flags [S], seq 1000, win 64240, length 0\n');
    db = p.dbPath;
    expect(natlens(['import', '--db', db, p.file('nodes')]).code).toBe(0);
  });

  it('prints the contract fields as one JSON array', () => {
    const r = natlens(['findings', '--db', db, '--json']);
    expect(r.code).toBe(0);
    const findings = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    for (const key of ['id', 'severity', 'kind', 'title', 'explanation', 'nodes', 'service', 'flows', 'evidence', 'trace']) expect(f).toHaveProperty(key);
    expect(f).toMatchObject({
      severity: 'error', kind: 'service-without-endpoints', nodes: ['nodea'], service: 'default/web:http', flows: [1],
      trace: { node: 'nodea', proto: 'tcp', src: '192.168.56.100:40001', dst: '10.96.0.20:80', in: 'eth0' },
    });
    expect((f.evidence as Array<{ source: string }>)[0]!.source).toMatch(/nodea\/iptables-save\.txt:14$/);
  });

  it('lists severity, title, evidence and a natlens trace line that runs and shows the reject', () => {
    const r = natlens(['findings', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ERROR +Service default\/web:http has no endpoints/m);
    expect(r.stdout).toMatch(/nodea\/iptables-save\.txt:14 {2}-A KUBE-SERVICES -d 10\.96\.0\.20\/32/);
    expect(r.stdout).toMatch(/nodea\/eth0\.txt:1 {2}nodea eth0 /);
    const line = /replay: natlens trace (.*)$/m.exec(r.stdout)![1]!;
    const trace = natlens(['trace', '--db', db, ...line.split(' '), '--json']);
    expect(trace.code).toBe(0);
    expect((JSON.parse(trace.stdout) as { outcomes: Array<{ verdict: string }> }).outcomes.map((o) => o.verdict)).toEqual(['reject']);
  });

  it('exits 1 for a project that does not exist and 0 with nothing to find', () => {
    expect(natlens(['findings', '--db', project().file('missing.db')]).code).toBe(1);
    const empty = project().file('empty');
    project().write('empty/nodeb/ip-addr.txt', IP_ADDR);
    expect(natlens(['import', '--db', project().file('empty.db'), empty]).code).toBe(0);
    const r = natlens(['findings', '--db', project().file('empty.db')]);
    expect([r.code, r.stdout]).toEqual([0, 'no findings\n']);
    expect(natlens(['findings', '--db', project().file('empty.db'), '--json']).stdout).toBe('[]\n');
  });
});
