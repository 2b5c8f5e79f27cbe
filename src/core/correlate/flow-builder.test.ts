import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../records/records';
import { FlowBuilder, type Flow, type PacketSighting } from './flow-builder';
import type { FlowTuple } from './flow-key';
import { TCP_ACK, TCP_SYN, TcpTimeline } from './tcp-timeline';

const tcp = (src: string, sport: number, dst: string, dport: number): FlowTuple => ({ proto: 6, src, sport, dst, dport });
let ref = 0;
const packet = (node: string, iface: string, time: number, tuple: FlowTuple, flags: number, seq: number): PacketSighting => ({
  ref: ++ref, node, iface, source: `${node}.pcap#${ref}`, time, tuple, tcpFlags: flags, seq, ack: 0, payloadLen: 0,
});

const nodePortEntry: ConntrackEntry = {
  family: 'ipv4', proto: 'tcp', protoNumber: 6, timeout: 100, state: 'ESTABLISHED',
  original: { src: '10.142.0.6', sport: 48648, dst: '10.142.0.8', dport: 31830, icmp: null, packets: null, bytes: null },
  reply: { src: '10.40.0.6', sport: 8080, dst: '10.40.0.1', dport: 48648, icmp: null, packets: null, bytes: null },
  unreplied: false, assured: true, mark: 0, zone: null, use: 1, flags: [], line: 7,
};

function run(builder: FlowBuilder, packets: PacketSighting[]): ReturnType<FlowBuilder['finish']> & { ids: number[] } {
  for (const p of packets) builder.notePacket(p);
  const provisional = packets.map((p) => builder.addPacket(p));
  const result = builder.finish((original) => (original.dport === 31830 ? 'default/hello:80' : null));
  return { ...result, ids: provisional.map(result.finalId) };
}

describe('FlowBuilder', () => {
  it('puts the eth0 and cbr0 sightings of a NodePort connection on one flow with pre- and post-NAT hops', () => {
    const b = new FlowBuilder();
    b.addConntrack({ ref: 1, node: 'gke', entry: nodePortEntry, source: 'gke.txt:7', time: null });
    const packets = [
      packet('gke', 'eth0', 10.0, tcp('10.142.0.6', 48648, '10.142.0.8', 31830), TCP_SYN, 1),
      packet('gke', 'cbr0', 10.001, tcp('10.40.0.1', 48648, '10.40.0.6', 8080), TCP_SYN, 1),
      packet('gke', 'cbr0', 10.002, tcp('10.40.0.6', 8080, '10.40.0.1', 48648), TCP_SYN | TCP_ACK, 9),
      packet('gke', 'eth0', 10.003, tcp('10.142.0.8', 31830, '10.142.0.6', 48648), TCP_SYN | TCP_ACK, 9),
      packet('other', 'eth0', 5, tcp('10.0.0.1', 1, '10.0.0.2', 2), TCP_SYN, 1),
    ];
    const { flows, ids } = run(b, packets);
    expect(flows).toHaveLength(2);
    expect(flows[0]!.original.src).toBe('10.0.0.1'); // ordered by first time seen
    const np = flows[1]!;
    expect(ids.slice(0, 4)).toEqual([2, 2, 2, 2]);
    expect(np).toMatchObject({ nat: ['dnat', 'snat'], service: 'default/hello:80', evidence: 'conntrack', packets: 4 });
    expect(np.hops.map((h) => [h.iface, h.direction, h.stage.dnat])).toEqual([
      ['eth0', 'original', false], ['cbr0', 'original', true], ['cbr0', 'reply', true], ['eth0', 'reply', false],
    ]);
    expect(np.tcp).toMatchObject({ synAt: 10, synAckAt: 10.002, oneSided: false });
    expect(np.conntrack[0]).toMatchObject({ node: 'gke', source: 'gke.txt:7', assured: true });
  });

  it('marks a link the simulator predicted as inferred when no conntrack entry was captured', () => {
    const b = new FlowBuilder();
    const pre = tcp('10.142.0.6', 48648, '10.142.0.8', 31830);
    const post = tcp('10.40.0.1', 48648, '10.40.0.6', 8080);
    // Different sequence numbers: only the simulator can tie these two together.
    const packets = [packet('gke', 'eth0', 1, pre, TCP_SYN, 1), packet('gke', 'cbr0', 1.1, post, TCP_SYN, 2)];
    for (const p of packets) b.notePacket(p);
    b.inferLinks(({ tuple }) => (tuple.dport === 31830 ? [{ tuple: post, reason: 'KUBE-SEP-X DNAT, masquerade' }] : []));
    const ids = packets.map((p) => b.addPacket(p));
    const { flows, finalId } = b.finish(() => null);
    expect(flows).toHaveLength(1);
    expect(ids.map(finalId)).toEqual([1, 1]);
    expect(flows[0]).toMatchObject({ evidence: 'inferred', nat: ['dnat', 'snat'], original: pre });
    expect(flows[0]!.links[0]!.reason).toContain('KUBE-SEP-X');
  });

  it('ties the pre-NAT and post-NAT sightings of a SYN by their shared sequence number, without conntrack or rules', () => {
    const b = new FlowBuilder();
    const pre = tcp('10.142.0.6', 48648, '10.142.0.8', 31830);
    const post = tcp('10.40.0.1', 48648, '10.40.0.6', 8080);
    const packets = [
      packet('gke', 'cbr0', 1.1, post, TCP_SYN, 777),
      packet('gke', 'eth0', 1, pre, TCP_SYN, 777),
      { ...packet('gke', 'cbr0', 1.2, tcp('10.40.0.6', 8080, '10.40.0.1', 48648), TCP_SYN | TCP_ACK, 5), ack: 778 },
      packet('other', 'eth0', 3, tcp('10.9.9.9', 1, '10.9.9.8', 2), TCP_SYN, 777),
    ];
    for (const p of packets) b.notePacket(p);
    b.inferLinks(() => []);
    const ids = packets.map((p) => b.addPacket(p));
    const { flows, finalId } = b.finish(() => null);
    expect(flows).toHaveLength(2);
    expect(ids.map(finalId)).toEqual([1, 1, 1, 2]);
    expect(flows[0]).toMatchObject({ evidence: 'inferred', original: pre, reply: tcp('10.40.0.6', 8080, '10.40.0.1', 48648), nat: ['dnat', 'snat'] });
    expect(flows[0]!.links[0]!.reason).toContain('seq 777');
    expect(flows[0]!.hops.map((h) => [h.iface, h.direction])).toEqual([['eth0', 'original'], ['cbr0', 'original'], ['cbr0', 'reply']]);
  });
});

