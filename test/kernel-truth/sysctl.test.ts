/**
 * Kernel truth for the kernel settings natlens reads (sysctl): a router namespace between a client and a server, and
 * the same ping sent across it with the router's settings changed between runs — ip_forward 0; rp_filter strict with
 * an asymmetric source (the client pings from 10.9.0.5, a network the router routes out of its server side); rp_filter
 * off with that source; strict with a symmetric source. The server's own ICMP counters say whether the echo arrived,
 * the client's whether an ICMP error came back. After each run the router's `ip addr`, `ip route`, `iptables-save` and
 * `sysctl -a | grep -E 'forward|rp_filter'` are imported and the same packet replayed on them: the replay must say what
 * the kernel did, and why.
 * Every setting is changed inside the lab's namespaces only (they are per namespace), never the host's.
 * NATLENS_WRITE_FIXTURES=1 writes each run's captures to test/fixtures/sysctl/<run>/ (the fixtures committed there).
 * Needs root and `ip netns`; skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { importPaths } from '../../src/core/import/import-paths';
import { loadWorld } from '../../src/core/project/node-world';
import { tracePacket } from '../../src/core/simulate/trace-packet';
import type { Outcome } from '../../src/core/simulate/trace';
import { tempProject } from '../support/temp-project';
import { kernelLabUnavailable, Lab } from './netns';

const unavailable = kernelLabUnavailable();
if (unavailable !== null) console.warn(`sysctl kernel-truth test skipped: ${unavailable}`);

const CLIENT = '10.0.1.10';
/** A second address of the client, in a network the router routes out of its server side. */
const ASYMMETRIC = '10.9.0.5';
const SERVER = '10.0.2.20';
const FIXTURES = 'test/fixtures/sysctl';

interface Run {
  name: string;
  /** sysctl -w lines run in the router's namespace before the ping. */
  settings: string[];
  src: string;
  /** What the kernel did, and what the replay must say. */
  arrives: boolean;
  reason: RegExp | null;
}

