/**
 * Kernel truth for the simulator: each scenario builds a two-node cluster out of network
 * namespaces, loads kube-proxy-shaped rules, sends real TCP connections, captures what the
 * nodes saw (ip addr, ip route, iptables-save -c, conntrack -L) through natlens's parsers, and
 * replays the same packets with tracePacket. The kernel is the reference: conntrack says what
 * NAT did, rule counters say which rules matched, the client says whether it got through.
 * Needs root and `ip netns`; skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracePacket } from '../../src/core/simulate/trace-packet';
import type { Outcome, TraceResult } from '../../src/core/simulate/trace';
import {
  egressDisagreements, kernelEgress, natDisagreements, outcomesDeliveredTo, packetText, probabilitySum,
  resultText, uncountedSteps, unpredictedNatHits, conntrackOf, kernelAfter,
} from './agreement';
import { CLIENT, CLUSTER_CIDR, NODE_A, NODE_B, podIp } from './cluster';
import { ClusterLab, NODE_ROLES, SERVER_PORT, worldOf } from './cluster-lab';
import type { Observation, Replayed } from './cluster-lab';
import type { NodeRules, ServiceSpec } from './kube-rules';
import { kernelLabUnavailable } from './netns';
import type { Connection } from './traffic';

const unavailable = kernelLabUnavailable();
if (unavailable !== null) console.warn(`kernel-truth suite skipped: ${unavailable} (needs root with working \`ip netns\`, iptables, conntrack, /usr/bin/python3)`);

const ep = (role: string): { ip: string; port: number } => ({ ip: podIp(role), port: SERVER_PORT });

const WEB: ServiceSpec = { namespace: 'default', name: 'web', portName: 'http', clusterIP: '10.96.0.10', port: 80, endpoints: [ep('pod-a2'), ep('pod-b1')] };
const WEB_NODEPORT: ServiceSpec = { namespace: 'default', name: 'web-np', portName: 'http', clusterIP: '10.96.0.20', port: 80, nodePort: 30080, endpoints: [ep('pod-a2'), ep('pod-b1')] };
const EMPTY: ServiceSpec = { namespace: 'default', name: 'empty', portName: 'http', clusterIP: '10.96.0.30', port: 80, nodePort: 30090, endpoints: [] };
const SELF: ServiceSpec = { namespace: 'default', name: 'self', portName: 'http', clusterIP: '10.96.0.40', port: 80, endpoints: [ep('pod-a1')] };
const BACKEND: ServiceSpec = { namespace: 'default', name: 'backend', portName: 'http', clusterIP: '10.96.0.50', port: 80, endpoints: [ep('pod-b1')] };
const TRIO: ServiceSpec = { namespace: 'default', name: 'trio', portName: 'http', clusterIP: '10.96.0.60', port: 80, endpoints: [ep('pod-a2'), ep('pod-b1'), ep('pod-b2')] };
/** The apiserver's service: its endpoint is a hostNetwork process on node-a. */
const KUBERNETES: ServiceSpec = { namespace: 'default', name: 'kubernetes', portName: 'https', clusterIP: '10.96.0.1', port: 443, endpoints: [{ ip: NODE_A.ip, port: 6443 }] };
const DNS: ServiceSpec = { namespace: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'udp', clusterIP: '10.96.0.53', port: 53, endpoints: [ep('pod-a2'), ep('pod-b1')] };
const SERVICES = [KUBERNETES, DNS, WEB, WEB_NODEPORT, EMPTY, SELF, BACKEND, TRIO];

function kubeProxy(extra: Partial<NodeRules> = {}): NodeRules {
  return { clusterCidr: CLUSTER_CIDR, services: SERVICES, countEgress: ['eth0', 'cbr0'], ...extra };
}

const connections = (first: number, count: number, dst: string, dport: number, timeout = 2, proto: 'tcp' | 'udp' = 'tcp'): Connection[] =>
  Array.from({ length: count }, (_, i) => ({ proto, sport: first + i, dst, dport, timeout }));

