/** The built command line (./bin/natlens) against CONTRACT.md: JSON shapes, exit codes, stdout discipline. */
import { describe, it, expect, beforeEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeShared } from '../../test/support/describe-shared';
import { sharedFile, sharedDir } from '../../test/support/shared-corpus';
import { useTempProject } from '../../test/support/temp-project';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
const fixture = (name: string): string => path.join(repo, 'test', 'fixtures', 'text', name);
const lab = (...parts: string[]): string => path.join(repo, 'test', 'fixtures', 'lab', ...parts);

let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function natlens(args: string[], cwd = dir): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** stdout must be exactly one JSON document. */
function json<T = unknown>(r: Run): T {
  return JSON.parse(r.stdout) as T;
}

function place(rel: string, source: string): string {
  const target = path.join(dir, rel);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(source, target);
  return target;
}

interface ImportJson {
  nodes: Array<{ name: string; captures: Array<{ kind: string; source: string; takenAt: string | null; records: number }> }>;
  warnings: unknown[];
  errors: Array<{ source: string; message: string }>;
}

const project = useTempProject('cli');
beforeEach(() => {
  dir = project().dir;
});

describe('natlens usage', () => {
  it('prints help on stdout and exits 0', () => {
    const r = natlens(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: natlens <command>/);
    expect(r.stdout).toMatch(/import/);
    expect(natlens(['import', '--help']).stdout).toMatch(/usage: natlens import/);
  });

  it('prints its version with --version (or -V) on stdout and exits 0', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(natlens([flag])).toMatchObject({ code: 0, stdout: `natlens ${version}\n`, stderr: '' });
  });

  it('exits 2 without a command, with an unknown command, an unknown flag or no PATH', () => {
    expect(natlens([]).code).toBe(2);
    expect(natlens(['frobnicate']).code).toBe(2);
    const flag = natlens(['import', '--bogus', 'x.txt', '--json']);
    expect(flag.code).toBe(2);
    expect(flag.stdout).toBe('');
    expect(flag.stderr).toMatch(/bogus/);
    expect(natlens(['import', '--json']).code).toBe(2);
    expect(natlens(['import', '--db']).code).toBe(2);
    expect(natlens(['nodes', 'extra', '--json']).code).toBe(2);
  });
});

