/**
 * Kernel truth: the lab (test/fixtures/lab, made by scripts/lab/two-node.sh in real network
 * namespaces) sent connections through kube-proxy-style rules on two nodes and recorded what
 * conntrack did on each. The replay, fed the same captures, must predict those NAT tuples: for
 * every node's conntrack entry, the hop there starts at the entry's original tuple and leaves as
 * the reverse of its reply tuple.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConntrack } from '../capture/conntrack/conntrack';
import { parseIpAddr } from '../capture/iproute/ip-addr';
import { parseIpRoute } from '../capture/iproute/ip-route';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import type { ConntrackEntry } from '../records/records';
import type { NodeSnapshot } from './node-snapshot';
import { tracePacket } from './trace-packet';
import type { Hop, Outcome } from './trace';

const LAB = path.resolve(__dirname, '../../..', 'test', 'fixtures', 'lab');

interface Sent {
  kind: string;
  from: string;
  src: string;
  sport?: number;
  dst: string;
  dport?: number;
  proto: string;
  /** The pod that answered (absent for pings, answered by their destination). */
  answeredBy?: string;
  conntrack?: Array<{ node: string; line: string }>;
}

interface Scenario {
  nodes: Record<string, { ip: string; pods?: Record<string, string> }>;
  sent: Sent[];
}

function read(node: string, file: string): { file: string; text: string; firstLine: number } {
  const full = path.join(LAB, 'nodes', node, file);
  return { file: full, text: readFileSync(full, 'utf8'), firstLine: 1 };
}

function snapshot(node: string): NodeSnapshot {
  return {
    name: node,
    ruleset: parseIptablesSave(read(node, 'iptables-save.txt')).ruleset,
    interfaces: parseIpAddr(read(node, 'ip-addr.txt')).interfaces,
    routes: parseIpRoute(read(node, 'ip-route.txt')).routes,
  };
}

/** Where the lab injected the packet: a pod's veth on its node, or the node the client addressed. */
function start(scenario: Scenario, world: NodeSnapshot[], sent: Sent): { node: string; in: string } {
  for (const [name, n] of Object.entries(scenario.nodes)) {
    if (n.pods && sent.from in n.pods) return { node: name, in: `veth-${sent.from}` };
  }
  const target = world.find((w) => w.interfaces?.some((i) => i.addresses.some((a) => a.cidr.split('/')[0] === sent.dst)));
  const iface = target?.interfaces?.find((i) => i.addresses.some((a) => a.cidr.split('/')[0] === sent.dst));
  if (!target || !iface) throw new Error(`no start for ${JSON.stringify(sent)}`);
  return { node: target.name, in: iface.name };
}

function hopMatches(hop: Hop, entry: ConntrackEntry): boolean {
  const o = entry.original;
  const r = entry.reply;
  const portsOk = (p: number | null, q: number | null): boolean => p === null || p === q;
  return hop.before.src === o.src && hop.before.dst === o.dst && portsOk(o.sport, hop.before.sport) && portsOk(o.dport, hop.before.dport)
    && hop.after.src === r.dst && hop.after.dst === r.src && portsOk(r.dport, hop.after.sport) && portsOk(r.sport, hop.after.dport);
}

function explains(outcome: Outcome, entries: Array<{ node: string; entry: ConntrackEntry }>): boolean {
  return entries.every(({ node, entry }) => outcome.hops.some((h) => h.node === node && hopMatches(h, entry)));
}

describe('the replay predicts the conntrack NAT tuples the kernel recorded in the lab', () => {
  const scenario = JSON.parse(readFileSync(path.join(LAB, 'scenario.json'), 'utf8')) as Scenario;
  const world = Object.keys(scenario.nodes).filter((n) => n !== 'client').map(snapshot);

  it('has connections to check', () => {
    expect(scenario.sent.filter((s) => (s.conntrack ?? []).length > 0).length).toBeGreaterThan(5);
  });

  for (const sent of scenario.sent) {
    const entries = (sent.conntrack ?? []).map((c) => {
      const parsed = parseConntrack({ file: 'scenario.json', text: `${c.line}\n`, firstLine: 1 }).entries;
      const entry = parsed[0];
      if (entry === undefined) throw new Error(`unreadable conntrack line ${c.line}`);
      return { node: c.node, entry };
    });
    if (entries.length === 0) continue;
    it(`${sent.kind} ${sent.src}${sent.sport ? `:${sent.sport}` : ''} → ${sent.dst}${sent.dport ? `:${sent.dport}` : ''} answered by ${sent.answeredBy ?? sent.dst}`, () => {
      const from = start(scenario, world, sent);
      const result = tracePacket(world, {
        node: from.node, in: from.in, proto: sent.proto, src: sent.src, sport: sent.sport ?? null, dst: sent.dst, dport: sent.dport ?? null, follow: true,
      });
      expect(result.outcomes.reduce((n, o) => n + o.probability, 0)).toBeCloseTo(1, 9);
      const explaining = result.outcomes.filter((o) => explains(o, entries));
      expect(explaining.map((o) => o.summary)).toHaveLength(1);
      const pods = Object.values(scenario.nodes).map((n) => n.pods ?? {});
      const who = sent.answeredBy;
      const answer = who === undefined ? sent.dst : pods.find((p) => who in p)?.[who];
      expect(answer).toBeDefined();
      expect(explaining[0]?.packet.dst).toBe(answer);
      expect(explaining[0]?.verdict).toBe('forward');
    });
  }
});