const RUNS: readonly Run[] = [
  { name: 'forward-off', settings: ['net.ipv4.ip_forward=0'], src: CLIENT, arrives: false, reason: /does not forward \(net\.ipv4\.conf\.r1\.forwarding=0 .*before FORWARD/ },
  {
    name: 'rp-strict-asymmetric', settings: ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=1', 'net.ipv4.conf.r1.rp_filter=1'], src: ASYMMETRIC,
    arrives: false, reason: /reverse-path filter \(net\.ipv4\.conf\.(?:all|r1)\.rp_filter=1 .*the route back to 10\.9\.0\.5 leaves by r2, not r1/,
  },
  { name: 'rp-off-asymmetric', settings: ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.r1.rp_filter=0'], src: ASYMMETRIC, arrives: true, reason: null },
  { name: 'rp-strict-symmetric', settings: ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=1', 'net.ipv4.conf.r1.rp_filter=1'], src: CLIENT, arrives: true, reason: null },
];

interface Result {
  run: Run;
  /** Echo requests the server counted (Icmp InEchos) for the ping. */
  echoes: number;
  /** ICMP destination unreachable the client counted. */
  unreachables: number;
  files: Record<string, string>;
}

function icmpCounter(lab: Lab, role: string, name: string): number {
  const lines = lab.sh(role, 'cat /proc/net/snmp').split('\n').filter((l) => l.startsWith('Icmp:'));
  const [head, values] = [lines[0]!.split(/\s+/), lines[1]!.split(/\s+/)];
  return Number(values[head.indexOf(name)]);
}

function runLab(): Result[] {
  const lab = new Lab();
  try {
    lab.addNamespaces(['client', 'router', 'server']);
    lab.script([
      `ip -n ${lab.ns('client')} link add eth0 type veth peer name r1 netns ${lab.ns('router')}`,
      `ip -n ${lab.ns('server')} link add eth0 type veth peer name r2 netns ${lab.ns('router')}`,
    ]);
    lab.ip('client', ['link set lo up', 'link set eth0 up', `addr add ${CLIENT}/24 dev eth0`, `addr add ${ASYMMETRIC}/32 dev eth0`, 'route add default via 10.0.1.1']);
    // The server drops its replies to 10.9/16 (the router would send them back to it): only its echo count matters.
    lab.ip('server', ['link set lo up', 'link set eth0 up', `addr add ${SERVER}/24 dev eth0`, 'route add default via 10.0.2.1', 'route add blackhole 10.9.0.0/16']);
    lab.ip('router', ['link set lo up', 'link set r1 up', 'link set r2 up', 'addr add 10.0.1.1/24 dev r1', 'addr add 10.0.2.1/24 dev r2', `route add 10.9.0.0/16 via ${SERVER} dev r2`]);
    lab.sh('router', 'iptables-restore', '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
    // Warm the neighbour tables so that a run's one echo is not lost to ARP.
    lab.sh('router', `ping -c1 -W1 ${CLIENT} >/dev/null; ping -c1 -W1 ${SERVER} >/dev/null`);
    return RUNS.map((run) => {
      lab.sh('router', run.settings.map((s) => `sysctl -qw ${s}`).join('\n'));
      const echoes = icmpCounter(lab, 'server', 'InEchos');
      const unreachables = icmpCounter(lab, 'client', 'InDestUnreachs');
      lab.exec('client', ['ping', '-c1', '-W1', '-I', run.src, SERVER]);
      return {
        run,
        echoes: icmpCounter(lab, 'server', 'InEchos') - echoes,
        unreachables: icmpCounter(lab, 'client', 'InDestUnreachs') - unreachables,
        files: {
          'ip-addr.txt': lab.sh('router', 'ip addr'),
          'ip-route.txt': lab.sh('router', 'ip route'),
          'iptables-save.txt': lab.sh('router', 'iptables-save | grep -v "^#"'),
          'sysctl.txt': lab.sh('router', "sysctl -a 2>/dev/null | grep -E 'forward|rp_filter' | grep -E '\\.(all|default|lo|r1|r2)\\.|ip_forward'"),
        },
      };
    });
  } finally {
    lab.dispose();
  }
}

describe.skipIf(unavailable !== null)('ip_forward and rp_filter: the kernel against natlens\'s replay of the router\'s captures', () => {
  let results: Result[];
  const cleanups: Array<() => void> = [];

  beforeAll(() => {
    results = runLab();
    if (process.env.NATLENS_WRITE_FIXTURES === '1') {
      for (const r of results) {
        fs.mkdirSync(path.join(FIXTURES, r.run.name), { recursive: true });
        for (const [name, text] of Object.entries(r.files)) fs.writeFileSync(path.join(FIXTURES, r.run.name, name), text);
      }
    }
  }, 60_000);

  afterAll(() => {
    for (const c of cleanups) c();
  });

  const replay = (r: Result): Outcome[] => {
    const project = tempProject(`sysctl-${r.run.name}`);
    cleanups.push(() => project.cleanup());
    for (const [name, text] of Object.entries(r.files)) project.write(`nodes/router/${name}`, text);
    const store = project.store();
    const report = importPaths(store, [project.file('nodes')]);
    expect(report.errors).toEqual([]);
    return tracePacket(loadWorld(store), { node: 'router', proto: 'icmp', src: r.run.src, dst: SERVER, in: 'r1', follow: false }).outcomes;
  };

  for (const run of RUNS) {
    it(`${run.name}: the echo ${run.arrives ? 'crosses the router' : 'is dropped by the router, without an ICMP error'}, and the replay agrees`, () => {
      const r = results.find((x) => x.run === run)!;
      expect(r.echoes, 'echo requests the server received').toBe(run.arrives ? 1 : 0);
      expect(r.unreachables, 'ICMP errors the client received').toBe(0);
      const outcomes = replay(r);
      expect(outcomes).toHaveLength(1);
      const o = outcomes[0]!;
      if (run.arrives) {
        expect(o.verdict).toBe('forward');
        expect(o.egress).toMatchObject({ node: 'router', interface: 'r2' });
      } else {
        expect(o.verdict).toBe('drop');
        expect(o.reason).toMatch(run.reason!);
        expect(o.reason).toMatch(/\/sysctl\.txt:\d+/);
      }
    });
  }
});