describe('natlens import', () => {
  it('reports a missing file as an error and exits 1, still printing one JSON document', () => {
    const r = natlens(['import', '--json', 'missing.txt']);
    expect(r.code).toBe(1);
    expect(json(r)).toEqual({ nodes: [], warnings: [], errors: [{ source: 'missing.txt', message: expect.any(String) }], files: [] });
  });

  it('creates ./natlens.db by default and names a folder node after its sub-folder', () => {
    place('cluster/node-a/addr.txt', fixture('ip-addr.txt'));
    place('cluster/node-a/routes.txt', fixture('ip-route.txt'));
    const r = natlens(['import', '--json', 'cluster']);
    expect(r.code).toBe(0);
    const report = json<ImportJson>(r);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name)).toEqual(['node-a']);
    expect(report.nodes[0].captures).toEqual([
      { id: expect.any(Number), kind: 'ip-addr', source: path.join('cluster', 'node-a', 'addr.txt:1'), takenAt: null, records: expect.any(Number), netns: null, lines: [1, expect.any(Number)] },
      { id: expect.any(Number), kind: 'ip-route', source: path.join('cluster', 'node-a', 'routes.txt:1'), takenAt: null, records: expect.any(Number), netns: null, lines: [1, expect.any(Number)] },
    ]);
    expect(fs.existsSync(path.join(dir, 'natlens.db'))).toBe(true);
  });

  it('stores the same file once when imported twice', () => {
    const f = place('n1.txt', fixture('ip-route.txt'));
    const db = path.join(dir, 'p.db');
    expect(natlens(['import', '--db', db, '--json', f]).code).toBe(0);
    const again = natlens(['import', '--db', db, '--json', f]);
    expect(again.code).toBe(0);
    const report = json<ImportJson>(again);
    expect(report.nodes.flatMap((n) => n.captures)).toEqual([]);
    expect(JSON.stringify(report.warnings)).toMatch(/already imported/);
    const nodes = json<Array<{ captures: unknown[] }>>(natlens(['nodes', '--db', db, '--json']));
    expect(nodes[0].captures.length).toBe(1);
  });

  it('stores nothing of a rejected file but imports the good ones beside it', () => {
    const good = place('good.txt', fixture('ip-route.txt'));
    const junk = path.join(dir, 'junk.bin');
    fs.writeFileSync(junk, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3]));
    const cut = path.join(dir, 'cut.pcap');
    fs.writeFileSync(cut, fs.readFileSync(lab('nodes', 'nodea', 'eth0.pcap')).subarray(0, 200));
    const db = path.join(dir, 'p.db');
    const r = natlens(['import', '--db', db, '--json', junk, good, cut]);
    expect(r.code).toBe(1);
    const report = json<ImportJson>(r);
    expect(report.nodes.map((n) => n.name)).toEqual(['good']);
    expect(report.errors.map((e) => e.source)).toEqual([junk, cut]);
    expect(report.errors[0].message).toMatch(/not a text capture or pcap\/pcapng/);
    const raw = new Database(db, { readonly: true });
    expect(raw.prepare('SELECT name FROM nodes').pluck().all()).toEqual(['good']);
    expect(raw.prepare('SELECT count(*) FROM packets').pluck().get()).toBe(0);
    raw.close();
  });

  it('reports per file the data lines read and warned about, capture lines, and a warning with lines on stderr', () => {
    const doc = path.join(dir, 'node1.md');
    fs.writeFileSync(doc, [
      '```',
      '$ ip route',
      'default via 10.0.0.1 dev eth0',
      '$ iptables -S INPUT',
      '-P INPUT ACCEPT',
      '-A INPUT -p tcp --dprot 22 -j ACCEPT',
      '```',
      '',
    ].join('\n'));
    const r = natlens(['import', '--db', path.join(dir, 'p.db'), '--node', 'n1', '--json', 'node1.md']);
    expect(r.code).toBe(0);
    const report = json<ImportJson & { files: unknown[]; warnings: unknown[] }>(r);
    expect(report.nodes).toEqual([{ name: 'n1', captures: [expect.objectContaining({ kind: 'ip-route', source: 'node1.md:3', lines: [3, 3] })] }]);
    const kept = { source: 'node1.md:5', lines: [5, 6], command: 'iptables -S INPUT', reason: 'iptables-save not read: unknown option --dprot' };
    expect(report.files).toEqual([{ file: 'node1.md', lines: 7, dataLines: 3, readDataLines: 1, warnedDataLines: 2, kept: [kept], nodes: ['n1'] }]);
    expect(report.warnings).toEqual([{ source: 'node1.md:6', lines: [5, 6], message: 'iptables-save: unknown option --dprot; kept as text' }]);
    expect(r.stderr).toContain('natlens: warning: node1.md:6: iptables-save: unknown option --dprot; kept as text (lines 5-6)');
    expect(r.stderr).toContain('natlens: node1.md: 1 of 3 lines that look like data read; 2 warned about above');
    // Warned about already: not named again among what was kept as text.
    expect(r.stderr).not.toContain('kept as text, not read');
  });

  it('names on stderr what a file kept as text without a warning: outputs of commands it does not read, text it does not recognise', () => {
    const doc = path.join(dir, 'session.txt');
    const others = Array.from({ length: 6 }, (_, i) => [`root@node-a:~# docker inspect -f '{{.State.Pid}}' web-${i}`, `${4000 + i}`]).flat();
    fs.writeFileSync(doc, ['root@node-a:~# cat /etc/resolv.conf', 'nameserver 10.96.0.10', 'search default.svc.cluster.local', 'root@node-a:~# ip route', 'default via 10.0.0.1 dev eth0', ...others, ''].join('\n'));
    const r = natlens(['import', '--db', path.join(dir, 'p.db'), 'session.txt']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('natlens: session.txt: 7 blocks kept as text, not read: `cat /etc/resolv.conf` (lines 2-3), `docker inspect -f \'{{.State.Pid}}\' web-0` (line 7), '
      + '`docker inspect -f \'{{.State.Pid}}\' web-1` (line 9), `docker inspect -f \'{{.State.Pid}}\' web-2` (line 11), `docker inspect -f \'{{.State.Pid}}\' web-3` (line 13), and 2 more (`import --json` lists them)\n');
  });

  it('imports a pcap with its packet count and first packet time (tcpdump\'s reading of the lab capture)', () => {
    const pcap = lab('nodes', 'nodea', 'eth0.pcap');
    // The same packets as tcpdump -e -tt printed them: one line per packet, starting with its epoch time.
    const printed = fs.readFileSync(lab('nodes', 'nodea', 'eth0.tcpdump.txt'), 'utf8').split('\n').filter((l) => /^\d+\.\d{6} /.test(l));
    const firstAt = new Date(Number(printed[0]!.split(' ')[0]) * 1000).toISOString();
    const r = natlens(['import', '--db', path.join(dir, 'p.db'), '--json', pcap]);
    expect(r.code).toBe(0);
    const report = json<ImportJson>(r);
    expect(report.nodes).toEqual([
      { name: 'eth0', captures: [{ id: 1, kind: 'pcap', source: pcap, takenAt: firstAt, records: printed.length, netns: null, lines: null }] },
    ]);
  });

  it('names transcript nodes after their shell prompts', () => {
    const r = natlens(['import', '--db', path.join(dir, 'p.db'), '--json', lab('transcripts')]);
    const report = json<ImportJson>(r);
    expect(report.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.nodes.map((n) => n.name)).toEqual(['nodea', 'nodeb']);
    expect(report.nodes.flatMap((n) => n.captures).length).toBeGreaterThan(5);
  });
});