/** The outcome that ends where the kernel delivered this connection (the first, if several do). */
function chosen(r: Replayed): Outcome | null {
  return r.kernel.result === 'reply' ? outcomesDeliveredTo(r.trace, r.kernel.reply)[0] ?? null : null;
}

/** The verdict a trace must give a connection the kernel did not deliver. */
function blockedVerdict(r: Replayed): 'drop' | 'reject' | null {
  if (r.kernel.result === 'timeout') return 'drop';
  if (r.kernel.result === 'refused') return 'reject';
  return null;
}

/**
 * The outcomes that agree with what the kernel did: the delivered branch of an answered
 * connection; every branch of a blocked one (scenarios keep blocked connections single-branch,
 * so each of its steps must have been counted).
 */
function consistent(r: Replayed): Outcome[] {
  const c = chosen(r);
  if (c !== null) return [c];
  const verdict = blockedVerdict(r);
  return verdict === null ? [] : r.trace.outcomes.filter((o) => o.verdict === verdict);
}

function consistentAll(obs: Observation): Outcome[] {
  return obs.replayed.flatMap(consistent);
}

function answeredOutcomes(obs: Observation): Outcome[] {
  return obs.replayed.map(chosen).filter((o): o is Outcome => o !== null);
}

function outcomesText(t: TraceResult): string {
  return t.outcomes.map((o) => `${o.probability.toFixed(3)} ${o.verdict} at ${o.hops.at(-1)?.node ?? '?'} as ${packetText(o.packet)}${o.reason ? ` (${o.reason})` : ''}`).join(' | ');
}

function connectionText(r: Replayed): string {
  return `${r.from} sport ${r.connection.sport} → ${r.connection.dst}:${r.connection.dport}`;
}

/**
 * The checks every scenario shares: the trace ends each connection as the kernel did, rewrites
 * as conntrack recorded, walks only rules the kernel counted, predicts every service rule the
 * kernel counted, and leaves each node by the interface the kernel used.
 */
function kernelAgreement(observe: () => Observation): void {
  it('the trace ends each connection as the kernel did: delivered where a server answered, dropped where it timed out, rejected where refused', () => {
    const obs = observe();
    expect(obs.replayed.length).toBeGreaterThan(0);
    const misses: string[] = [];
    for (const r of obs.replayed) {
      const verdict = blockedVerdict(r);
      if (r.kernel.result === 'reply') {
        if ((chosen(r)?.probability ?? 0) <= 0) misses.push(`${connectionText(r)}: kernel ${resultText(r.kernel)}; trace: ${outcomesText(r.trace)}`);
      } else if (verdict === null) {
        misses.push(`${connectionText(r)}: the lab failed: ${resultText(r.kernel)}`);
      } else if (r.trace.outcomes.length === 0 || r.trace.outcomes.some((o) => o.verdict !== verdict)) {
        misses.push(`${connectionText(r)}: kernel ${resultText(r.kernel)}, so every branch should be ${verdict}; trace: ${outcomesText(r.trace)}`);
      }
    }
    expect(misses).toEqual([]);
  });

  it('the branch probabilities of every trace sum to 1', () => {
    for (const r of observe().replayed) expect(probabilitySum(r.trace), connectionText(r)).toBeCloseTo(1, 9);
  });

  it("at every node on a delivered path the trace's NAT equals conntrack's reply tuple", () => {
    const obs = observe();
    expect(answeredOutcomes(obs).flatMap((o) => natDisagreements(o, obs.captures, NODE_ROLES))).toEqual([]);
  });

  it('every rule and policy on the path the kernel took counted packets in the kernel', () => {
    const obs = observe();
    expect(consistentAll(obs).flatMap((o) => uncountedSteps(o, obs.captures))).toEqual([]);
  });

  it('every nat service rule the kernel counted is on a traced path', () => {
    const obs = observe();
    expect(unpredictedNatHits(consistentAll(obs), obs.captures, NODE_ROLES)).toEqual([]);
  });

  it('each node forwards out the interfaces the kernel used, and no other', () => {
    const obs = observe();
    expect(egressDisagreements(consistentAll(obs), obs.captures, NODE_ROLES)).toEqual([]);
  });
}

