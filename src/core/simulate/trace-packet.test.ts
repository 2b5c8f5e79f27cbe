import { describe, expect, it } from 'vitest';
import type { NodeSnapshot } from './node-snapshot';
import { nodeFrom } from './test-support/capture-world';
import { tracePacket } from './trace-packet';
import type { Outcome, TraceRequest } from './trace';

const ADDR_A = `
  1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
      link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
      inet 127.0.0.1/8 scope host lo
  2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
      link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
      inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0
      inet 10.0.0.6/24 scope global secondary eth0
      inet 192.168.50.5/24 scope global eth0
  3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
      link/ether 52:54:00:12:34:58 brd ff:ff:ff:ff:ff:ff
      inet 172.16.0.5/24 scope global eth1
  4: cbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
      link/ether 52:54:00:12:34:59 brd ff:ff:ff:ff:ff:ff
      inet 10.244.0.1/24 scope global cbr0
  5: veth1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP group default
      link/ether 52:54:00:12:34:57 brd ff:ff:ff:ff:ff:ff link-netnsid 0
`;

const ROUTE_A = `
  default via 10.0.0.1 dev eth0 proto dhcp metric 100
  default via 172.16.0.1 dev eth1 metric 200
  10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5
  172.16.0.0/24 dev eth1 proto kernel scope link src 172.16.0.5
  10.244.0.0/24 dev cbr0 proto kernel scope link src 10.244.0.1
  10.1.0.0/16 via 10.0.0.9 dev eth0 metric 50
  10.1.0.0/16 via 10.0.0.8 dev eth0 metric 10
  10.1.2.0/24 via 172.16.0.9 dev eth1
  10.50.0.0/16 via 192.168.50.1 dev eth0
  10.244.1.0/24 via 10.0.0.7 dev eth0
  10.77.0.0/16 via 10.0.0.7 dev eth0
  blackhole 10.9.0.0/16
  unreachable 10.8.0.0/16
`;

function nodeA(iptables: string): NodeSnapshot {
  return nodeFrom('nodea', { iptables, addr: ADDR_A, route: ROUTE_A });
}

const EMPTY = `
  *filter
  :INPUT ACCEPT [0:0]
  :FORWARD ACCEPT [0:0]
  :OUTPUT ACCEPT [0:0]
  COMMIT
`;

function trace(world: NodeSnapshot[], req: Partial<TraceRequest> & { src: string; dst: string }): Outcome[] {
  return tracePacket(world, { node: 'nodea', proto: 'tcp', follow: false, ...req }).outcomes;
}

function only(outcomes: Outcome[]): Outcome {
  expect(outcomes).toHaveLength(1);
  return outcomes[0] as Outcome;
}

