/**
 * kube-proxy packet-flow vectors replayed the way the kernel would: each flow arrives on an interface
 * (external on eth0, pods on cbr0) or leaves a local process, and the outcomes are mapped back to
 * kube-proxy's `output`/`masq` strings. Two corpora in one format: natlens's own, recorded from the kernel
 * (test/fixtures/kube-proxy, scripts/lab/record-kube-proxy-vectors.sh), and kube-proxy's own vectors
 * (../shared/conformance/kube-proxy) when that folder is there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InterfaceRecord, RouteRecord } from '../records/records';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { parseNftRuleset } from '../capture/nft/nft-ruleset';
import type { Ruleset } from '../netfilter/ruleset';
import type { NodeSnapshot } from './node-snapshot';
import { tracePacket } from './trace-packet';
import type { TraceResult } from './trace';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedDir } from '../../../test/support/shared-corpus';
import { withBuiltinJumps } from '../../../test/support/kube-proxy-v1';

const OWN = path.resolve(__dirname, '../../../test/fixtures/kube-proxy');

interface Flow {
  name: string;
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol: string;
  output: string;
  masq: boolean;
}

interface Vector {
  test: string;
  tracer: 'v1' | 'v2';
  nodeIPs: string[];
  localAddresses: string[];
  entryChains: { nat: string[]; filter: string[] };
  flows: Flow[];
}

function address(cidr: string, secondary = false): InterfaceRecord['addresses'][number] {
  return { family: cidr.includes(':') ? 'ipv6' : 'ipv4', cidr, peer: null, broadcast: null, scope: null, label: null, secondary, line: 0 };
}

function iface(name: string, addresses: string[]): InterfaceRecord {
  return {
    name, index: null, peer: null, linkNetns: null, flags: [], mtu: null, state: 'UP', master: null,
    linkType: name === 'lo' ? 'loopback' : 'ether', mac: null, addresses: addresses.map((a) => address(a)), line: 0,
  };
}

/** The vector's ruleset as iptables-save prints it, or (`nft`) as nft list ruleset printed the same rules loaded by iptables-nft-restore. */
function rulesetOf(v: Vector, dir: string, nft: string | null): Ruleset {
  if (nft !== null) {
    const parsed = parseNftRuleset({ file: nft, text: readFileSync(nft, 'utf8'), firstLine: 1 }, { partial: false });
    expect(parsed.rulesets).toHaveLength(1);
    return parsed.rulesets[0]!;
  }
  const file = path.join(dir, 'ruleset.iptables-save');
  const text = readFileSync(file, 'utf8');
  return parseIptablesSave({ file, text: v.tracer === 'v1' ? withBuiltinJumps(text) : text, firstLine: 1 }).ruleset;
}

function node(v: Vector, dir: string, nft: string | null = null): NodeSnapshot {
  const ruleset = rulesetOf(v, dir, nft);
  const v4NodeIps = v.nodeIPs.filter((ip) => !ip.includes(':'));
  const defaultRoute: RouteRecord = {
    type: 'unicast', dst: 'default', family: 'ipv4', via: '192.168.0.1', dev: 'eth0', src: null, metric: null,
    table: 'main', scope: null, proto: null, flags: [], line: 0,
  };
  return {
    name: 'node',
    ruleset,
    interfaces: [
      iface('lo', ['127.0.0.1/8', '::1/128']),
      iface('eth0', v4NodeIps.map((ip) => `${ip}/24`)),
      iface('cbr0', ['10.0.0.1/8']),
    ],
    routes: [defaultRoute],
  };
}

/** kube-proxy's output string: DNAT destinations over all branches in rule order, then the filter verdicts of its entry chains. */
function kubeOutput(v: Vector, result: TraceResult): { output: string; masq: boolean } {
  const dnats: string[] = [];
  const verdicts: string[] = [];
  const verdictChains = new Set([...v.entryChains.filter, ...(v.tracer === 'v1' ? ['KUBE-FIREWALL'] : [])]);
  let masq = false;
  for (const o of result.outcomes) {
    for (const s of o.steps) {
      if (s.target === 'KUBE-MARK-MASQ') masq = true;
      if (s.table === 'nat' && s.nat?.kind === 'dnat') {
        const to = `${s.nat.after.dst}:${s.nat.after.dport}`;
        if (!dnats.includes(to)) dnats.push(to);
      }
      if (s.table === 'filter' && s.kind === 'rule' && verdictChains.has(s.chain) && ['ACCEPT', 'DROP', 'REJECT'].includes(s.target)) {
        if (!verdicts.includes(s.target)) verdicts.push(s.target);
      }
    }
  }
  const output = [...dnats, ...verdicts].join(', ');
  if (v.tracer === 'v1' && output === 'DROP') masq = false;
  return { output, masq };
}

function vectorFolders(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** One describe per vector folder of `root`, one test per flow; `nftDir`: the rules read from `<folder>.nft` there instead. */
function replayVectors(root: string, nftDir: string | null = null): void {
  for (const folder of vectorFolders(root)) {
    const dir = path.join(root, folder);
    const v = JSON.parse(readFileSync(path.join(dir, 'flows.json'), 'utf8')) as Vector;
    describe(folder, () => {
      const world = [node(v, dir, nftDir === null ? null : path.join(nftDir, `${folder}.nft`))];
      for (const f of v.flows) {
        it(`${f.name}: ${f.sourceIP} → ${f.destIP}:${f.destPort} gives "${f.output}" masq=${f.masq}`, () => {
          const local = v.localAddresses.includes(f.sourceIP);
          const result = tracePacket(world, {
            node: 'node', proto: f.protocol, src: f.sourceIP, dst: f.destIP, dport: f.destPort,
            ...(local ? { local: true } : { in: f.sourceIP.startsWith('10.') ? 'cbr0' : 'eth0' }),
            follow: false,
          });
          const total = result.outcomes.reduce((n, o) => n + o.probability, 0);
          expect(total).toBeCloseTo(1, 9);
          expect(kubeOutput(v, result)).toEqual({ output: f.output, masq: f.masq });
        });
      }
    });
  }
}

describe('kube-proxy vectors recorded from the kernel, replayed kernel-style', () => {
  it('finds the recorded folders', () => {
    expect(vectorFolders(OWN)).toEqual(['LabClusterIP', 'LabHairpinAndUdp', 'LabNoEndpoints', 'LabNodePort']);
  });
  replayVectors(OWN);
});

describe('the same vectors replayed on their rules as nft list ruleset printed them (iptables-nft-restore, scripts/lab/nft-listings.sh)', () => {
  replayVectors(OWN, path.resolve(__dirname, '../../../test/fixtures/nft/kube-proxy'));
});

describeShared('kube-proxy-conformance', 'kube-proxy conformance vectors replayed kernel-style', () => {
  const root = sharedDir('kube-proxy-conformance');
  it('finds all 31 vector folders', () => {
    expect(vectorFolders(root)).toHaveLength(31);
  });
  replayVectors(root);
});
