/**
 * Kernel truth for the collector: a node namespace with a client on one side and a pod behind a
 * bridge on the other, a kube-proxy-shaped DNAT and a FORWARD drop; real connections first, then
 * resources/collect.sh run INSIDE the node's namespace — once with every tool, once with a PATH
 * that hides nft and conntrack — and each tarball imported through `natlens import`'s pipeline.
 * The manifest must record the hidden tools, and traces on the import must end each connection as
 * the kernel did, with the NAT conntrack recorded. Needs root and `ip netns`; skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../src/core/model/store';
import { importPaths } from '../../src/core/import/import-paths';
import type { ImportReport } from '../../src/core/import/import-report';
import { traceProject } from '../../src/core/project/project-trace';
import type { TraceResult } from '../../src/core/simulate';
import { parseCollectManifest, type CollectManifest } from '../../src/core/import/collect-manifest';
import { natDisagreements, outcomesDeliveredTo, packetText, resultText, uncountedSteps } from './agreement';
import { Lab, kernelLabUnavailable } from './netns';
import { captureAll, type NodeCapture } from './node-capture';
import { connect, startServers, type Connection, type ConnectionResult } from './traffic';

const unavailable = kernelLabUnavailable();
if (unavailable !== null) console.warn(`collector kernel-truth test skipped: ${unavailable}`);

const SCRIPT = path.resolve('resources', 'collect.sh');
const CLIENT_IP = '192.168.77.2';
const NODE_IP = '192.168.77.1';
const BRIDGE_IP = '10.77.0.1';
const POD_IP = '10.77.0.2';
const SERVICE_IP = '10.96.7.7';
const POD_PORT = 8080;
const BLOCKED_PORT = 9090;

/** kube-proxy's shape: PREROUTING → KUBE-SERVICES → KUBE-SVC → KUBE-SEP DNAT; the filter table drops one port. */
const RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-WEBXXXXXXXXXXXXX - [0:0]
:KUBE-SEP-WEB1XXXXXXXXXXXX - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d ${SERVICE_IP}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEBXXXXXXXXXXXXX
-A KUBE-SVC-WEBXXXXXXXXXXXXX -m comment --comment "default/web:http -> ${POD_IP}:${POD_PORT}" -j KUBE-SEP-WEB1XXXXXXXXXXXX
-A KUBE-SEP-WEB1XXXXXXXXXXXX -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination ${POD_IP}:${POD_PORT}
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -d ${POD_IP}/32 -p tcp -m tcp --dport ${BLOCKED_PORT} -j DROP
COMMIT
`;

const CONNECTIONS: Connection[] = [
  { sport: 41001, dst: SERVICE_IP, dport: 80, timeout: 2 },
  { sport: 41002, dst: POD_IP, dport: POD_PORT, timeout: 2 },
  { sport: 41003, dst: POD_IP, dport: BLOCKED_PORT, timeout: 1 },
];

interface Collected {
  tarball: string;
  stdout: string;
  manifest: CollectManifest;
  report: ImportReport;
  store: Store;
  node: string;
}

describe.skipIf(unavailable !== null)('the collector inside a node namespace', () => {
  let lab: Lab;
  let dir: string;
  let kernel: ConnectionResult[];
  let truth: NodeCapture;
  const runs = new Map<'full' | 'hidden' | 'containers', Collected>();
  let podPid = 0;

  /** A PATH of links to every program on this one but `hidden`. */
  function pathWithout(hidden: string[]): string {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
      let names: string[];
      try {
        names = fs.readdirSync(d);
      } catch {
        continue;
      }
      for (const name of names) {
        if (hidden.includes(name) || fs.existsSync(path.join(bin, name))) continue;
        fs.symlinkSync(path.join(d, name), path.join(bin, name));
      }
    }
    return bin;
  }

  /** A crictl that knows one container: a process in the pod's namespace. */
  function fakeCrictl(): string {
    const bin = path.join(dir, 'crictl-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'crictl'), [
      '#!/bin/sh',
      'case "$1" in',
      '  --version) echo "crictl version v1.30.0 (lab stand-in)" ;;',
      '  ps) echo abc123def4567890 ;;',
      `  inspect) echo ${podPid} ;;`,
      '  *) exit 1 ;;',
      'esac',
      '',
    ].join('\n'), { mode: 0o755 });
    return bin;
  }

  function collect(kind: 'full' | 'hidden' | 'containers', env: NodeJS.ProcessEnv, extra: string[] = [], netns = `${lab.prefix}-*`): Collected {
    const out = path.join(dir, kind);
    fs.mkdirSync(out);
    // Only the lab's namespaces: other namespaces on this machine are none of this test's business.
    const stdout = execFileSync('ip', ['netns', 'exec', lab.ns('node'), 'sh', SCRIPT, '-n', netns, ...extra, out], {
      env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
    });
    const tarball = stdout.trimEnd().split('\n').at(-1) ?? '';
    const listing = execFileSync('tar', ['-xzOf', tarball, '--wildcards', '*/manifest.tsv'], { encoding: 'utf8' });
    const manifest = parseCollectManifest('manifest.tsv', listing);
    const store = Store.open(path.join(dir, `${kind}.db`));
    const report = importPaths(store, [tarball]);
    return { tarball, stdout, manifest, report, store, node: report.nodes[0]?.name ?? '' };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-collector-lab-'));
    lab = new Lab();
    lab.addNamespaces(['node', 'client', 'pod']);
    lab.ip('node', [
      'link set lo up',
      `link add eth0 type veth peer name eth0 netns ${lab.ns('client')}`,
      `addr add ${NODE_IP}/24 dev eth0`, 'link set eth0 up',
      'link add cbr0 type bridge', `addr add ${BRIDGE_IP}/24 dev cbr0`, 'link set cbr0 up',
      `link add veth-pod type veth peer name eth0 netns ${lab.ns('pod')}`, 'link set veth-pod master cbr0', 'link set veth-pod up',
    ]);
    lab.ip('client', ['link set lo up', `addr add ${CLIENT_IP}/24 dev eth0`, 'link set eth0 up', `route add default via ${NODE_IP} dev eth0`]);
    lab.ip('pod', ['link set lo up', `addr add ${POD_IP}/24 dev eth0`, 'link set eth0 up', `route add default via ${BRIDGE_IP} dev eth0`]);
    lab.sh('node', 'sysctl -qw net.ipv4.ip_forward=1\niptables-restore\nconntrack -F 2>/dev/null || true', RULES);
    await startServers(lab, ['pod'], POD_PORT, 30);
    kernel = connect(lab, 'client', CONNECTIONS);
    truth = captureAll(lab, ['node'], ['node']).get('node')!;
    // An idle interface: the capture stops at its time bound with no packet.
    runs.set('full', collect('full', process.env, ['-i', 'eth0', '-c', '5', '-G', '1']));
    runs.set('hidden', collect('hidden', { ...process.env, PATH: pathWithout(['nft', 'conntrack']) }));
    podPid = lab.spawn('pod', ['sleep', '60']).pid ?? 0;
    // The pod's namespace reached only through the container runtime: `ip netns` visits the client's alone.
    runs.set('containers', collect('containers', { ...process.env, PATH: `${fakeCrictl()}:${process.env.PATH ?? ''}` }, [], lab.ns('client')));
  }, 240_000);

  afterAll(() => {
    for (const run of runs.values()) run.store.close();
    lab?.dispose();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the kernel answered the service and the pod and dropped the blocked port', () => {
    expect(kernel.map((r) => (r.result === 'reply' ? r.reply : r.result))).toEqual(['pod', 'pod', 'timeout']);
  });

  it('prints the tarball path as its last line, and the import is one node named by the host', () => {
    for (const run of runs.values()) {
      expect(fs.existsSync(run.tarball)).toBe(true);
      expect(path.dirname(run.tarball)).toMatch(/(full|hidden|containers)$/);
      expect(run.report.errors).toEqual([]);
      expect(run.report.nodes.map((n) => n.name)).toEqual([os.hostname()]);
      expect(run.manifest.host).toBe(os.hostname());
      expect(run.manifest.kernel).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    }
  });

  it('with every tool: nft and conntrack ran, and every capture is timed by the manifest', () => {
    const run = runs.get('full')!;
    const status = (command: string): string | undefined => run.manifest.commands.find((c) => c.command === command)?.status;
    expect(status('nft list ruleset')).toBe('ok');
    expect(status('conntrack -L')).toBe('ok');
    const captures = run.report.nodes[0]!.captures;
    expect(captures.map((c) => c.kind)).toEqual(expect.arrayContaining(['ip-addr', 'ip-route', 'iptables-save', 'conntrack']));
    const started = new Set(run.manifest.commands.map((c) => c.started));
    // Packets carry their own clock; every other capture is timed by its command's start.
    expect(captures.filter((c) => c.kind !== 'pcap' && (c.takenAt === null || !started.has(c.takenAt)))).toEqual([]);
    const packets = run.manifest.commands.find((c) => c.file?.startsWith('pcap/eth0.'));
    expect(packets?.status).toMatch(/^(ok|timeout)$/);
    const pcap = captures.find((c) => c.kind === 'pcap');
    // The first packet's time, or with none (an idle interface), the command's start.
    expect(pcap?.takenAt === packets?.started || Date.parse(pcap?.takenAt ?? '') >= Date.parse(packets?.started ?? '')).toBe(true);
    // The lab's other namespaces are collected too, each marked with its name.
    expect(captures.filter((c) => c.netns !== null).map((c) => c.netns)).toEqual(expect.arrayContaining([lab.ns('client'), lab.ns('pod')]));
  });

  it('with nft and conntrack hidden: the manifest records them missing, the import warns, /proc/net/nf_conntrack stands in', () => {
    const run = runs.get('hidden')!;
    const missing = run.manifest.commands.filter((c) => c.status === 'missing').map((c) => c.command);
    expect(missing).toEqual(expect.arrayContaining(['nft list ruleset', 'conntrack -L']));
    expect(run.report.warnings.map((w) => w.message)).toEqual(expect.arrayContaining([
      '`nft list ruleset` was not run: nft is not installed on the node',
      '`conntrack -L` was not run: conntrack is not installed on the node',
    ]));
    const fallback = run.manifest.commands.find((c) => c.command === 'cat /proc/net/nf_conntrack');
    if (fs.existsSync('/proc/net/nf_conntrack')) {
      expect(fallback?.status).toBe('ok');
      expect(run.report.nodes[0]!.captures.map((c) => c.kind)).toContain('conntrack');
    }
  });

  it("reaches a container's namespace through crictl and nsenter, marked with the container's id", () => {
    const run = runs.get('containers')!;
    expect(podPid).toBeGreaterThan(0);
    const rows = run.manifest.commands.filter((c) => c.netns === 'crictl:abc123def456');
    expect(rows.map((c) => [c.status, c.command])).toEqual([
      ['ok', `nsenter -t ${podPid} -n ip -d addr`],
      ['ok', `nsenter -t ${podPid} -n ip route show table all`],
      ['ok', `nsenter -t ${podPid} -n ip -6 route show table all`],
      ['ok', `nsenter -t ${podPid} -n ip rule`],
    ]);
    const captures = run.report.nodes[0]!.captures;
    // Addresses, routes of each family and policy rules, of the client's netns and the container's.
    expect(captures.filter((c) => c.netns !== null).map((c) => `${c.kind} ${c.netns}`).sort()).toEqual([
      'ip-addr abc123def456', `ip-addr ${lab.ns('client')}`,
      'ip-route abc123def456', 'ip-route abc123def456', `ip-route ${lab.ns('client')}`, `ip-route ${lab.ns('client')}`,
      'ip-rule abc123def456', `ip-rule ${lab.ns('client')}`,
    ]);
    // The pod's lo and eth0, and eth0 holds the pod's address.
    expect(captures.find((c) => c.kind === 'ip-addr' && c.netns === 'abc123def456')?.records).toBe(2);
    const addr = execFileSync('tar', ['-xzOf', run.tarball, '--wildcards', '*/containers/crictl-abc123def456/addr.txt'], { encoding: 'utf8' });
    expect(addr).toContain(`inet ${POD_IP}/24`);
  });

  for (const kind of ['full', 'hidden'] as const) {
    it(`${kind}: traces on the import end each connection as the kernel did, with conntrack's NAT`, () => {
      const run = runs.get(kind)!;
      const problems: string[] = [];
      // The collector's own `iptables-save -c` (the node's newest dump): every rule on a delivered path counted packets.
      const dumps = run.report.nodes[0]!.captures.filter((c) => c.kind === 'iptables-save');
      const ruleset = run.store.rulesetsOf(dumps.at(-1)!.id)[0] ?? null;
      expect(ruleset?.tables.map((t) => t.name).sort()).toEqual(['filter', 'nat']);
      const counted = new Map([[run.node, { ...truth, ruleset }]]);
      CONNECTIONS.forEach((c, i) => {
        const result: TraceResult = traceProject(run.store, {
          node: run.node, proto: 'tcp', src: CLIENT_IP, sport: c.sport, dst: c.dst, dport: c.dport, in: 'eth0', follow: false,
        }, { snapshot: null });
        const seen = kernel[i]!;
        const outcomes = result.outcomes.map((o) => `${o.verdict} ${packetText(o.packet)} out ${o.egress?.interface ?? '-'}`).join(' | ');
        if (seen.result === 'reply') {
          const forwarded = result.outcomes.filter((o) => o.verdict === 'forward' && o.egress?.interface === 'cbr0' && o.packet.dst === POD_IP && o.packet.dport === POD_PORT);
          if (forwarded.length === 0 || forwarded.reduce((p, o) => p + o.probability, 0) < 1 - 1e-9) {
            problems.push(`${c.dst}:${c.dport}: kernel ${resultText(seen)}; trace ${outcomes}`);
          }
          for (const o of forwarded) {
            problems.push(...natDisagreements(o, new Map([[run.node, truth]]), [run.node]));
            problems.push(...uncountedSteps(o, counted));
          }
        } else if (result.outcomes.length === 0 || result.outcomes.some((o) => o.verdict !== 'drop')) {
          problems.push(`${c.dst}:${c.dport}: kernel ${resultText(seen)}; trace ${outcomes}`);
        }
        expect(outcomesDeliveredTo(result, 'pod')).toEqual([]);
      });
      expect(problems).toEqual([]);
    });
  }
});
