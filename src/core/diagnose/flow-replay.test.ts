/** Which node and ingress a flow's first packet is replayed from, and why. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stitchFlows } from '../project/flows-stitch';
import { listFlows } from '../project/flows';
import { importPaths } from '../import/import-paths';
import { ipAddrText } from '../../../test/support/ip-addr-text';
import { useTempProject } from '../../../test/support/temp-project';
import { replayFlow } from '../project/flow-replay';

const project = useTempProject('flow-replay');

const IP_ADDR = ipAddrText([
  { name: 'eth0', mac: '52:54:00:12:34:56', cidr: '192.168.56.11/24' },
  { name: 'eth1', mac: '52:54:00:12:34:57', cidr: '10.20.0.1/24' },
]);
const IP_ROUTE = `default via 192.168.56.1 dev eth0
10.20.0.0/24 dev eth1 proto kernel scope link src 10.20.0.1
192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11
`;
const SAVE = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
`;

function replays(files: Record<string, string>) {
  const p = project();
  for (const [name, text] of Object.entries({ 'ip-addr.txt': IP_ADDR, 'ip-route.txt': IP_ROUTE, 'iptables-save.txt': SAVE, ...files })) p.write(`nodes/nodea/${name}`, text);
  const store = p.store();
  expect(importPaths(store, [p.file('nodes')]).errors).toEqual([]);
  stitchFlows(store);
  return listFlows(store).map((f) => replayFlow(store, f.id)!);
}

describe('replayFlow', () => {
  it('starts a conntrack-only flow where the node routes its source back, or locally for its own address', () => {
    const conntrack = [
      'udp      17 29 src=10.20.0.9 dst=192.168.56.50 sport=5000 dport=53 src=192.168.56.50 dst=10.20.0.9 sport=53 dport=5000 mark=0 use=1',
      'udp      17 29 src=192.168.56.11 dst=192.168.56.50 sport=5001 dport=53 src=192.168.56.50 dst=192.168.56.11 sport=53 dport=5001 mark=0 use=1',
    ].join('\n');
    const [routed, local] = replays({ 'conntrack.txt': `${conntrack}\n` });
    expect(routed).toMatchObject({
      kind: 'replayed', sighting: { from: 'conntrack', node: 'nodea', interface: null },
      basis: { kind: 'route', interface: 'eth1', route: '10.20.0.0/24 dev eth1 src 10.20.0.1' },
      request: { node: 'nodea', in: 'eth1', src: '10.20.0.9', sport: 5000, dst: '192.168.56.50', dport: 53, follow: true },
      trace: { node: 'nodea', proto: 'udp', src: '10.20.0.9:5000', dst: '192.168.56.50:53', in: 'eth1' },
    });
    expect(routed!.kind === 'replayed' && routed.why).toMatch(/routes 10\.20\.0\.9 back through eth1/);
    expect(local).toMatchObject({ kind: 'replayed', basis: { kind: 'local', address: '192.168.56.11' }, request: { local: true }, trace: { local: true } });
  });

  it('uses the interface the capture names (here by its file name)', () => {
    const [flow] = replays({ 'eth1.txt': '1700000000.000001 IP 10.20.0.9.40000 > 192.168.56.50.80: Flags [S], seq 1, win 64240, length 0\n' });
    expect(flow).toMatchObject({ kind: 'replayed', basis: { kind: 'observed', interface: 'eth1' }, request: { in: 'eth1' } });
    expect(flow!.kind === 'replayed' && flow.why).toMatch(/eth1\.txt:1/);
  });

  it('takes a packet captured leaving by the way to its destination as arrived where its source is routed', () => {
    const [flow] = replays({ 'eth0.txt': '1700000000.000001 IP 10.20.0.9.40000 > 192.168.56.50.80: Flags [S], seq 1, win 64240, length 0\n' });
    expect(flow).toMatchObject({ kind: 'replayed', basis: { kind: 'route', interface: 'eth1' }, request: { in: 'eth1' } });
    expect(flow!.kind === 'replayed' && flow.why).toMatch(/first captured leaving nodea on eth0/);
  });
});

describe('the first node on the packet\'s way', () => {
  it('replays from the node that sends the packet on to the other, whatever the aligned clocks put first', () => {
    // forward-drop: nodeb's clock is aligned ~48µs early, so its sighting of a2's SYN sorts before nodea's.
    const lab = path.resolve(__dirname, '../../../test/fixtures/lab-faults/forward-drop');
    const store = project().store();
    expect(importPaths(store, [path.join(lab, 'nodes')]).errors).toEqual([]);
    stitchFlows(store);
    const flow = listFlows(store, { observations: 64 }).find((f) => f.original.src === '10.40.1.3' && f.original.dst === '10.40.2.2')!;
    expect(flow).toBeDefined();
    expect(flow.observations.find((o) => o.kind === 'packet')?.node).toBe('nodeb');
    const replay = replayFlow(store, flow.id);
    expect(replay?.kind).toBe('replayed');
    if (replay?.kind !== 'replayed') return;
    expect(replay.sighting.node).toBe('nodea');
    expect(replay.request).toMatchObject({ node: 'nodea', in: 'cbr0' });
    // Followed onto nodeb, the SYN meets its FORWARD policy DROP.
    expect(replay.result.outcomes.map((o) => o.verdict)).toEqual(['drop']);
  });
});

describe('a flow the kernel\'s trace alone shows', () => {
  it('is replayed from the trace\'s first line before NAT, on the interface it came in by', () => {
    const p = project();
    const fixtures = path.join(__dirname, '../../../test/fixtures/kernel-trace');
    for (const name of ['legacy-iptables-save.txt', 'legacy-dmesg.txt']) p.write(`nodes/node/${name}`, fs.readFileSync(path.join(fixtures, name), 'utf8'));
    const store = p.store();
    expect(importPaths(store, [p.file('nodes')]).errors).toEqual([]);
    stitchFlows(store);
    const [flow] = listFlows(store).map((f) => replayFlow(store, f.id)!);
    expect(flow).toMatchObject({
      kind: 'replayed',
      sighting: { from: 'kernel-trace', node: 'node', interface: 'ks0', source: expect.stringMatching(/legacy-dmesg\.txt:1$/) },
      basis: { kind: 'observed', interface: 'ks0' },
      request: { node: 'node', in: 'ks0', src: '10.77.0.1', sport: 52156, dst: '10.96.0.10', dport: 80 },
    });
    // The replay makes the DNAT the trace shows (nat/KUBE-SVC rule 2).
    const packets = flow!.kind === 'replayed' ? flow.result.outcomes.map((o) => `${o.packet.dst}:${o.packet.dport}`) : [];
    expect(new Set(packets)).toEqual(new Set(['10.77.0.2:8080']));
  });
});
