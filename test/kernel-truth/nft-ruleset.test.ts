/**
 * Kernel truth for the nft ruleset reader: kube-proxy-shaped rules (the lab's, a generated 200-service dump, and
 * kube-proxy's own conformance dumps when ../shared has them) are loaded with iptables-nft-restore into a namespace
 * of their own, then listed back both ways, `iptables-nft-save -c` and `nft list ruleset`. natlens's two readings
 * must hold the same chains, rules and targets (comments aside: nft 1.0.6 does not print iptables-nft's), and the
 * replay must give the same outcomes on both for Service IPs, NodePorts, misses, pod-to-pod and local traffic.
 * Needs root, `ip netns`, iptables-nft and nft; skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/capture/iptables/iptables-save';
import { parseNftRuleset } from '../../src/core/capture/nft/nft-ruleset';
import { rulesetDifferences } from '../support/nft-agreement';
import type { Ruleset } from '../../src/core/netfilter/ruleset';
import type { InterfaceRecord, RouteRecord } from '../../src/core/records/records';
import type { NodeSnapshot } from '../../src/core/simulate/node-snapshot';
import { tracePacket } from '../../src/core/simulate/trace-packet';
import type { TraceRequest } from '../../src/core/simulate/trace';
import { hasShared, sharedDir } from '../support/shared-corpus';
import { withBuiltinJumps } from '../support/kube-proxy-v1';
import { writeKubeProxyDump } from '../../scripts/bench/kube-proxy-dump.mjs';
import { kubeProxyRestore, type NodeRules } from './kube-rules';
import { kernelLabUnavailable, Lab } from './netns';

function nftUnavailable(): string | null {
  for (const tool of ['nft', 'iptables-nft-restore', 'iptables-nft-save']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `${tool} is missing`;
    }
  }
  return null;
}

const unavailable = kernelLabUnavailable() ?? nftUnavailable();
if (unavailable !== null) console.warn(`nft-ruleset kernel-truth test skipped: ${unavailable}`);

const NODE_IP = '192.168.0.10';
const CLUSTER_CIDR = '10.244.0.0/16';

const LAB_RULES: NodeRules = {
  clusterCidr: CLUSTER_CIDR,
  forwardPolicy: 'DROP',
  forwardRules: ['-A FORWARD -s 10.244.0.0/16 -j ACCEPT', '-A FORWARD -d 10.244.0.0/16 -j ACCEPT'],
  countEgress: ['eth0', 'cbr0'],
  services: [
    { namespace: 'default', name: 'web', portName: 'http', clusterIP: '10.96.0.10', port: 80, nodePort: 30080, endpoints: [{ ip: '10.244.1.5', port: 8080 }, { ip: '10.244.2.6', port: 8080 }, { ip: '10.244.2.7', port: 8080 }] },
    { namespace: 'kube-system', name: 'dns', portName: 'dns', clusterIP: '10.96.0.53', port: 53, protocol: 'udp', endpoints: [{ ip: '10.244.1.9', port: 53 }] },
    { namespace: 'default', name: 'empty', portName: 'http', clusterIP: '10.96.0.20', port: 80, nodePort: 30090, endpoints: [] },
  ],
};

function iface(name: string, cidrs: string[]): InterfaceRecord {
  return {
    name, index: null, peer: null, linkNetns: null, flags: [], mtu: null, state: 'UP', master: null,
    linkType: name === 'lo' ? 'loopback' : 'ether', mac: null, line: 0,
    addresses: cidrs.map((cidr) => ({ family: 'ipv4', cidr, peer: null, broadcast: null, scope: null, label: null, secondary: false, line: 0 })),
  };
}

function snapshot(ruleset: Ruleset): NodeSnapshot[] {
  const route: RouteRecord = {
    type: 'unicast', dst: 'default', family: 'ipv4', via: '192.168.0.1', dev: 'eth0', src: null, metric: null, table: 'main', scope: null, proto: null, flags: [], line: 0,
  };
  return [{ name: 'node', ruleset, interfaces: [iface('lo', ['127.0.0.1/8']), iface('eth0', [`${NODE_IP}/24`]), iface('cbr0', ['10.244.0.1/16'])], routes: [route] }];
}

/** The packets replayed on both readings: every service's ClusterIP from a pod and from outside, its NodePort, and misses. */
function packetsFor(ruleset: Ruleset): TraceRequest[] {
  const out: TraceRequest[] = [];
  const services = new Map<string, { proto: string; port: number }>();
  const nodePorts = new Map<number, string>();
  for (const t of ruleset.tables) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        const dst = r.matches.find((m) => m.kind === 'destination' && !m.negated);
        const port = r.matches.find((m) => m.kind === 'ports' && m.which === 'dport' && !m.negated);
        const proto = r.matches.find((m) => m.kind === 'protocol' && !m.negated);
        if (c.name === 'KUBE-SERVICES' && dst?.kind === 'destination' && port?.kind === 'ports' && proto?.kind === 'protocol') {
          services.set(dst.cidr.address, { proto: proto.proto, port: port.ranges[0]!.min });
        }
        if (c.name === 'KUBE-NODEPORTS' && port?.kind === 'ports' && proto?.kind === 'protocol') nodePorts.set(port.ranges[0]!.min, proto.proto);
      }
    }
  }
  for (const [ip, { proto, port }] of [...services].slice(0, 40)) {
    out.push({ node: 'node', proto, src: '10.244.1.20', sport: 40000, dst: ip, dport: port, in: 'cbr0', follow: false });
    out.push({ node: 'node', proto, src: '192.168.0.50', sport: 40000, dst: ip, dport: port, in: 'eth0', follow: false });
    out.push({ node: 'node', proto, dst: ip, dport: port, local: true, follow: false });
    out.push({ node: 'node', proto, src: '10.244.1.20', sport: 40000, dst: ip, dport: port + 1, in: 'cbr0', follow: false });
  }
  for (const [port, proto] of [...nodePorts].slice(0, 20)) {
    out.push({ node: 'node', proto, src: '192.168.0.50', sport: 40000, dst: NODE_IP, dport: port, in: 'eth0', follow: false });
  }
  out.push({ node: 'node', proto: 'tcp', src: '10.244.1.20', sport: 40000, dst: '10.244.2.30', dport: 8080, in: 'cbr0', follow: false });
  out.push({ node: 'node', proto: 'tcp', src: '192.168.0.50', sport: 40000, dst: NODE_IP, dport: 22, in: 'eth0', follow: false });
  out.push({ node: 'node', proto: 'udp', src: '192.168.0.50', sport: 40000, dst: '10.96.255.1', dport: 53, in: 'eth0', follow: false });
  return out;
}

