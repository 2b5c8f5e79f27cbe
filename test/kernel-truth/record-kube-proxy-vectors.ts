/**
 * Records natlens's own kube-proxy conformance vectors from the real kernel, in the folder format of
 * ../shared/conformance/kube-proxy (ruleset.iptables-save + flows.json), into test/fixtures/kube-proxy/.
 *
 * For each case: the lab cluster (cluster.ts) gets kube-proxy-shaped rules for a few services
 * (kube-rules.ts); for each flow, conntrack and the nat counters of the entry node are cleared, the flow's
 * source host opens CONNECTIONS connections, and the kernel's answers become the expectation:
 *   output  = the DNAT destinations conntrack recorded (reply source), in the order of the service's
 *             endpoint rules, or REJECT / DROP when the client was refused / timed out;
 *   masq    = the MASQUERADE rule of KUBE-POSTROUTING counted a packet.
 * Nothing here reads a capture through natlens's parsers: conntrack and counters are read with plain regexps,
 * so the expectations do not depend on the code under test. The ruleset is the kernel's own iptables-save
 * of the entry node after the restore.
 *
 * Run with scripts/lab/record-kube-proxy-vectors.sh (root, ip netns, iptables, conntrack, python3).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLIENT, CLUSTER_CIDR, NODE_A, NODES, PODS, podIp } from './cluster';
import { ClusterLab, SERVER_PORT } from './cluster-lab';
import type { ServiceSpec } from './kube-rules';
import { kernelLabUnavailable } from './netns';
import { startServers, type Connection, type ConnectionResult } from './traffic';

/** Connections per flow: with two or three endpoints at random, each is reached with near certainty. */
const CONNECTIONS = 24;
const BATCH = 6;

interface FlowSpec {
  name: string;
  /** The lab host the connections leave from. */
  from: string;
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol: 'tcp' | 'udp';
}

interface CaseSpec {
  test: string;
  notes: string;
  services: ServiceSpec[];
  flows: FlowSpec[];
}

const ep = (role: string): { ip: string; port: number } => ({ ip: podIp(role), port: SERVER_PORT });

const WEB: ServiceSpec = { namespace: 'default', name: 'web', portName: 'http', clusterIP: '10.96.0.10', port: 80, endpoints: [ep('pod-a2'), ep('pod-b1')] };
const WEB_NODEPORT: ServiceSpec = { namespace: 'default', name: 'web-np', portName: 'http', clusterIP: '10.96.0.20', port: 80, nodePort: 30080, endpoints: [ep('pod-a2'), ep('pod-b1')] };
const EMPTY: ServiceSpec = { namespace: 'default', name: 'empty', portName: 'http', clusterIP: '10.96.0.30', port: 80, nodePort: 30090, endpoints: [] };
const SELF: ServiceSpec = { namespace: 'default', name: 'self', portName: 'http', clusterIP: '10.96.0.40', port: 80, endpoints: [ep('pod-a1')] };
const TRIO: ServiceSpec = { namespace: 'default', name: 'trio', portName: 'http', clusterIP: '10.96.0.60', port: 80, endpoints: [ep('pod-a2'), ep('pod-b1'), ep('pod-b2')] };
const DNS: ServiceSpec = { namespace: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'udp', clusterIP: '10.96.0.53', port: 53, endpoints: [ep('pod-a2'), ep('pod-b1')] };

const POD_A1 = { from: 'pod-a1', sourceIP: podIp('pod-a1') };
const NODE = { from: NODE_A.role, sourceIP: NODE_A.ip };
const OUTSIDE = { from: CLIENT.role, sourceIP: CLIENT.ip };