describe('chains: jump, goto, RETURN, policies', () => {
  const world = [nodeA(`
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD DROP [0:0]
    :OUTPUT ACCEPT [0:0]
    :A - [0:0]
    :B - [0:0]
    :C - [0:0]
    -A FORWARD -j A
    -A FORWARD -p tcp --dport 81 -j ACCEPT
    -A A -p tcp --dport 81 -g B
    -A A -p tcp --dport 81 -j DROP
    -A A -p tcp --dport 82 -j C
    -A A -p tcp --dport 82 -j DROP
    -A B -j RETURN
    -A C -j RETURN
    COMMIT
  `)];

  it('a RETURN after goto returns to the chain that jumped, skipping the rest of the goto-ing chain', () => {
    const o = only(trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 81, in: 'eth1' }));
    expect(o.verdict).toBe('forward');
    expect(o.steps.map((s) => `${s.chain}:${s.target}`)).toEqual(['FORWARD:A', 'A:B', 'B:RETURN', 'FORWARD:ACCEPT']);
  });

  it('a RETURN after a jump continues with the rule after the jump', () => {
    const o = only(trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 82, in: 'eth1' }));
    expect(o.verdict).toBe('drop');
    expect(o.steps.map((s) => `${s.chain}:${s.target}`)).toEqual(['FORWARD:A', 'A:C', 'C:RETURN', 'A:DROP']);
    expect(o.reason).toContain('filter A rule 4');
  });

  it('falls off a user chain back to its caller, then the built-in chain policy decides', () => {
    const o = only(trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 84, in: 'eth1' }));
    expect(o.verdict).toBe('drop');
    const last = o.steps[o.steps.length - 1];
    expect(last).toMatchObject({ table: 'filter', chain: 'FORWARD', rule: null, target: 'DROP', policy: true });
    expect(o.reason).toContain('DROP policy of filter FORWARD');
  });

  it('forks at a jump to a chain the capture does not hold: it returns, or it decides (unknown, naming the chain)', () => {
    const snapshot = nodeA(EMPTY);
    const forward = snapshot.ruleset?.tables[0]?.chains.find((c) => c.name === 'FORWARD');
    forward?.rules.push({ position: 1, text: '-A FORWARD -j KUBE-FORWARD', line: 9, counters: null, matches: [], target: { kind: 'jump', chain: 'KUBE-FORWARD' } });
    const [returns, decides, ...rest] = trace([snapshot], { src: '203.0.113.9', dst: '8.8.8.8', dport: 80, in: 'eth1' });
    expect(rest).toEqual([]);
    expect(returns?.verdict).toBe('forward');
    expect(returns?.probability).toBe(1);
    expect(returns?.assumptions).toEqual([{
      node: 'nodea', about: 'chain KUBE-FORWARD (filter table of nodea) was not captured',
      assumed: 'assuming KUBE-FORWARD returns without deciding the packet\'s fate', rule: '-A FORWARD -j KUBE-FORWARD', source: 'nodea/iptables:9',
    }]);
    expect(decides?.verdict).toBe('unknown');
    expect(decides?.probability).toBe(1);
    expect(decides?.reason).toContain('KUBE-FORWARD, which is not in the capture');
    expect(decides?.assumptions.map((a) => a.assumed)).toEqual(['assuming KUBE-FORWARD decides the packet\'s fate (what it decides is unknown)']);
  });
});