/** Run a scenario in beforeAll and always dispose its lab in afterAll. */
function lab(run: (l: ClusterLab) => Promise<void>): () => ClusterLab {
  let current: ClusterLab | null = null;
  beforeAll(async () => {
    current = new ClusterLab();
    await run(current);
  });
  afterAll(() => {
    current?.dispose();
  });
  return () => {
    if (current === null) throw new Error('the scenario did not start');
    return current;
  };
}

describe.skipIf(unavailable !== null)('kernel truth: real namespaces, real netfilter, same packet through tracePacket', () => {
  describe('ClusterIP from a pod to a service with endpoints on two nodes', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers(['pod-a2', 'pod-b1']);
      l.connect('pod-a1', connections(41001, 4, WEB.clusterIP, WEB.port));
      obs = l.observe();
    });

    it('kernel: every connection is answered by one of the two endpoints', () => {
      for (const r of obs.replayed) expect(['pod-a2', 'pod-b1'], resultText(r.kernel)).toContain(r.kernel.reply);
    });

    it('the trace has one half-probability branch per endpoint, each delivered to that pod', () => {
      const t = obs.replayed[0]?.trace;
      expect(t).toBeDefined();
      if (t === undefined) return;
      for (const pod of ['pod-a2', 'pod-b1']) {
        const delivered = outcomesDeliveredTo(t, pod);
        expect(delivered.map((o) => o.probability), outcomesText(t)).toHaveLength(1);
        expect(delivered[0]?.probability).toBeCloseTo(0.5, 9);
      }
    });

    kernelAgreement(() => obs);

    it("from node-a's pod port alone (no follow), the chosen branch is forwarded out the interface the kernel used", () => {
      const egress = kernelEgress(obs.captures.get(NODE_A.role) ?? fail('no node-a capture'));
      const problems: string[] = [];
      for (const r of obs.replayed) {
        const entry = conntrackOf(obs.captures.get(NODE_A.role) ?? fail('no node-a capture'), { proto: 'tcp', src: podIp('pod-a1'), sport: r.connection.sport, dst: r.connection.dst, dport: r.connection.dport });
        if (entry === null) { problems.push(`no conntrack entry on node-a for sport ${r.connection.sport}`); continue; }
        const kernel = packetText(kernelAfter(entry));
        const t = tracePacket(worldOf(obs.captures), { node: NODE_A.role, proto: 'tcp', src: podIp('pod-a1'), sport: r.connection.sport, dst: r.connection.dst, dport: r.connection.dport, in: 'veth-a1', follow: false });
        const branch = t.outcomes.find((o) => packetText(o.packet) === kernel);
        if (branch === undefined) problems.push(`sport ${r.connection.sport}: the kernel sent ${kernel}, no branch does: ${outcomesText(t)}`);
        else if (branch.verdict !== 'forward' || branch.egress === null || !egress.has(branch.egress.interface)) {
          problems.push(`sport ${r.connection.sport}: ${branch.verdict} via ${branch.egress?.interface ?? 'nothing'}, kernel egress [${[...egress].join(', ')}]`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('NodePort from an external client to a node IP: DNAT and masquerade to the pod', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers(['pod-a2', 'pod-b1']);
      l.connect(CLIENT.role, connections(42001, 4, NODE_A.ip, WEB_NODEPORT.nodePort ?? 0));
      obs = l.observe();
    });

    it('kernel: every connection is answered by an endpoint and masqueraded on node-a (conntrack reply to a node-a address)', () => {
      const nodeA = obs.captures.get(NODE_A.role) ?? fail('no node-a capture');
      for (const r of obs.replayed) {
        expect(['pod-a2', 'pod-b1'], resultText(r.kernel)).toContain(r.kernel.reply);
        const e = conntrackOf(nodeA, { proto: 'tcp', src: CLIENT.ip, sport: r.connection.sport, dst: NODE_A.ip, dport: WEB_NODEPORT.nodePort ?? 0 });
        expect([NODE_A.ip, NODE_A.bridgeIp]).toContain(e?.reply.dst);
      }
    });

    it('the chosen branch marks the packet for masquerade (KUBE-MARK-MASQ) and masquerades it in KUBE-POSTROUTING', () => {
      const answered = answeredOutcomes(obs);
      expect(answered).toHaveLength(obs.replayed.length);
      for (const o of answered) {
        const onA = o.steps.filter((s) => s.node === NODE_A.role);
        expect(onA.map((s) => s.target)).toContain('KUBE-MARK-MASQ');
        expect(onA.some((s) => s.chain === 'KUBE-POSTROUTING' && s.target === 'MASQUERADE')).toBe(true);
      }
    });

    kernelAgreement(() => obs);
  });

  describe('hairpin: a pod reaching its own service is masqueraded to the bridge address', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers(['pod-a1']);
      l.connect('pod-a1', connections(43001, 1, SELF.clusterIP, SELF.port));
      obs = l.observe();
    });

    it('kernel: the pod answers itself and node-a rewrote the source to cbr0\'s address', () => {
      const r = obs.replayed[0] ?? fail('no connection');
      expect(r.kernel.reply, resultText(r.kernel)).toBe('pod-a1');
      const e = conntrackOf(obs.captures.get(NODE_A.role) ?? fail('no node-a capture'), { proto: 'tcp', src: podIp('pod-a1'), sport: 43001, dst: SELF.clusterIP, dport: SELF.port });
      expect(e?.reply.dst).toBe(NODE_A.bridgeIp);
    });

    kernelAgreement(() => obs);
  });

  describe('FORWARD policy DROP on node-a, before and after an ACCEPT rule for pod traffic', () => {
    let before: Observation;
    let after: Observation;
    const dst = podIp('pod-b1');
    lab(async (l) => {
      await l.servers(['pod-b1']);
      l.loadRules((n) => kubeProxy(n === NODE_A ? { forwardPolicy: 'DROP' } : {}));
      l.connect('pod-a1', connections(44001, 1, dst, SERVER_PORT, 1.2));
      before = l.observe();
      l.loadRules((n) => kubeProxy(n === NODE_A ? {
        forwardPolicy: 'DROP',
        forwardRules: [
          `-A FORWARD -s ${CLUSTER_CIDR} -m comment --comment "pod traffic out" -j ACCEPT`,
          `-A FORWARD -d ${CLUSTER_CIDR} -m comment --comment "pod traffic in" -j ACCEPT`,
        ],
      } : {}));
      l.connect('pod-a1', connections(44002, 1, dst, SERVER_PORT));
      after = l.observe();
    });

    it('kernel, before: the connection times out, node-a counted it on the FORWARD policy and node-b never saw it', () => {
      const r = before.replayed[0] ?? fail('no connection');
      expect(r.kernel.result, resultText(r.kernel)).toBe('timeout');
      const forward = before.captures.get(NODE_A.role)?.ruleset?.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'FORWARD');
      expect(forward?.counters?.packets ?? 0).toBeGreaterThan(0);
      expect(conntrackOf(before.captures.get(NODE_B.role) ?? fail('no node-b capture'), { proto: 'tcp', src: podIp('pod-a1'), sport: 44001, dst, dport: SERVER_PORT })).toBeNull();
    });

    it('before: every branch of the trace is dropped by the filter FORWARD policy of node-a', () => {
      const r = before.replayed[0] ?? fail('no connection');
      expect(r.trace.outcomes.length).toBeGreaterThan(0);
      for (const o of r.trace.outcomes) {
        expect(o.verdict, outcomesText(r.trace)).toBe('drop');
        expect(o.steps.at(-1)).toMatchObject({ node: NODE_A.role, table: 'filter', chain: 'FORWARD', policy: true, target: 'DROP' });
      }
    });

    it('kernel, after: the connection is answered by pod-b1', () => {
      const r = after.replayed[0] ?? fail('no connection');
      expect(r.kernel.reply, resultText(r.kernel)).toBe('pod-b1');
    });

    it('after: the trace accepts it with the new rule on node-a', () => {
      const o = chosen(after.replayed[0] ?? fail('no connection'));
      expect(o?.steps.some((s) => s.node === NODE_A.role && s.table === 'filter' && s.chain === 'FORWARD' && s.target === 'ACCEPT' && s.rule?.includes('pod traffic out') === true)).toBe(true);
    });

    describe('before', () => kernelAgreement(() => before));
    describe('after', () => kernelAgreement(() => after));
  });

  describe("FORWARD policy DROP on node-a: kube-proxy's 0x4000 mark lets NodePort traffic through, pod-to-ClusterIP traffic is dropped", () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules((n) => kubeProxy(n === NODE_A ? { forwardPolicy: 'DROP' } : {}));
      await l.servers(['pod-a2', 'pod-b1']);
      l.connect(CLIENT.role, connections(48001, 3, NODE_A.ip, WEB_NODEPORT.nodePort ?? 0));
      l.connect('pod-a1', connections(48101, 1, BACKEND.clusterIP, BACKEND.port, 1.2));
      obs = l.observe();
    });

    it('kernel: the NodePort connections are answered, the pod one times out', () => {
      expect(obs.replayed.map((r) => r.kernel.result)).toEqual(['reply', 'reply', 'reply', 'timeout']);
    });

    it('the NodePort branches are accepted by KUBE-FORWARD on the mark; the pod one falls to the FORWARD policy', () => {
      for (const r of obs.replayed.slice(0, 3)) {
        expect(chosen(r)?.steps.some((s) => s.node === NODE_A.role && s.chain === 'KUBE-FORWARD' && s.target === 'ACCEPT'), outcomesText(r.trace)).toBe(true);
      }
      const dropped = obs.replayed[3] ?? fail('no pod connection');
      for (const o of dropped.trace.outcomes) expect(o.steps.at(-1), outcomesText(dropped.trace)).toMatchObject({ node: NODE_A.role, chain: 'FORWARD', policy: true, target: 'DROP' });
    });

    kernelAgreement(() => obs);
  });

  describe('a service without endpoints is rejected: ClusterIP by filter KUBE-SERVICES, NodePort by KUBE-EXTERNAL-SERVICES', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      l.connect('pod-a1', connections(45001, 1, EMPTY.clusterIP, EMPTY.port));
      l.connect(CLIENT.role, connections(45101, 1, NODE_A.ip, EMPTY.nodePort ?? 0));
      obs = l.observe();
    });

    it('kernel: both connections are refused (ICMP port unreachable)', () => {
      expect(obs.replayed.map((r) => `${r.kernel.result}`)).toEqual(['refused', 'refused']);
    });

    it("the trace rejects each on node-a at kube-proxy's REJECT rule", () => {
      const [clusterIp, nodePort] = obs.replayed;
      for (const [r, chain] of [[clusterIp, 'KUBE-SERVICES'], [nodePort, 'KUBE-EXTERNAL-SERVICES']] as const) {
        if (r === undefined) fail('missing connection');
        expect(r.trace.outcomes.length).toBeGreaterThan(0);
        for (const o of r.trace.outcomes) expect(o.steps.at(-1), outcomesText(r.trace)).toMatchObject({ node: NODE_A.role, table: 'filter', chain, target: 'REJECT' });
      }
    });

    kernelAgreement(() => obs);
  });

  describe('a service with three endpoints (probabilities 1/3, 1/2, rest)', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers(['pod-a2', 'pod-b1', 'pod-b2']);
      l.connect('pod-a1', connections(46001, 6, TRIO.clusterIP, TRIO.port));
      obs = l.observe();
    });

    it('kernel: every connection is answered by one of the three endpoints', () => {
      for (const r of obs.replayed) expect(['pod-a2', 'pod-b1', 'pod-b2'], resultText(r.kernel)).toContain(r.kernel.reply);
    });

    it('the trace delivers to each endpoint with probability 1/3', () => {
      const t = obs.replayed[0]?.trace ?? fail('no connection');
      for (const pod of ['pod-a2', 'pod-b1', 'pod-b2']) {
        const p = outcomesDeliveredTo(t, pod).reduce((n, o) => n + o.probability, 0);
        expect(p, `${pod}: ${outcomesText(t)}`).toBeCloseTo(1 / 3, 6);
      }
    });

    kernelAgreement(() => obs);
  });

  describe('a packet generated on node-a to a ClusterIP (nat OUTPUT), endpoints on both nodes', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers(['pod-a2', 'pod-b1']);
      l.connect(NODE_A.role, connections(47001, 4, WEB.clusterIP, WEB.port));
      obs = l.observe();
    });

    it('kernel: an endpoint answers each, from the source address node-a chose for the ClusterIP', () => {
      for (const r of obs.replayed) {
        expect(['pod-a2', 'pod-b1'], resultText(r.kernel)).toContain(r.kernel.reply);
        expect(r.kernel.src).toBe(NODE_A.ip);
      }
    });

    it('the chosen branch passes nat OUTPUT (KUBE-SERVICES) on node-a', () => {
      for (const r of obs.replayed) {
        const o = chosen(r);
        expect(o?.steps.some((s) => s.node === NODE_A.role && s.table === 'nat' && s.chain === 'OUTPUT' && s.target === 'KUBE-SERVICES'), outcomesText(r.trace)).toBe(true);
      }
    });

    it('traced without a source address, the simulator picks the source the kernel picked', () => {
      for (const r of obs.replayed) {
        const t = tracePacket(worldOf(obs.captures), { node: NODE_A.role, proto: 'tcp', src: '0.0.0.0', sport: r.connection.sport, dst: WEB.clusterIP, dport: WEB.port, local: true, follow: true });
        // The DNAT step's `before` is the packet as routed, after source selection and before masquerade.
        const selected = t.outcomes.map((o) => o.steps.find((s) => s.nat?.kind === 'dnat')?.nat?.before.src ?? null);
        expect(selected, outcomesText(t)).toEqual(t.outcomes.map(() => r.kernel.src));
      }
    });

    kernelAgreement(() => obs);
  });

  describe("NodePort reached through another node's IP from a pod, and through its own IP from node-a's processes", () => {
    let obs: Observation;
    const nodePort = WEB_NODEPORT.nodePort ?? 0;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers(['pod-a2', 'pod-b1']);
      l.connect('pod-a1', connections(50001, 3, NODE_B.ip, nodePort));
      l.connect(NODE_A.role, connections(50101, 3, NODE_A.ip, nodePort));
      obs = l.observe();
    });

    it('kernel: every connection is answered by an endpoint', () => {
      for (const r of obs.replayed) expect(['pod-a2', 'pod-b1'], resultText(r.kernel)).toContain(r.kernel.reply);
    });

    it("the pod's connections are DNATed on node-b, not on node-a", () => {
      for (const r of obs.replayed.slice(0, 3)) {
        const o = chosen(r);
        expect(o?.steps.filter((s) => s.nat?.kind === 'dnat').map((s) => s.node), outcomesText(r.trace)).toEqual([NODE_B.role]);
      }
    });

    kernelAgreement(() => obs);
  });

  describe('the kubernetes service, whose endpoint is a hostNetwork process on node-a (the apiserver)', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers([NODE_A.role], 6443);
      l.connect('pod-a1', connections(51001, 1, KUBERNETES.clusterIP, KUBERNETES.port));
      l.connect('pod-b1', connections(51101, 1, KUBERNETES.clusterIP, KUBERNETES.port));
      l.connect(NODE_A.role, connections(51201, 1, KUBERNETES.clusterIP, KUBERNETES.port));
      obs = l.observe();
    });

    it('kernel: node-a answers all three (from a local pod, from a remote pod, from node-a itself)', () => {
      expect(obs.replayed.map((r) => resultText(r.kernel))).toEqual(obs.replayed.map((r) => `answered by node-a (from ${r.kernel.src ?? '?'})`));
    });

    kernelAgreement(() => obs);
  });

  describe('a UDP service (kube-dns) from a pod and from node-a, endpoints on both nodes', () => {
    let obs: Observation;
    lab(async (l) => {
      l.loadRules(() => kubeProxy());
      await l.servers(['pod-a2', 'pod-b1'], SERVER_PORT, 'udp');
      l.connect('pod-a1', connections(52001, 4, DNS.clusterIP, DNS.port, 2, 'udp'));
      l.connect(NODE_A.role, connections(52101, 3, DNS.clusterIP, DNS.port, 2, 'udp'));
      obs = l.observe();
    });

    it('kernel: every datagram is answered by one of the two endpoints', () => {
      for (const r of obs.replayed) expect(['pod-a2', 'pod-b1'], resultText(r.kernel)).toContain(r.kernel.reply);
    });

    kernelAgreement(() => obs);
  });

  describe('br_netfilter: pod-to-pod on the same bridge crosses filter FORWARD (policy DROP) on the node', () => {
    let obs: Observation;
    let bridgeNf = false;
    lab(async (l) => {
      // Read only: on kernels where this sysctl is not per namespace, writing it would touch the host.
      bridgeNf = l.lab.exec(NODE_A.role, ['cat', '/proc/sys/net/bridge/bridge-nf-call-iptables']).stdout.trim() === '1';
      l.loadRules((n) => kubeProxy(n === NODE_A ? { forwardPolicy: 'DROP' } : {}));
      await l.servers(['pod-a2']);
      l.connect('pod-a1', connections(49001, 1, podIp('pod-a2'), SERVER_PORT, 1.2));
      obs = l.observe();
    });

    it('kernel: the bridged connection times out, counted on node-a\'s FORWARD policy', (ctx) => {
      if (!bridgeNf) ctx.skip();
      const r = obs.replayed[0] ?? fail('no connection');
      expect(r.kernel.result, resultText(r.kernel)).toBe('timeout');
      const forward = obs.captures.get(NODE_A.role)?.ruleset?.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'FORWARD');
      expect(forward?.counters?.packets ?? 0).toBeGreaterThan(0);
    });

    it('traced from node-a\'s bridge port veth-a1, it is dropped by the FORWARD policy', (ctx) => {
      if (!bridgeNf) ctx.skip();
      const t = tracePacket(worldOf(obs.captures), { node: NODE_A.role, proto: 'tcp', src: podIp('pod-a1'), sport: 49001, dst: podIp('pod-a2'), dport: SERVER_PORT, in: 'veth-a1', follow: true });
      for (const o of t.outcomes) expect(o.steps.at(-1), outcomesText(t)).toMatchObject({ node: NODE_A.role, table: 'filter', chain: 'FORWARD', policy: true, target: 'DROP' });
    });

    it('traced from pod-a1 itself (following the wire through node-a\'s bridge), it is dropped too', (ctx) => {
      if (!bridgeNf) ctx.skip();
      const r = obs.replayed[0] ?? fail('no connection');
      expect(r.trace.outcomes.map((o) => o.verdict), outcomesText(r.trace)).toEqual(r.trace.outcomes.map(() => 'drop'));
      expect(r.trace.outcomes.length).toBeGreaterThan(0);
    });
  });
});

function fail(message: string): never {
  throw new Error(message);
}