const CASES: CaseSpec[] = [
  {
    test: 'LabClusterIP',
    notes: 'ClusterIP services with two and three endpoints, from a pod (no masquerade) and from the node itself (masqueraded: not from the cluster CIDR).',
    services: [WEB, TRIO],
    flows: [
      { name: 'pod to cluster IP, two endpoints', ...POD_A1, destIP: WEB.clusterIP, destPort: 80, protocol: 'tcp' },
      { name: 'pod to cluster IP, three endpoints', ...POD_A1, destIP: TRIO.clusterIP, destPort: 80, protocol: 'tcp' },
      { name: 'node to cluster IP', ...NODE, destIP: WEB.clusterIP, destPort: 80, protocol: 'tcp' },
      { name: 'pod to cluster IP, wrong port', ...POD_A1, destIP: WEB.clusterIP, destPort: 81, protocol: 'tcp' },
    ],
  },
  {
    test: 'LabNodePort',
    notes: 'A NodePort service reached from outside the cluster on the node IP (masqueraded by KUBE-EXT), and its cluster IP from a pod.',
    services: [WEB_NODEPORT],
    flows: [
      { name: 'external to node port', ...OUTSIDE, destIP: NODE_A.ip, destPort: 30080, protocol: 'tcp' },
      { name: 'pod to node port', ...POD_A1, destIP: NODE_A.ip, destPort: 30080, protocol: 'tcp' },
      { name: 'pod to cluster IP', ...POD_A1, destIP: WEB_NODEPORT.clusterIP, destPort: 80, protocol: 'tcp' },
    ],
  },
  {
    test: 'LabNoEndpoints',
    notes: 'A service without endpoints: the filter table rejects its cluster IP and node port (icmp-port-unreachable, the client is refused).',
    services: [EMPTY, WEB],
    flows: [
      { name: 'pod to cluster IP without endpoints', ...POD_A1, destIP: EMPTY.clusterIP, destPort: 80, protocol: 'tcp' },
      { name: 'external to node port without endpoints', ...OUTSIDE, destIP: NODE_A.ip, destPort: 30090, protocol: 'tcp' },
      { name: 'pod to a service with endpoints beside it', ...POD_A1, destIP: WEB.clusterIP, destPort: 80, protocol: 'tcp' },
    ],
  },
  {
    test: 'LabHairpinAndUdp',
    notes: 'A pod reaching itself through its service (hairpin: KUBE-SEP masquerades its own source), and a UDP service.',
    services: [SELF, DNS],
    flows: [
      { name: 'pod to its own service', ...POD_A1, destIP: SELF.clusterIP, destPort: 80, protocol: 'tcp' },
      { name: 'pod to udp cluster IP', ...POD_A1, destIP: DNS.clusterIP, destPort: 53, protocol: 'udp' },
    ],
  },
];