describe('NAT targets', () => {
  const world = [nodeA(`
    *nat
    :PREROUTING ACCEPT [0:0]
    :INPUT ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    -A PREROUTING -d 10.0.0.5/32 -p tcp --dport 8080 -j DNAT --to-destination 10.244.0.7:80
    -A PREROUTING -d 10.0.0.5/32 -p tcp --dport 8081 -j DNAT --to-destination 10.244.0.10-10.244.0.20:9000-9010
    -A PREROUTING -i eth0 -p tcp --dport 3128 -j REDIRECT --to-ports 3129
    -A POSTROUTING -s 10.244.0.0/24 -o eth0 -j MASQUERADE
    -A POSTROUTING -s 10.244.0.0/24 -o eth1 -j SNAT --to-source 172.16.0.100
    COMMIT
  `)];

  it('DNAT rewrites address and port and records the transformation before/after', () => {
    const o = only(trace(world, { src: '203.0.113.9', dst: '10.0.0.5', dport: 8080, in: 'eth0' }));
    expect(o.verdict).toBe('forward');
    expect(o.packet).toEqual({ proto: 'tcp', src: '203.0.113.9', sport: 40000, dst: '10.244.0.7', dport: 80 });
    expect(o.egress).toEqual({ node: 'nodea', interface: 'cbr0', nextHop: '10.244.0.7' });
    const dnat = o.steps.find((s) => s.target === 'DNAT');
    expect(dnat?.nat).toMatchObject({ kind: 'dnat', before: { dst: '10.0.0.5', dport: 8080 }, after: { dst: '10.244.0.7', dport: 80 } });
    expect(o.hops).toEqual([{ node: 'nodea', in: 'eth0', out: 'cbr0', before: { proto: 'tcp', src: '203.0.113.9', sport: 40000, dst: '10.0.0.5', dport: 8080 }, after: o.packet }]);
  });

  it('DNAT to a range takes the first address and port and says it is a range', () => {
    const o = only(trace(world, { src: '203.0.113.9', dst: '10.0.0.5', dport: 8081, in: 'eth0' }));
    expect(o.packet).toMatchObject({ dst: '10.244.0.10', dport: 9000 });
    const note = o.steps.find((s) => s.target === 'DNAT')?.nat?.note ?? '';
    expect(note).toContain('address range 10.244.0.10-10.244.0.20');
    expect(note).toContain('port range 9000-9010');
  });

  it('REDIRECT sends the packet to the first address of the incoming interface', () => {
    const o = only(trace(world, { src: '10.0.0.77', dst: '8.8.8.8', dport: 3128, in: 'eth0' }));
    expect(o.verdict).toBe('deliver');
    expect(o.packet).toMatchObject({ dst: '10.0.0.5', dport: 3129 });
  });

  it('MASQUERADE uses the primary address of the egress interface in the next hop subnet', () => {
    const viaFirst = only(trace(world, { src: '10.244.0.7', dst: '8.8.8.8', dport: 443, in: 'cbr0' }));
    expect(viaFirst.packet.src).toBe('10.0.0.5');
    const viaSecond = only(trace(world, { src: '10.244.0.7', dst: '10.50.1.1', dport: 443, in: 'cbr0' }));
    expect(viaSecond.packet.src).toBe('192.168.50.5');
    expect(viaSecond.egress).toEqual({ node: 'nodea', interface: 'eth0', nextHop: '192.168.50.1' });
  });

  it('MASQUERADE out lo (a local process DNATed to a local address) takes the first global address of another interface, as the kernel does', () => {
    const apiserver = [nodeA(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      -A OUTPUT -d 10.96.0.1/32 -p tcp --dport 443 -j MARK --set-xmark 0x4000/0x4000
      -A OUTPUT -d 10.96.0.1/32 -p tcp --dport 443 -j DNAT --to-destination 172.16.0.5:6443
      -A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE
      COMMIT
    `)];
    const o = only(trace(apiserver, { src: '172.16.0.5', sport: 51201, dst: '10.96.0.1', dport: 443, local: true }));
    expect(o.verdict).toBe('deliver');
    // lo holds only 127.0.0.1 (scope host); eth0 is the first interface with a global primary address.
    expect(o.packet).toEqual({ proto: 'tcp', src: '10.0.0.5', sport: 51201, dst: '172.16.0.5', dport: 6443 });
    const masq = o.steps.find((s) => s.target === 'MASQUERADE')?.nat;
    expect(masq?.note).toContain('lo has no global ipv4 address');
    expect(masq?.note).toContain('10.0.0.5 on eth0');
  });

  it('a local packet without a source address to a local destination is sent from that address', () => {
    const o = only(trace([nodeA(EMPTY)], { src: '0.0.0.0', dst: '172.16.0.5', dport: 22, local: true }));
    expect(o.verdict).toBe('deliver');
    expect(o.packet.src).toBe('172.16.0.5');
  });

  it('SNAT rewrites the source to the given address', () => {
    const o = only(trace(world, { src: '10.244.0.7', dst: '10.1.2.3', dport: 443, in: 'cbr0' }));
    expect(o.packet.src).toBe('172.16.0.100');
    expect(o.steps.at(-1)?.nat).toMatchObject({ kind: 'snat', before: { src: '10.244.0.7' }, after: { src: '172.16.0.100' } });
  });
});

describe('routing', () => {
  const world = [nodeA(EMPTY)];
  it('picks the longest prefix, and among equal prefixes the lowest metric', () => {
    expect(only(trace(world, { src: '10.244.0.7', dst: '10.1.5.5', dport: 1, in: 'cbr0' })).egress).toEqual({ node: 'nodea', interface: 'eth0', nextHop: '10.0.0.8' });
    expect(only(trace(world, { src: '10.244.0.7', dst: '10.1.2.3', dport: 1, in: 'cbr0' })).egress).toEqual({ node: 'nodea', interface: 'eth1', nextHop: '172.16.0.9' });
    expect(only(trace(world, { src: '10.244.0.7', dst: '8.8.8.8', dport: 1, in: 'cbr0' })).egress).toEqual({ node: 'nodea', interface: 'eth0', nextHop: '10.0.0.1' });
  });

  it('delivers to any local address, whatever interface holds it', () => {
    expect(only(trace(world, { src: '10.244.0.7', dst: '172.16.0.5', dport: 22, in: 'cbr0' })).verdict).toBe('deliver');
  });

  it('drops on blackhole routes and rejects on unreachable ones', () => {
    expect(only(trace(world, { src: '10.244.0.7', dst: '10.9.1.1', dport: 1, in: 'cbr0' }))).toMatchObject({ verdict: 'drop' });
    const unreachable = only(trace(world, { src: '10.244.0.7', dst: '10.8.1.1', dport: 1, in: 'cbr0' }));
    expect(unreachable.verdict).toBe('reject');
    expect(unreachable.reason).toContain('unreachable');
  });

  it('a throw route leaves the main table: with policy routing not replayed, there is no route', () => {
    const thrown = nodeFrom('nodea', { iptables: EMPTY, addr: ADDR_A, route: `${ROUTE_A}\n  throw 10.66.0.0/16` });
    const o = only(trace([thrown], { src: '10.244.0.7', dst: '10.66.1.1', dport: 80, in: 'cbr0' }));
    expect(o.verdict).toBe('drop');
    expect(o.reason).toContain('no route to 10.66.1.1');
  });

  it('delivers an arriving packet to a subnet broadcast or 255.255.255.255 locally instead of forwarding it', () => {
    const world = [nodeA(EMPTY)];
    for (const dst of ['10.244.0.255', '255.255.255.255']) {
      const o = only(trace(world, { proto: 'udp', src: '10.244.0.7', dst, dport: 67, in: 'cbr0' }));
      expect(o.verdict, dst).toBe('deliver');
    }
  });

  it('drops with "no route" when nothing matches', () => {
    const b = nodeFrom('nodeb', { iptables: EMPTY, addr: `
      2: eth0: <BROADCAST,UP> mtu 1500 state UP
          link/ether 52:54:00:00:00:01 brd ff:ff:ff:ff:ff:ff
          inet 10.0.0.7/24 scope global eth0
    `, route: `10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.7` });
    const o = only(tracePacket([b], { node: 'nodeb', proto: 'udp', src: '10.0.0.9', dst: '10.1.2.3', dport: 53, in: 'eth0', follow: false }).outcomes);
    expect(o).toMatchObject({ verdict: 'drop', reason: 'no route to 10.1.2.3 on nodeb' });
  });

  it('uses the connected subnet of an address when the route capture does not list it', () => {
    const b = nodeFrom('nodeb', { iptables: EMPTY, addr: `
      2: eth0: <BROADCAST,UP> mtu 1500 state UP
          link/ether 52:54:00:00:00:01 brd ff:ff:ff:ff:ff:ff
          inet 10.0.0.7/24 scope global eth0
    `, route: `default via 10.0.0.1 dev eth0` });
    const o = only(tracePacket([b], { node: 'nodeb', proto: 'udp', src: '10.0.0.7', dst: '10.0.0.20', dport: 53, local: true, follow: false }).outcomes);
    expect(o.egress).toEqual({ node: 'nodeb', interface: 'eth0', nextHop: '10.0.0.20' });
  });
});

describe('locally generated packets', () => {
  const world = [nodeA(`
    *nat
    :PREROUTING ACCEPT [0:0]
    :INPUT ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    -A OUTPUT -d 10.96.0.10/32 -p tcp --dport 80 -j DNAT --to-destination 10.244.0.7:8080
    COMMIT
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    -A OUTPUT -o cbr0 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset
    COMMIT
  `)];

  it('re-routes after a DNAT in nat OUTPUT, so filter OUTPUT sees the new interface', () => {
    const o = only(trace(world, { src: '10.0.0.5', dst: '10.96.0.10', dport: 80, local: true }));
    expect(o.verdict).toBe('reject');
    const routes = o.trail.filter((e) => e.kind === 'route');
    expect(routes.map((r) => (r.kind === 'route' ? `${r.stage}:${r.result.kind === 'unicast' ? r.result.dev : r.result.kind}` : ''))).toEqual(['output:eth0', 'reroute:cbr0']);
  });

  it('re-routes after nat OUTPUT only when the destination changed, not for a mark alone', () => {
    const marking = [nodeA(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      -A OUTPUT -j MARK --set-xmark 0x4000/0x4000
      COMMIT
    `)];
    const o = only(trace(marking, { src: '10.0.0.5', dst: '8.8.8.8', dport: 80, local: true }));
    expect(o.marks).toEqual({ nodea: '0x4000' });
    expect(o.trail.filter((e) => e.kind === 'route').map((e) => (e.kind === 'route' ? e.stage : ''))).toEqual(['output']);
  });

  it('a packet to a local address loops back through lo and is delivered', () => {
    const o = only(trace(world, { src: '10.0.0.5', dst: '172.16.0.5', dport: 22, local: true }));
    expect(o.verdict).toBe('deliver');
    expect(o.trail.filter((e) => e.kind === 'hook').map((e) => (e.kind === 'hook' ? e.hook : ''))).toEqual(['OUTPUT', 'POSTROUTING', 'PREROUTING', 'INPUT']);
  });
});

