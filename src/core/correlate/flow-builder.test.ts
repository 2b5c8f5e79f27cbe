import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../records/records';
import { FlowBuilder, type PacketSighting } from './flow-builder';
import type { FlowTuple } from './flow-key';
import { TCP_ACK, TCP_SYN } from './tcp-timeline';

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