interface Tuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** `conntrack -L` lines as (original, reply) tuples, read with a regexp rather than natlens's parser. */
function conntrackTuples(text: string, proto: string): Array<{ original: Tuple; reply: Tuple }> {
  const out: Array<{ original: Tuple; reply: Tuple }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${proto} `)) continue;
    const v = (key: string): string[] => [...line.matchAll(new RegExp(`\\b${key}=(\\S+)`, 'g'))].map((m) => m[1]!);
    const [src, dst, sport, dport] = [v('src'), v('dst'), v('sport'), v('dport')];
    if (src.length < 2 || dst.length < 2 || sport.length < 2 || dport.length < 2) continue;
    out.push({
      original: { src: src[0]!, dst: dst[0]!, sport: Number(sport[0]), dport: Number(dport[0]) },
      reply: { src: src[1]!, dst: dst[1]!, sport: Number(sport[1]), dport: Number(dport[1]) },
    });
  }
  return out;
}

/** Packets counted by the MASQUERADE rule of nat KUBE-POSTROUTING, from `iptables-save -c`. */
function masqueradePackets(save: string): number {
  const line = save.split('\n').find((l) => / -A KUBE-POSTROUTING .*-j MASQUERADE/.test(l));
  const counted = line === undefined ? null : /^\[(\d+):\d+\]/.exec(line);
  if (counted === null) throw new Error('no counted MASQUERADE rule in KUBE-POSTROUTING');
  return Number(counted[1]);
}

interface KernelFlow {
  connections: number;
  results: Record<string, number>;
  dnat: string[];
  masqueradePackets: number;
}

function recordCase(lab: ClusterLab, spec: CaseSpec, outDir: string, sportBase: number): void {
  lab.loadRules(() => ({ clusterCidr: CLUSTER_CIDR, services: spec.services }));
  const flows = [];
  let sport = sportBase;
  for (const f of spec.flows) {
    lab.lab.sh(NODE_A.role, 'iptables -t nat -Z\nconntrack -F 2>/dev/null || true');
    // In batches, so a batch of timeouts stays inside the lab's command timeout; a first batch without any
    // answer is the kernel's verdict already.
    const connections: Connection[] = [];
    const results: ConnectionResult[] = [];
    while (connections.length < CONNECTIONS) {
      const batch = Array.from({ length: BATCH }, () => ({ proto: f.protocol, sport: sport++, dst: f.destIP, dport: f.destPort, timeout: 1 }));
      const answers = lab.connect(f.from, batch);
      connections.push(...batch);
      results.push(...answers);
      if (results.every((r) => r.result !== 'reply')) break;
    }
    const conntrack = lab.lab.sh(NODE_A.role, 'conntrack -L 2>/dev/null || true');
    const save = lab.lab.sh(NODE_A.role, 'iptables-save -c -t nat');
    const tuples = conntrackTuples(conntrack, f.protocol);
    const dnat = new Set<string>();
    for (const c of connections) {
      const t = tuples.find((e) => e.original.sport === c.sport && e.original.dst === f.destIP && e.original.dport === f.destPort);
      if (t !== undefined && (t.reply.src !== f.destIP || t.reply.sport !== f.destPort)) dnat.add(`${t.reply.src}:${t.reply.sport}`);
    }
    const tally: Record<string, number> = {};
    for (const r of results) tally[r.result] = (tally[r.result] ?? 0) + 1;
    const kernel: KernelFlow = { connections: connections.length, results: tally, dnat: [...dnat], masqueradePackets: masqueradePackets(save) };
    flows.push({ name: f.name, sourceIP: f.sourceIP, destIP: f.destIP, destPort: f.destPort, protocol: f.protocol, ...expectation(spec, kernel), kernel });
  }

  const dir = path.join(outDir, spec.test);
  fs.mkdirSync(dir, { recursive: true });
  const ruleset = lab.lab.sh(NODE_A.role, 'iptables -Z; iptables -t nat -Z; iptables-save -t filter; iptables-save -t nat').replace(/^# (Generated by|Completed on) .*\n/gm, '');
  fs.writeFileSync(path.join(dir, 'ruleset.iptables-save'), ruleset);
  const vector = {
    test: spec.test,
    source: { lab: 'test/kernel-truth/record-kube-proxy-vectors.ts', kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(), iptables: execFileSync('iptables', ['--version'], { encoding: 'utf8' }).trim() },
    tracer: 'v2',
    nodeIPs: [NODE_A.ip],
    localAddresses: ['127.0.0.1', NODE_A.ip],
    podCIDR: CLUSTER_CIDR,
    entryChains: { nat: ['PREROUTING'], filter: ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'] },
    protocolMatched: true,
    notes: spec.notes,
    flows,
  };
  fs.writeFileSync(path.join(dir, 'flows.json'), `${JSON.stringify(vector, null, 2)}\n`);
  console.log(`${spec.test}: ${flows.map((f) => `${f.name} → "${f.output}" masq=${f.masq}`).join('; ')}`);
}

/** kube-proxy's output string and masq flag, from what the kernel did. */
function expectation(spec: CaseSpec, kernel: KernelFlow): { output: string; masq: boolean } {
  const answered = kernel.results.reply ?? 0;
  if (answered === 0) {
    if (kernel.results.refused === kernel.connections) return { output: 'REJECT', masq: false };
    if (kernel.results.timeout === kernel.connections) {
      // Nothing in the rules matched the flow, or a rule dropped it: no DNAT means kube-proxy's tracer prints nothing.
      return { output: kernel.dnat.length === 0 ? '' : 'DROP', masq: false };
    }
    throw new Error(`mixed results without a reply: ${JSON.stringify(kernel.results)}`);
  }
  if (answered !== kernel.connections) throw new Error(`only ${answered} of ${kernel.connections} connections answered: ${JSON.stringify(kernel.results)}`);
  const order = spec.services.flatMap((s) => s.endpoints.map((e) => `${e.ip}:${e.port}`));
  const dnat = [...kernel.dnat].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { output: dnat.join(', '), masq: kernel.masqueradePackets > 0 };
}

async function main(): Promise<void> {
  const unavailable = kernelLabUnavailable();
  if (unavailable !== null) throw new Error(`kernel lab unavailable: ${unavailable}`);
  const outDir = path.resolve(process.argv[2] ?? 'test/fixtures/kube-proxy');
  const lab = new ClusterLab();
  try {
    // REJECT answers with ICMP errors, which the kernel rate-limits by default: every refusal must show.
    for (const node of NODES) lab.lab.sh(node.role, 'sysctl -qw net.ipv4.icmp_ratelimit=0');
    // Every pod answers on SERVER_PORT, TCP and UDP, for the whole recording.
    for (const proto of ['tcp', 'udp'] as const) await startServers(lab.lab, PODS.map((p) => p.role), SERVER_PORT, 600, proto);
    let sportBase = 42000;
    for (const spec of CASES) {
      recordCase(lab, spec, outDir, sportBase);
      sportBase += 1000;
    }
  } finally {
    lab.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