describe('statistic branches', () => {
  const world = [nodeA(`
    *nat
    :PREROUTING ACCEPT [0:0]
    :INPUT ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    :SVC - [0:0]
    -A PREROUTING -d 10.96.0.1/32 -p tcp --dport 80 -j SVC
    -A PREROUTING -d 10.96.0.2/32 -p tcp --dport 80 -m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 10.244.0.9:80
    -A SVC -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.244.0.2:80
    -A SVC -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.244.0.3:80
    -A SVC -j DNAT --to-destination 10.244.0.4:80
    COMMIT
  `)];

  it('enumerates every endpoint of a random split, with probabilities summing to 1', () => {
    const outcomes = trace(world, { src: '203.0.113.9', dst: '10.96.0.1', dport: 80, in: 'eth0' });
    expect(outcomes.map((o) => o.packet.dst)).toEqual(['10.244.0.2', '10.244.0.3', '10.244.0.4']);
    for (const o of outcomes) expect(o.probability).toBeCloseTo(1 / 3, 6);
    expect(outcomes.reduce((n, o) => n + o.probability, 0)).toBeCloseTo(1, 12);
  });

  it('splits an nth rule into the matching counter position and the others', () => {
    const outcomes = trace(world, { src: '203.0.113.9', dst: '10.96.0.2', dport: 80, in: 'eth0' });
    expect(outcomes.map((o) => o.packet.dst)).toEqual(['10.244.0.9', '10.96.0.2']);
    expect(outcomes[0]?.probability).toBeCloseTo(1 / 3, 12);
    expect(outcomes[1]?.probability).toBeCloseTo(2 / 3, 12);
    expect(outcomes[0]?.steps.find((s) => s.target === 'DNAT')?.note).toContain('position 0 of 3');
  });
});