/**
 * What an outcome says, without the rule texts and comments each format prints its own way. A built-in chain's
 * ACCEPT policy is left out of the path: a chain iptables-nft never created is not in nft's listing (no hook,
 * nothing filtered), where iptables-nft-save prints it empty with policy ACCEPT.
 */
function outcomes(world: NodeSnapshot[], req: TraceRequest): string[] {
  return tracePacket(world, req).outcomes.map((o) => [
    o.verdict, o.probability.toFixed(9), `${o.packet.src}:${o.packet.sport ?? ''}>${o.packet.dst}:${o.packet.dport ?? ''}`,
    o.egress?.interface ?? '-', o.steps.filter((s) => !(s.policy && s.target === 'ACCEPT')).map((s) => `${s.table}/${s.chain}:${s.target}`).join(' '), `${o.assumptions.length} assumptions`,
  ].join(' | ')).sort();
}

describe.skipIf(unavailable !== null)('nft list ruleset against iptables-nft-save of the same rules in the kernel', () => {
  let lab: Lab;
  let next = 0;
  beforeAll(() => {
    lab = new Lab();
  });
  afterAll(() => lab?.dispose());

  /** Loads `restore` into a fresh namespace with iptables-nft-restore; both listings of it. */
  function listBoth(restore: string): { nft: string; save: string } | { refused: string } {
    const role = `n${next++}`;
    lab.addNamespaces([role]);
    const loaded = lab.exec(role, ['iptables-nft-restore'], restore);
    if (loaded.code !== 0) return { refused: loaded.stderr.trim().split('\n')[0] ?? '' };
    return { nft: lab.sh(role, 'nft list ruleset'), save: lab.sh(role, 'iptables-nft-save -c') };
  }

  /** Whether the replay was compared: not where nft printed an extension it cannot show (`xt match recent`), which the replay must then treat as unknown. */
  function agree(name: string, restore: string, replay: boolean): boolean | 'refused' {
    const listed = listBoth(restore);
    if ('refused' in listed) return 'refused';
    const { nft, save } = listed;
    const fromNft = parseNftRuleset({ file: `${name}.nft`, text: nft, firstLine: 1 }, { partial: false });
    const fromSave = parseIptablesSave({ file: `${name}.save`, text: save, firstLine: 1 }).ruleset;
    expect(fromNft.rulesets).toHaveLength(1);
    const ruleset = fromNft.rulesets[0]!;
    expect(ruleset.origin.partial).toBe(false);
    expect(rulesetDifferences(ruleset, fromSave)).toEqual([]);
    // Only the lossy `ct status dnat` (kube-proxy's KUBE-FIREWALL) is warned of: every other word was read.
    for (const w of fromNft.warnings) expect(w.message).toMatch(/"ct status dnat" is how nft prints/);
    const opaque = ruleset.tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.matches.some((m) => m.kind === 'unsupported' && m.module !== 'conntrack'))));
    if (!replay || opaque) return false;
    const a = snapshot(ruleset);
    const b = snapshot(fromSave);
    const packets = packetsFor(fromSave);
    expect(packets.length).toBeGreaterThan(3);
    for (const p of packets) expect({ packet: p, outcomes: outcomes(a, p) }).toEqual({ packet: p, outcomes: outcomes(b, p) });
    return true;
  }

  it('the lab\'s kube-proxy rules (3 endpoints, UDP, a service without endpoints, NodePorts, FORWARD policy DROP)', () => {
    expect(agree('lab', kubeProxyRestore(LAB_RULES), true)).toBe(true);
  });

  it('a 200-service, 3-endpoint kube-proxy dump', () => {
    const file = path.join(tmpdir(), `${lab.prefix}-kube.save`);
    try {
      writeKubeProxyDump(file, 200, 3);
      expect(agree('kube-200', readFileSync(file, 'utf8'), true)).toBe(true);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it.skipIf(!hasShared('kube-proxy-conformance'))('kube-proxy\'s conformance dumps read through iptables-nft-restore and nft list ruleset', () => {
    const root = sharedDir('kube-proxy-conformance');
    const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(folders.length).toBeGreaterThan(0);
    const replayed: string[] = [];
    const refused: string[] = [];
    for (const folder of folders) {
      const text = readFileSync(path.join(root, folder, 'ruleset.iptables-save'), 'utf8');
      const v1 = (JSON.parse(readFileSync(path.join(root, folder, 'flows.json'), 'utf8')) as { tracer: string }).tracer === 'v1';
      const agreed = agree(folder, v1 ? withBuiltinJumps(text) : text, true);
      if (agreed === 'refused') refused.push(folder);
      else if (agreed) replayed.push(folder);
    }
    // A dump the kernel's own restore refuses has nothing to compare (TestTracePacket's static ruleset is not restorable).
    expect(refused.length).toBeLessThanOrEqual(1);
    // Session affinity (-m recent) is the one extension the dumps use that nft prints as `xt match recent`.
    expect(folders.filter((f) => !replayed.includes(f) && !refused.includes(f))).toEqual(folders.filter((f) => !refused.includes(f) && readFileSync(path.join(root, f, 'ruleset.iptables-save'), 'utf8').includes('-m recent')));
    expect(replayed.length).toBeGreaterThan(folders.length / 2);
  });
});