describeShared('tcpdump-suite', 'natlens import of a conformance-suite pcap', () => {
  it('imports a pcap with its packet count and first packet time', () => {
    const manifest = JSON.parse(fs.readFileSync(sharedFile('tcpdump-suite', 'manifest.json'), 'utf8')) as Array<{ file: string; packets: number }>;
    const packets = manifest.find((m) => m.file === 'dns_tcp.pcap')?.packets;
    const r = natlens(['import', '--db', path.join(dir, 'p.db'), '--json', sharedFile('tcpdump-suite', 'dns_tcp.pcap')]);
    expect(r.code).toBe(0);
    const report = json<ImportJson>(r);
    expect(report.nodes).toEqual([
      {
        name: 'dns_tcp',
        captures: [{ id: 1, kind: 'pcap', source: sharedFile('tcpdump-suite', 'dns_tcp.pcap'), takenAt: '2020-06-10T09:21:03.720Z', records: packets, netns: null, lines: null }],
      },
    ]);
  });
});

describeShared('transcripts', 'natlens import of the shared transcripts', () => {
  it('names transcript nodes after their shell prompts', () => {
    const r = natlens(['import', '--db', path.join(dir, 'p.db'), '--json', sharedDir('transcripts')]);
    const report = json<ImportJson>(r);
    expect(report.errors).toEqual([]);
    expect(r.code).toBe(0);
    const names = report.nodes.map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining(['nodea', 'nodeb']));
    expect(report.nodes.flatMap((n) => n.captures).length).toBeGreaterThan(5);
  });
});

describe('natlens nodes', () => {
  it('prints the contract shape: newest interfaces and routes of each node, and its captures', () => {
    place('node-a/addr.txt', fixture('ip-addr.txt'));
    place('node-a/routes.txt', fixture('ip-route.txt'));
    expect(natlens(['import', 'node-a']).code).toBe(0);
    const r = natlens(['nodes', '--json']);
    expect(r.code).toBe(0);
    const nodes = json<Array<Record<string, unknown>>>(r);
    expect(nodes.length).toBe(1);
    const node = nodes[0] as {
      name: string;
      interfaces: Array<Record<string, unknown>>;
      routes: Array<Record<string, unknown>>;
      captures: Array<Record<string, unknown>>;
    };
    expect(node.name).toBe('node-a');
    expect(node.interfaces.find((i) => i.name === 'br0')).toEqual(
      expect.objectContaining({ name: 'br0', addresses: expect.arrayContaining(['10.77.1.1/24']), mac: '1a:cb:62:43:20:7e', state: 'UP', master: null, peer: null }),
    );
    expect(node.interfaces.find((i) => i.name === 'ra')).toEqual(expect.objectContaining({ master: 'br0', peer: 'if2' }));
    expect(node.routes.find((x) => x.dst === '10.95.0.5/32' || x.dst === '10.95.0.5')).toEqual(
      expect.objectContaining({ via: '10.77.2.2', dev: 'rb', src: null, metric: 50 }),
    );
    expect(node.captures.map((c) => [c.kind, c.source, c.takenAt])).toEqual([
      ['ip-addr', path.join('node-a', 'addr.txt:1'), null],
      ['ip-route', path.join('node-a', 'routes.txt:1'), null],
    ]);
    expect(typeof node.captures[0].id).toBe('number');
  });

  it('adds the node\'s ip rules (both families), neighbours and bridge fdb from a transcript', () => {
    const body = (name: string): string => fs.readFileSync(fixture(name), 'utf8');
    fs.writeFileSync(path.join(dir, 'node-b.txt'), [
      'root@node-b:~# ip rule', body('ip-rule.txt'), 'root@node-b:~# ip -6 rule', body('ip-6-rule.txt'),
      'root@node-b:~# ip -j neigh', body('ip-j-neigh.txt'), 'root@node-b:~# bridge fdb show', body('bridge-fdb.txt'),
    ].join('\n'));
    expect(natlens(['import', 'node-b.txt']).code).toBe(0);
    const [node] = json<Array<{ rules: Array<Record<string, unknown>>; neighbours: unknown[]; fdb: Array<Record<string, unknown>> }>>(natlens(['nodes', '--json']));
    expect(node?.rules.map((r) => [r.family, r.priority, r.action])).toContainEqual(['ipv6', 100, 'lookup']);
    expect(node?.rules.find((r) => r.priority === 130)).toEqual(expect.objectContaining({ oif: 'eth0', table: 'main', suppressPrefixLength: 0 }));
    expect(node?.neighbours).toHaveLength(6);
    expect(node?.fdb.filter((e) => e.dev === 'vxlan0' && e.dst !== null)).toHaveLength(3);
    expect(natlens(['nodes']).stdout).toMatch(/rule 130: from all oif eth0 lookup main suppress_prefixlength 0/);
  });

  it('exits 1 when the project does not exist, without creating it', () => {
    const r = natlens(['nodes', '--json', '--db', 'nowhere.db']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(dir, 'nowhere.db'))).toBe(false);
  });
});