describe('matches', () => {
  it('recent --rcheck does not match in a fresh replay and the trail says so; --set earlier in the trace does', () => {
    const world = [nodeA(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -p tcp --dport 22 -m recent --rcheck --seconds 60 --name SSH --rsource -j DROP
      -A FORWARD -p tcp --dport 23 -m recent --set --name TEL --rsource
      -A FORWARD -p tcp --dport 23 -m recent --rcheck --name TEL --rsource -j REJECT
      COMMIT
    `)];
    const ssh = only(trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 22, in: 'eth1' }));
    expect(ssh.verdict).toBe('forward');
    expect(ssh.trail.some((e) => e.kind === 'note' && e.text.includes('fresh replay'))).toBe(true);
    expect(only(trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 23, in: 'eth1' })).verdict).toBe('reject');
  });

  it('addrtype --limit-iface-in counts a local address only on the interface holding it', () => {
    const world = [nodeA(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT
      -A INPUT -j DROP
      COMMIT
    `)];
    expect(only(trace(world, { src: '10.0.0.9', dst: '10.0.0.5', dport: 22, in: 'eth0' })).verdict).toBe('deliver');
    expect(only(trace(world, { src: '172.16.0.9', dst: '10.0.0.5', dport: 22, in: 'eth1' })).verdict).toBe('drop');
  });

  it('conntrack sees NEW, the DNAT status, and the original destination before NAT', () => {
    const world = [nodeA(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      -A PREROUTING -d 10.0.0.5/32 -p tcp --dport 8080 -j DNAT --to-destination 10.244.0.7:80
      COMMIT
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
      -A FORWARD -m conntrack --ctstate DNAT --ctorigdst 10.0.0.5 --ctorigdstport 8080 -j ACCEPT
      COMMIT
    `)];
    const o = only(trace(world, { src: '203.0.113.9', dst: '10.0.0.5', dport: 8080, in: 'eth0' }));
    expect(o.verdict).toBe('forward');
    expect(o.steps.filter((s) => s.table === 'filter').map((s) => s.rule)).toEqual(['-A FORWARD -m conntrack --ctstate DNAT --ctorigdst 10.0.0.5 --ctorigdstport 8080 -j ACCEPT']);
  });

  it('physdev-is-bridged matches only a packet bridged between ports of the same bridge', () => {
    const world = [nodeA(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -m physdev --physdev-is-bridged -j ACCEPT
      COMMIT
    `)];
    const bridged = only(trace(world, { src: '10.244.0.7', dst: '10.244.0.9', dport: 80, in: 'veth1' }));
    expect(bridged.verdict).toBe('forward');
    expect(bridged.egress?.interface).toBe('cbr0');
    expect(only(trace(world, { src: '10.244.0.7', dst: '8.8.8.8', dport: 80, in: 'veth1' })).verdict).toBe('drop');
  });

  it('forks on an ipset whose members were not captured; answers unknown for a target it does not model', () => {
    const world = [nodeA(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -p tcp --dport 1 -m set --match-set blocked src -j DROP
      -A FORWARD -p tcp --dport 2 -j NFQUEUE --queue-num 3
      COMMIT
    `)];
    const set = trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 1, in: 'eth1' });
    expect(set.map((o) => [o.verdict, o.probability, o.assumptions.map((a) => a.assumed)])).toEqual([
      ['drop', 1, ['assuming ipset blocked holds the packet\'s source 203.0.113.9 port 40000']],
      ['forward', 1, ['assuming ipset blocked does not hold the packet\'s source 203.0.113.9 port 40000']],
    ]);
    expect(set[0]?.assumptions[0]?.about).toBe('the members of ipset blocked were not captured (ipset list)');
    const queue = only(trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 2, in: 'eth1' }));
    expect(queue.verdict).toBe('unknown');
    expect(queue.reason).toContain('NFQUEUE');
    expect(only(trace(world, { src: '203.0.113.9', dst: '8.8.8.8', dport: 3, in: 'eth1' })).verdict).toBe('forward');
  });
});

describe('partial captures', () => {
  const rulesOnly = `
    *nat
    :PREROUTING ACCEPT [0:0]
    :INPUT ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    :KUBE-MARK-MASQ - [0:0]
    -A PREROUTING -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
    -A PREROUTING -d 10.96.0.10/32 -p tcp --dport 80 -j DNAT --to-destination 10.244.3.4:8080
    -A PREROUTING -d 10.96.0.11/32 -m addrtype --src-type LOCAL -j ACCEPT
    -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
    COMMIT
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    -A FORWARD -d 10.244.9.0/24 -o cni0 -j DROP
    COMMIT
  `;
  const world = [nodeFrom('nodea', { iptables: rulesOnly })];

  const IN_ETH0 = 'assuming eth0 is an interface of nodea, not a bridge port, with no address that matters here';

  it('with a ruleset alone, carries the DNAT through; whether the new destination is local is an assumption either way', () => {
    const [local, routed, ...rest] = trace(world, { src: '10.244.1.1', dst: '10.96.0.10', dport: 80, in: 'eth0' });
    expect(rest).toEqual([]);
    expect(local?.verdict).toBe('deliver');
    expect(local?.assumptions.map((a) => a.assumed)).toEqual(['assuming 10.244.3.4 is a local address of nodea', IN_ETH0]);
    expect(routed?.verdict).toBe('unknown');
    expect(routed?.packet).toMatchObject({ dst: '10.244.3.4', dport: 8080 });
    expect(routed?.reason).toContain('routes');
    expect(routed?.marks).toEqual({ nodea: '0x4000' });
    expect(routed?.assumptions.map((a) => a.assumed)).toEqual(['assuming 10.244.3.4 is not a local address of nodea', IN_ETH0]);
  });

  it('forks at an -o match when the outgoing interface is not known, naming it', () => {
    const outcomes = trace(world, { src: '10.244.1.1', dst: '10.244.9.9', dport: 80, in: 'eth0' });
    expect(outcomes.map((o) => [o.verdict, o.assumptions.map((a) => a.assumed)])).toEqual([
      ['deliver', ['assuming 10.244.9.9 is a local address of nodea', IN_ETH0]],
      ['drop', ['assuming 10.244.9.9 is not a local address of nodea', 'assuming 10.244.9.9 leaves nodea by cni0', IN_ETH0]],
      ['unknown', ['assuming 10.244.9.9 is not a local address of nodea', 'assuming 10.244.9.9 does not leave nodea by cni0', IN_ETH0]],
    ]);
    expect(outcomes[1]?.assumptions[1]).toMatchObject({ rule: '-A FORWARD -d 10.244.9.0/24 -o cni0 -j DROP', source: 'nodea/iptables:16' });
    expect(outcomes[1]?.assumptions[1]?.about).toContain('-o cni0');
  });

  it('drops an addrtype question whose answers end alike (ACCEPT in nat PREROUTING, or on to its policy ACCEPT)', () => {
    const outcomes = trace(world, { src: '10.244.1.1', dst: '10.96.0.11', dport: 80, in: 'eth0' });
    expect(outcomes.map((o) => [o.verdict, o.assumptions.map((a) => a.assumed)])).toEqual([
      ['deliver', ['assuming 10.96.0.11 is a local address of nodea', IN_ETH0]],
      ['unknown', ['assuming 10.96.0.11 is not a local address of nodea', IN_ETH0]],
    ]);
    expect(outcomes.flatMap((o) => o.assumptions).some((a) => a.assumed.includes('10.244.1.1'))).toBe(false);
  });
});

describe('IPv6', () => {
  it('replays an ip6tables ruleset: DNAT to a bracketed address and MASQUERADE to the global address', () => {
    const n = nodeFrom('v6', {
      iptables: `
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        -A PREROUTING -d fd00:96::10/128 -p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00:40::7]:8080
        -A POSTROUTING -s fd00:40::/64 -j MASQUERADE
        COMMIT
      `,
      addr: `
        2: eth0: <BROADCAST,UP> mtu 1500 state UP
            link/ether 52:54:00:00:00:01 brd ff:ff:ff:ff:ff:ff
            inet6 2001:db8::5/64 scope global
        3: cbr0: <BROADCAST,UP> mtu 1500 state UP
            link/ether 52:54:00:00:00:02 brd ff:ff:ff:ff:ff:ff
            inet6 fd00:40::1/64 scope global
      `,
      route: 'default via 2001:db8::1 dev eth0 metric 1024',
    });
    const world = [{ ...n, ruleset: null, ruleset6: n.ruleset }];
    const dnat = only(tracePacket(world, { node: 'v6', proto: 'tcp', src: '2001:db8::99', dst: 'fd00:96::10', dport: 80, in: 'eth0', follow: false }).outcomes);
    expect(dnat.packet).toMatchObject({ dst: 'fd00:40::7', dport: 8080 });
    expect(dnat.egress?.interface).toBe('cbr0');
    const masq = only(tracePacket(world, { node: 'v6', proto: 'tcp', src: 'fd00:40::7', dst: '2606:4700::1', dport: 443, in: 'cbr0', follow: false }).outcomes);
    expect(masq.packet.src).toBe('2001:db8::5');
    expect(masq.summary).toBe('masqueraded fd00:40::7 → 2001:db8::5; forwarded out eth0 of v6 via 2001:db8::1');
  });
});

describe('rulesets from listings', () => {
  it('forks at a rule from a listing without interfaces, and says when the listing is partial', () => {
    const snapshot = nodeA(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -p tcp --dport 25 -j DROP
      COMMIT
    `);
    if (snapshot.ruleset) snapshot.ruleset.origin = { format: 'iptables-list', interfacesShown: false, countersShown: false, partial: true };
    const [dropped, forwarded, ...rest] = trace([snapshot], { src: '10.244.0.7', dst: '8.8.8.8', dport: 25, in: 'cbr0' });
    expect(rest).toEqual([]);
    expect(dropped?.verdict).toBe('drop');
    expect(forwarded?.verdict).toBe('forward');
    const hidden = (o: Outcome | undefined) => o?.assumptions.find((a) => a.rule === '-A FORWARD -p tcp --dport 25 -j DROP')?.assumed;
    expect(hidden(dropped)).toBe('assuming the rule\'s hidden interfaces admit a packet in cbr0, out eth0');
    expect(hidden(forwarded)).toBe('assuming the rule is limited to other interfaces than those of a packet in cbr0, out eth0');
    expect(dropped?.caveats.some((c) => c.includes('partial'))).toBe(true);
    // The listing is partial: the tables it does not show are taken as empty, and said so.
    expect(dropped?.assumptions.some((a) => a.about === 'the nat table of nodea was not captured (iptables -t nat)')).toBe(true);
  });
});

