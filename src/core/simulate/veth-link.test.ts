import { describe, expect, it } from 'vitest';
import type { NodeSnapshot } from './node-snapshot';
import { nodeFrom } from './test-support/capture-world';
import { tracePacket } from './trace-packet';
import type { Outcome, TraceRequest } from './trace';

/*
 * Two nodes as `ip addr` prints them, each with a pod bridge and pods behind veths. The ifindexes
 * collide across namespaces as they do on real nodes: node-a's eth0@if4 and node-b's veth-b1@if2
 * (index 4) look like a pair by numbers alone, and so do pod-b1's eth0@if4 and node-a's veth-a1.
 */
const NODE_A_ADDR = `
  1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
      link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
      inet 127.0.0.1/8 scope host lo
  2: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
      link/ether 52:54:00:00:0a:01 brd ff:ff:ff:ff:ff:ff link-netns lan
      inet 192.168.50.11/24 scope global eth0
  3: cbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
      link/ether 52:54:00:00:0a:02 brd ff:ff:ff:ff:ff:ff
      inet 10.244.1.1/24 scope global cbr0
  4: veth-a1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP group default qlen 1000
      link/ether 52:54:00:00:0a:03 brd ff:ff:ff:ff:ff:ff link-netns cni-1111
  5: veth-a2@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP group default qlen 1000
      link/ether 52:54:00:00:0a:04 brd ff:ff:ff:ff:ff:ff link-netns cni-2222
`;
const NODE_A_ROUTE = `
  default via 192.168.50.100 dev eth0
  10.244.1.0/24 dev cbr0 proto kernel scope link src 10.244.1.1
  10.244.2.0/24 via 192.168.50.12 dev eth0
  192.168.50.0/24 dev eth0 proto kernel scope link src 192.168.50.11
`;
const NODE_B_ADDR = `
  1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
      link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
      inet 127.0.0.1/8 scope host lo
  2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
      link/ether 52:54:00:00:0b:01 brd ff:ff:ff:ff:ff:ff link-netns lan
      inet 192.168.50.12/24 scope global eth0
  3: cbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
      link/ether 52:54:00:00:0b:02 brd ff:ff:ff:ff:ff:ff
      inet 10.244.2.1/24 scope global cbr0
  4: veth-b1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP group default qlen 1000
      link/ether 52:54:00:00:0b:03 brd ff:ff:ff:ff:ff:ff link-netns cni-3333
`;
const NODE_B_ROUTE = `
  default via 192.168.50.100 dev eth0
  10.244.1.0/24 via 192.168.50.11 dev eth0
  10.244.2.0/24 dev cbr0 proto kernel scope link src 10.244.2.1
  192.168.50.0/24 dev eth0 proto kernel scope link src 192.168.50.12
`;

function pod(name: string, ip: string, peerIndex: number, gateway: string): NodeSnapshot {
  const subnet = ip.replace(/\.\d+$/, '.0/24');
  return nodeFrom(name, {
    addr: `
      1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
          link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
          inet 127.0.0.1/8 scope host lo
      2: eth0@if${peerIndex}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
          link/ether 0a:58:0a:f4:00:0${peerIndex} brd ff:ff:ff:ff:ff:ff link-netnsid 0
          inet ${ip}/24 scope global eth0
    `,
    route: `
      default via ${gateway} dev eth0
      ${subnet} dev eth0 proto kernel scope link src ${ip}
    `,
  });
}

function filter(forwardPolicy: string, rules: string[] = []): string {
  return `
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD ${forwardPolicy} [0:0]
    :OUTPUT ACCEPT [0:0]
    ${rules.join('\n    ')}
    COMMIT
  `;
}

function world(nodeAIptables: string): NodeSnapshot[] {
  return [
    nodeFrom('node-a', { iptables: nodeAIptables, addr: NODE_A_ADDR, route: NODE_A_ROUTE }),
    nodeFrom('node-b', { iptables: filter('ACCEPT'), addr: NODE_B_ADDR, route: NODE_B_ROUTE }),
    pod('pod-a1', '10.244.1.10', 4, '10.244.1.1'),
    pod('pod-a2', '10.244.1.11', 5, '10.244.1.1'),
    pod('pod-b1', '10.244.2.10', 4, '10.244.2.1'),
  ];
}

function trace(w: NodeSnapshot[], req: Partial<TraceRequest> & { node: string; src: string; dst: string }): Outcome[] {
  return tracePacket(w, { proto: 'tcp', dport: 8080, local: true, follow: true, ...req }).outcomes;
}

function only(outcomes: Outcome[]): Outcome {
  expect(outcomes).toHaveLength(1);
  return outcomes[0] as Outcome;
}

const hopsText = (o: Outcome): string[] => o.hops.map((h) => `${h.node}:${h.in ?? '-'}->${h.out ?? '-'}`);

