// Trace latency on a kube-proxy-scale ruleset: parses the dump once, then replays N random packets
// (service frontends, misses that walk all of KUBE-SERVICES) and prints one JSON line with the
// compile-and-first-trace time and per-trace median / p99 / max in milliseconds.
import fs from 'node:fs';
import { parseIptablesSave } from '../../src/core/capture/iptables/iptables-save';
import type { InterfaceRecord, RouteRecord } from '../../src/core/records/records';
import { kubeProxyServices } from '../../src/core/netfilter/kube-proxy';
import { tracePacket, type NodeSnapshot, type TraceRequest } from '../../src/core/simulate';

const [dumpPath, countText = '10000'] = process.argv.slice(2);
if (!dumpPath) throw new Error('usage: trace-bench DUMP [PACKETS]');
const packets = Number(countText);

const t0 = performance.now();
const { ruleset } = parseIptablesSave({ file: dumpPath, text: fs.readFileSync(dumpPath, 'utf8'), firstLine: 1 });
const parseMs = performance.now() - t0;

const iface = (name: string, cidr: string, index: number): InterfaceRecord => ({
  name, index, peer: null, linkNetns: null, flags: ['UP'], mtu: 1500, state: 'UP', master: null, linkType: 'ether', mac: null,
  addresses: [{ family: 'ipv4', cidr, peer: null, broadcast: null, scope: 'global', label: null, secondary: false, line: index }], line: index,
});
const route = (dst: string, dev: string, via: string | null, line: number): RouteRecord => ({
  type: 'unicast', dst, family: 'ipv4', via, dev, src: null, metric: null, table: 'main', scope: null, proto: null, flags: [], line,
});
const node: NodeSnapshot = {
  name: 'big',
  ruleset,
  interfaces: [iface('eth0', '192.168.0.2/24', 2), iface('cni0', '10.40.0.1/16', 3)],
  routes: [route('default', 'eth0', '192.168.0.1', 1), route('192.168.0.0/24', 'eth0', null, 2), route('10.40.0.0/16', 'cni0', null, 3)],
};

const frontends = kubeProxyServices(ruleset).flatMap((s) => s.frontends.filter((f) => f.address && f.port));
let seed = 42;
const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

function request(i: number): TraceRequest {
  const src = `10.40.${1 + (i % 200)}.${2 + (i % 250)}`;
  if (random() < 0.9 && frontends.length > 0) {
    const f = pick(frontends);
    return { node: 'big', proto: f.proto ?? 'tcp', src, sport: 30000 + (i % 30000), dst: f.address!, dport: f.port, in: 'cni0', follow: false };
  }
  return { node: 'big', proto: 'tcp', src, sport: 30000 + (i % 30000), dst: `172.31.${i % 250}.${1 + (i % 200)}`, dport: 443, in: 'cni0', follow: false };
}

const world = [node];
const t1 = performance.now();
tracePacket(world, request(0));
const firstMs = performance.now() - t1;
const times: number[] = [];
let outcomes = 0;
for (let i = 1; i <= packets; i++) {
  const req = request(i);
  const s = performance.now();
  outcomes += tracePacket(world, req).outcomes.length;
  times.push(performance.now() - s);
}
times.sort((a, b) => a - b);
const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
process.stdout.write(
  `${JSON.stringify({
    rules: ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0),
    services: frontends.length,
    parseMs, firstTraceMs: firstMs, packets, outcomes,
    medianMs: q(0.5), p99Ms: q(0.99), maxMs: times[times.length - 1],
  })}\n`,
);