describe('following the packet across nodes', () => {
  const nodeB = nodeFrom('nodeb', {
    iptables: EMPTY,
    addr: `
      2: eth0: <BROADCAST,UP> mtu 1500 state UP
          link/ether 52:54:00:00:00:01 brd ff:ff:ff:ff:ff:ff
          inet 10.0.0.7/24 scope global eth0
      3: cbr0: <BROADCAST,UP> mtu 1500 state UP
          link/ether 52:54:00:00:00:02 brd ff:ff:ff:ff:ff:ff
          inet 10.244.1.1/24 scope global cbr0
    `,
    route: `
      10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.7
      10.244.1.0/24 dev cbr0 proto kernel scope link src 10.244.1.1
      10.77.0.0/16 via 10.0.0.5 dev eth0
    `,
  });
  const world = [nodeA(EMPTY), nodeB];

  it('continues on the node that owns the next hop, arriving on the interface holding it', () => {
    const o = only(trace(world, { src: '10.244.0.7', dst: '10.244.1.9', dport: 80, in: 'cbr0', follow: true }));
    expect(o.verdict).toBe('forward');
    expect(o.hops.map((h) => `${h.node}:${h.in}->${h.out}`)).toEqual(['nodea:cbr0->eth0', 'nodeb:eth0->cbr0']);
    expect(o.egress).toEqual({ node: 'nodeb', interface: 'cbr0', nextHop: '10.244.1.9' });
    expect(o.marks).toEqual({ nodea: '0x0', nodeb: '0x0' });
  });

  it('stops at a forwarding loop', () => {
    const o = only(trace(world, { src: '10.244.0.7', dst: '10.77.1.1', dport: 80, in: 'cbr0', follow: true }));
    expect(o.verdict).toBe('drop');
    expect(o.reason).toContain('loop');
    expect(o.hops.map((h) => h.node)).toEqual(['nodea', 'nodeb']);
  });

  it('past a gateway that is not captured, goes on to the node holding the destination and says what it assumed', () => {
    const nodeC = nodeFrom('nodec', { iptables: EMPTY, addr: `
      2: eth0: <BROADCAST,UP> mtu 1500 state UP
          link/ether 52:54:00:00:00:03 brd ff:ff:ff:ff:ff:ff
          inet 10.50.0.9/24 scope global eth0
    `, route: 'default via 10.50.0.1 dev eth0' });
    const o = only(trace([nodeA(EMPTY), nodeC], { src: '10.244.0.7', dst: '10.50.0.9', dport: 80, in: 'cbr0', follow: true }));
    expect(o.hops.map((h) => h.node)).toEqual(['nodea', 'nodec']);
    expect(o.caveats).toContain('nodea: the next hop 192.168.50.1 is not a captured node; the replay assumes it carries the packet unchanged to nodec, which holds 10.50.0.9');
  });

  it('without follow, stops at the first node', () => {
    const o = only(trace(world, { src: '10.244.0.7', dst: '10.244.1.9', dport: 80, in: 'cbr0' }));
    expect(o.hops).toHaveLength(1);
    expect(o.egress).toEqual({ node: 'nodea', interface: 'eth0', nextHop: '10.0.0.7' });
  });
});