describe('following a packet over a veth into the node that holds its other end', () => {
  it("a pod's packet to a pod on the same bridge is switched through the node, whose FORWARD policy drops it (br_netfilter)", () => {
    const o = only(trace(world(filter('DROP')), { node: 'pod-a1', src: '10.244.1.10', dst: '10.244.1.11' }));
    expect(o.verdict).toBe('drop');
    expect(hopsText(o)).toEqual(['pod-a1:-->eth0', 'node-a:veth-a1->-']);
    expect(o.steps.at(-1)).toMatchObject({ node: 'node-a', table: 'filter', chain: 'FORWARD', policy: true, target: 'DROP' });
    expect(o.caveats.some((c) => c.startsWith('node-a: bridge-nf-call-iptables is not in the captures; assumed 1'))).toBe(true);
  });

  it('a switched frame is physdev-is-bridged, in and out the bridge, and goes on to the pod owning the destination', () => {
    const o = only(trace(world(filter('DROP', ['-A FORWARD -i cbr0 -o cbr0 -m physdev --physdev-in veth-a1 --physdev-is-bridged -j ACCEPT'])), { node: 'pod-a1', src: '10.244.1.10', dst: '10.244.1.11' }));
    expect(o.verdict).toBe('deliver');
    expect(hopsText(o)).toEqual(['pod-a1:-->eth0', 'node-a:veth-a1->cbr0', 'pod-a2:eth0->-']);
    const switched = o.trail.find((e) => e.kind === 'route' && e.node === 'node-a');
    expect(switched).toMatchObject({ result: { kind: 'unicast', dev: 'cbr0', bridged: true }, route: null });
  });

  it('with bridgeNetfilter off, the node only switches the frame: no iptables, no assumption caveat', () => {
    const o = only(trace(world(filter('DROP')), { node: 'pod-a1', src: '10.244.1.10', dst: '10.244.1.11', bridgeNetfilter: false }));
    expect(o.verdict).toBe('deliver');
    expect(hopsText(o)).toEqual(['pod-a1:-->eth0', 'node-a:veth-a1->cbr0', 'pod-a2:eth0->-']);
    expect(o.steps.filter((s) => s.node === 'node-a')).toEqual([]);
    expect(o.caveats.filter((c) => c.includes('bridge-nf-call'))).toEqual([]);
  });

  it("node-a's captured bridge-nf-call-iptables decides where the request does not: 0, or absent (br_netfilter not loaded), only switches", () => {
    for (const sysctl of ['net.bridge.bridge-nf-call-iptables = 0', 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory']) {
      const w = world(filter('DROP'));
      w[0] = nodeFrom('node-a', { iptables: filter('DROP'), addr: NODE_A_ADDR, route: NODE_A_ROUTE, sysctl });
      const o = only(trace(w, { node: 'pod-a1', src: '10.244.1.10', dst: '10.244.1.11' }));
      expect(o.verdict).toBe('deliver');
      expect(o.steps.filter((s) => s.node === 'node-a')).toEqual([]);
      expect(o.caveats.filter((c) => c.includes('bridge-nf-call'))).toEqual([]);
      const note = o.trail.find((e) => e.kind === 'note' && e.node === 'node-a' && e.text.includes('bridge-nf-call'));
      expect(note).toMatchObject({ text: expect.stringContaining('(node-a/sysctl:1) as captured') });
      // The request's explicit setting still wins.
      expect(only(trace(w, { node: 'pod-a1', src: '10.244.1.10', dst: '10.244.1.11', bridgeNetfilter: true })).verdict).toBe('drop');
    }
  });

  it("a captured bridge-nf-call-iptables = 1 sends the switched frame through FORWARD without the assumption's caveat", () => {
    const w = world(filter('DROP'));
    w[0] = nodeFrom('node-a', { iptables: filter('DROP'), addr: NODE_A_ADDR, route: NODE_A_ROUTE, sysctl: 'net.bridge.bridge-nf-call-iptables = 1' });
    const o = only(trace(w, { node: 'pod-a1', src: '10.244.1.10', dst: '10.244.1.11' }));
    expect(o.verdict).toBe('drop');
    expect(o.caveats.filter((c) => c.includes('bridge-nf-call'))).toEqual([]);
  });

  it('a frame for the gateway is routed by the node: physdev-in still matches, physdev-is-bridged does not', () => {
    const rules = ['-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT', '-A FORWARD -o eth0 -m physdev --physdev-in veth-a1 -j ACCEPT'];
    const o = only(trace(world(filter('DROP', rules)), { node: 'pod-a1', src: '10.244.1.10', dst: '203.0.113.7' }));
    expect(o.verdict).toBe('forward');
    expect(hopsText(o)).toEqual(['pod-a1:-->eth0', 'node-a:veth-a1->eth0']);
    expect(o.steps.map((s) => s.rule)).toEqual([rules[1]]);
    expect(o.egress).toEqual({ node: 'node-a', interface: 'eth0', nextHop: '192.168.50.100' });
  });

  it('equal ifindexes are not a wire without a layer-3 link: node-a reaches node-b on its eth0, pod-b1 reaches node-b', () => {
    const w = world(filter('ACCEPT'));
    const toNodeB = only(trace(w, { node: 'node-a', src: '192.168.50.11', dst: '192.168.50.12' }));
    expect(hopsText(toNodeB)).toEqual(['node-a:-->eth0', 'node-b:eth0->-']);
    const fromPodB = only(trace(w, { node: 'pod-b1', src: '10.244.2.10', dst: '10.244.1.11' }));
    expect(hopsText(fromPodB)).toEqual(['pod-b1:-->eth0', 'node-b:veth-b1->eth0', 'node-a:eth0->cbr0', 'pod-a2:eth0->-']);
    expect(fromPodB.verdict).toBe('deliver');
  });
});