describe('FlowBuilder planned: flows handed over as time passes their last packet', () => {
  const client = tcp('10.0.0.1', 40000, '10.96.0.10', 80);
  const server = tcp('10.96.0.10', 80, '10.0.0.1', 40000);
  const seg = (node: string, iface: string, time: number, t: FlowTuple, flags: number, seq: number, len: number, point: string): PacketSighting => ({
    ref: ++ref, node, iface, source: `${node}#${ref}`, time, tuple: t, tcpFlags: flags, seq, ack: 1, payloadLen: len, point, site: `${node}|${iface}`,
  });
  /** A connection seen on two nodes with a lost segment resent 3 s later, a resent SYN and a second connection meanwhile. */
  const packets = (): PacketSighting[] => [
    seg('a', 'eth0', 1.0, client, TCP_SYN, 100, 0, 'a1'),
    seg('a', 'eth0', 1.5, client, TCP_SYN, 100, 0, 'a1'),
    seg('b', 'eth0', 1.6, client, TCP_SYN, 100, 0, 'b1'),
    seg('b', 'eth0', 1.7, server, TCP_SYN | TCP_ACK, 500, 0, 'b1'),
    seg('a', 'eth0', 1.8, server, TCP_SYN | TCP_ACK, 500, 0, 'a1'),
    seg('a', 'eth0', 1.9, client, TCP_ACK, 101, 0, 'a1'),
    seg('a', 'eth0', 2.0, client, TCP_ACK, 101, 80, 'a1'),
    seg('x', 'eth0', 2.5, tcp('10.0.0.9', 1, '10.0.0.8', 2), TCP_SYN, 7, 0, 'x1'),
    seg('a', 'eth0', 5.0, client, TCP_ACK, 101, 80, 'a1'),
    seg('b', 'eth0', 5.1, client, TCP_ACK, 101, 80, 'b1'),
    seg('b', 'eth0', 5.2, server, TCP_ACK | 0x01, 501, 0, 'b1'),
    seg('a', 'eth0', 9.0, client, TCP_ACK | 0x04, 181, 0, 'a1'),
  ];

  /** Each (tuple, node)'s first and last packet time, as a project's pass 1 notes them. */
  function spans(list: PacketSighting[]): Array<[FlowTuple, string, number, number]> {
    const out = new Map<string, [FlowTuple, string, number, number]>();
    for (const p of list) {
      const key = `${p.node}|${p.tuple.src}|${p.tuple.sport}|${p.tuple.dst}|${p.tuple.dport}`;
      const s = out.get(key);
      if (s === undefined) out.set(key, [p.tuple, p.node, p.time, p.time]);
      else s[3] = Math.max(s[3], p.time);
    }
    return [...out.values()];
  }

  function planned(list: PacketSighting[]): { flows: Flow[]; early: number[]; mostLive: number } {
    const b = new FlowBuilder();
    for (const p of list) b.notePacket(p);
    b.inferLinks(() => []);
    b.planFlows(() => null, (add) => {
      for (const [t, node, first, last] of spans(list)) add(t, node, first, last);
    });
    const flows: Flow[] = [];
    const early: number[] = [];
    let mostLive = 0;
    for (const p of list) {
      b.finishBefore(p.time, (f) => {
        flows.push(f);
        early.push(f.id);
      });
      b.addPacket(p);
      mostLive = Math.max(mostLive, b.liveFlows);
    }
    b.finishRest((f) => flows.push(f));
    return { flows: flows.sort((x, y) => x.id - y.id), early, mostLive };
  }

  function whole(list: PacketSighting[]): Flow[] {
    const b = new FlowBuilder();
    for (const p of list) b.notePacket(p);
    b.inferLinks(() => []);
    for (const p of list) b.addPacket(p);
    return b.finish(() => null).flows;
  }

  it('makes every flow exactly as one made at the end, handing over a finished one before the end', () => {
    const { flows, early } = planned(packets());
    expect(flows).toEqual(whole(packets()));
    // The x connection's one packet is at 2.5: it is handed over when the packet at 5.0 comes, not at the end.
    expect(early).toEqual([flows.find((f) => f.original.src === '10.0.0.9')!.id]);
    expect(flows[0]!.tcp).toMatchObject({ retransmissions: 2, synCount: 3, rstAt: 9 });
  });

  it('holds only the flows open at one moment: three hundred connections one after another, one or two live', () => {
    const list: PacketSighting[] = [];
    for (let i = 0; i < 300; i++) {
      const t = tcp('10.0.0.1', 1000 + i, '10.0.0.2', 80);
      list.push(seg('a', 'eth0', i, t, TCP_SYN, i, 0, 'p'), seg('a', 'eth0', i + 0.5, t, TCP_ACK, i + 1, 10, 'p'));
    }
    const { flows, early, mostLive } = planned(list);
    expect(mostLive).toBeLessThanOrEqual(2);
    expect(early).toHaveLength(299);
    expect(flows).toEqual(whole(list));
  });

  it('refuses a packet for a flow its plan said had ended', () => {
    const b = new FlowBuilder();
    const t = tcp('10.0.0.1', 1, '10.0.0.2', 2);
    b.notePacket(seg('a', 'eth0', 1, t, TCP_SYN, 1, 0, 'p'));
    b.inferLinks(() => []);
    b.planFlows(() => null, (add) => void add(t, 'a', 1, 1));
    b.addPacket(seg('a', 'eth0', 1, t, TCP_SYN, 1, 0, 'p'));
    b.finishBefore(2, () => undefined);
    expect(() => b.addPacket(seg('a', 'eth0', 3, t, TCP_ACK, 2, 0, 'p'))).toThrow(/already finished/);
  });
});