describe('the contract shape', () => {
  it('prints the input with the default source port and exactly the contract fields on each outcome', () => {
    const result = tracePacket([nodeA(EMPTY)], { node: 'nodea', proto: 'tcp', src: '10.244.0.7', dst: '8.8.8.8', dport: 443, in: 'cbr0', follow: false });
    expect(result.input).toEqual({ node: 'nodea', proto: 'tcp', src: '10.244.0.7', sport: 40000, dst: '8.8.8.8', dport: 443, in: 'cbr0', local: false });
    const o = only(result.outcomes);
    for (const key of ['probability', 'verdict', 'packet', 'egress', 'marks', 'hops', 'steps', 'reason']) expect(o).toHaveProperty(key);
    for (const s of o.steps) for (const key of ['node', 'table', 'chain', 'rule', 'target', 'policy']) expect(s).toHaveProperty(key);
  });

  it('refuses a local packet without a source where the captures show none the kernel would pick, in words both faces read', () => {
    const routesOnly = nodeFrom('lonely', { route: 'default via 192.168.1.1 dev eth0' });
    const run = () => tracePacket([routesOnly], { node: 'lonely', proto: 'tcp', src: null, dst: '8.8.8.8', dport: 443, local: true, follow: false });
    expect(run).toThrow(/^a packet sent locally with no source address given: .*the captures show no address on eth0 .*; give the source address$/);
    expect(run).not.toThrow(/--/);
  });

  it('refuses an unknown node', () => {
    expect(() => tracePacket([nodeA(EMPTY)], { node: 'nope', proto: 'tcp', src: '1.1.1.1', dst: '2.2.2.2', dport: 1, in: 'eth0', follow: false })).toThrow('unknown node "nope"');
  });
});