describe('FlowBuilder: icmp echo connections', () => {
  const echoEntry = (id: number, replyDst: string, unreplied: boolean, line: number): ConntrackEntry => ({
    family: 'ipv4', proto: 'icmp', protoNumber: 1, timeout: 29, state: null,
    original: { src: '192.168.255.2', sport: null, dst: '8.8.8.8', dport: null, icmp: { type: 8, code: 0, id }, packets: null, bytes: null },
    reply: { src: '8.8.8.8', sport: null, dst: replyDst, dport: null, icmp: { type: 0, code: 0, id }, packets: null, bytes: null },
    unreplied, assured: false, mark: 0, zone: null, use: 1, flags: unreplied ? ['UNREPLIED'] : [], line,
  });
  const ping = (node: string, iface: string, time: number, src: string, dst: string): PacketSighting => ({
    ref: ++ref, node, iface, source: `${node}.txt:${ref}`, time, tuple: { proto: 1, src, sport: null, dst, dport: null },
    tcpFlags: null, seq: null, ack: null, payloadLen: null,
  });

  it('puts pings whose capture does not tell the echo id on the connection listed around their time, the NATed side too', () => {
    const b = new FlowBuilder();
    b.addConntrack({ ref: 1, node: 'n', entry: echoEntry(24606, '192.168.255.2', true, 435), source: 'n.txt:435', time: 1000 });
    b.addConntrack({ ref: 2, node: 'n', entry: echoEntry(24853, '10.142.0.2', false, 484), source: 'n.txt:484', time: 1100 });
    // After the first listing, before the second: the masqueraded ping, seen inside (veth0) and outside (eth0).
    const packets = [
      ping('n', 'veth0', 1050, '192.168.255.2', '8.8.8.8'),
      ping('n', 'eth0', 1050.001, '10.142.0.2', '8.8.8.8'),
      ping('n', 'eth0', 1050.02, '8.8.8.8', '10.142.0.2'),
      ping('n', 'veth0', 1050.021, '8.8.8.8', '192.168.255.2'),
    ];
    for (const p of packets) b.notePacket(p);
    b.inferLinks(() => []);
    const ids = packets.map((p) => b.addPacket(p));
    const { flows, finalId } = b.finish(() => null);
    expect(flows.map((f) => [f.conntrack.map((c) => c.source), f.nat, f.packets])).toEqual([
      [['n.txt:435'], [], 0],
      [['n.txt:484'], ['snat'], 4],
    ]);
    expect(new Set(ids.map(finalId))).toEqual(new Set([flows[1]!.id]));
  });
});
