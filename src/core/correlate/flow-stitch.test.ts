import { describe, expect, it } from 'vitest';
import type { ConntrackEntry, ConntrackTuple } from '../records/records';
import { stageOf } from './capture-point';
import { ClockAligner } from './clock-offset';
import { FlowStitcher } from './flow-stitch';
import type { FlowTuple } from './flow-key';
import { TcpTimeline, TCP_ACK, TCP_SYN } from './tcp-timeline';

const t = (src: string, sport: number, dst: string, dport: number): ConntrackTuple => ({
  src, dst, sport, dport, icmp: null, packets: null, bytes: null,
});
const tcp = (src: string, sport: number, dst: string, dport: number): FlowTuple => ({ proto: 6, src, sport, dst, dport });

function entry(original: ConntrackTuple, reply: ConntrackTuple, line = 1): ConntrackEntry {
  return {
    family: 'ipv4', proto: 'tcp', protoNumber: 6, timeout: 100, state: 'ESTABLISHED', original, reply,
    unreplied: false, assured: true, mark: 0, zone: null, use: 1, flags: [], line,
  };
}

describe('flow stitching', () => {
  it('joins the eth0 sighting and the cbr0 sighting of a NodePort connection through one conntrack entry', () => {
    const s = new FlowStitcher();
    s.addConntrack({ ref: 1, node: 'gke-node', entry: entry(t('10.142.0.6', 48648, '10.142.0.8', 31830), t('10.40.0.6', 8080, '10.40.0.1', 48648)) });
    const onEth0 = s.flowOf(tcp('10.142.0.6', 48648, '10.142.0.8', 31830));
    const onCbr0 = s.flowOf(tcp('10.40.0.1', 48648, '10.40.0.6', 8080));
    const replyOnCbr0 = s.flowOf(tcp('10.40.0.6', 8080, '10.40.0.1', 48648));
    expect(onCbr0.provisional).toBe(onEth0.provisional);
    expect(replyOnCbr0.provisional).toBe(onEth0.provisional);
    expect(s.flows()).toHaveLength(1);
    expect(onEth0.nat).toEqual(['dnat', 'snat']);
    expect(onEth0.original).toEqual(tcp('10.142.0.6', 48648, '10.142.0.8', 31830));
    expect(onEth0.reply).toEqual(tcp('10.40.0.6', 8080, '10.40.0.1', 48648));
  });

  it('chains entries of two nodes: the client node DNATs, the server node sees the translated tuple', () => {
    const s = new FlowStitcher();
    // Listed server node first: the ends must not depend on the order entries arrive in.
    s.addConntrack({ ref: 2, node: 'nodeb', entry: entry(t('10.40.1.2', 40000, '10.40.2.3', 8080), t('10.40.2.3', 8080, '10.40.1.2', 40000)) });
    s.addConntrack({ ref: 1, node: 'nodea', entry: entry(t('10.40.1.2', 40000, '10.96.0.10', 80), t('10.40.2.3', 8080, '10.40.1.2', 40000)) });
    const [flow, ...rest] = s.flows();
    expect(rest).toHaveLength(0);
    expect(flow!.conntrack.map((c) => c.node).sort()).toEqual(['nodea', 'nodeb']);
    expect(flow!.original).toEqual(tcp('10.40.1.2', 40000, '10.96.0.10', 80));
    expect(flow!.reply).toEqual(tcp('10.40.2.3', 8080, '10.40.1.2', 40000));
    expect(flow!.nat).toEqual(['dnat']);
  });

  it('reads a flow as it is now through any view of it, one taken before an entry joined too', () => {
    const s = new FlowStitcher();
    const before = s.flowOf(tcp('10.40.1.2', 40000, '10.96.0.10', 80));
    expect(before.hasConntrack).toBe(false);
    s.addConntrack({ ref: 7, node: 'nodea', entry: entry(t('10.40.1.2', 40000, '10.96.0.10', 80), t('10.40.2.3', 8080, '10.40.1.2', 40000)) });
    const after = s.flowOf(tcp('10.40.2.3', 8080, '10.40.1.2', 40000));
    expect(after.provisional).toBe(before.provisional);
    expect(before.conntrack.map((c) => c.ref)).toEqual([7]);
    expect(before.reply).toEqual(tcp('10.40.2.3', 8080, '10.40.1.2', 40000));
    expect(before.nat).toEqual(['dnat']);
    expect(s.flowIds()).toEqual(Int32Array.of(before.provisional));
  });

  it('keeps unrelated connections apart and links packet-only flows when the simulator infers it', () => {
    const s = new FlowStitcher();
    const a = s.flowOf(tcp('10.0.0.1', 1000, '10.96.0.1', 443));
    const b = s.flowOf(tcp('10.0.0.1', 1000, '10.40.0.9', 6443));
    expect(a.provisional).not.toBe(b.provisional);
    s.linkInferred(tcp('10.0.0.1', 1000, '10.96.0.1', 443), tcp('10.0.0.1', 1000, '10.40.0.9', 6443), 'predicted DNAT by KUBE-SEP-X');
    expect(s.flows()).toHaveLength(1);
    expect(s.survivorOf(a.provisional)).toBe(s.survivorOf(b.provisional));
    expect(s.flows()[0]!.links[0]!.evidence).toBe('inferred');
  });
});

describe('capture point stage', () => {
  const original = tcp('10.142.0.6', 48648, '10.142.0.8', 31830);
  const reply = tcp('10.40.0.6', 8080, '10.40.0.1', 48648);
  it('tells a pre-NAT sighting from a post-NAT one in each direction', () => {
    expect(stageOf(original, reply, original)).toEqual({ direction: 'original', dnat: false, snat: false });
    expect(stageOf(original, reply, tcp('10.40.0.1', 48648, '10.40.0.6', 8080))).toEqual({ direction: 'original', dnat: true, snat: true });
    expect(stageOf(original, reply, tcp('10.142.0.6', 48648, '10.40.0.6', 8080))).toEqual({ direction: 'original', dnat: true, snat: false });
    expect(stageOf(original, reply, reply)).toEqual({ direction: 'reply', dnat: true, snat: true });
    expect(stageOf(original, reply, tcp('10.142.0.8', 31830, '10.142.0.6', 48648))).toEqual({ direction: 'reply', dnat: false, snat: false });
    expect(stageOf(original, reply, tcp('1.1.1.1', 1, '2.2.2.2', 2)).direction).toBe('unknown');
  });
});

describe('clock alignment', () => {
  it('cancels the wire delay by averaging both directions', () => {
    const c = new ClockAligner();
    // nodeb's clock runs 5 s ahead; the wire takes 0.01 s each way.
    for (let i = 0; i < 10; i++) {
      c.add(`f1|${i}`, 'original', 'nodea', 100 + i);
      c.add(`f1|${i}`, 'original', 'nodeb', 100 + i + 5 + 0.01);
      c.add(`f1|r${i}`, 'reply', 'nodeb', 200 + i + 5);
      c.add(`f1|r${i}`, 'reply', 'nodea', 200 + i + 0.01);
    }
    const offsets = c.offsets(['nodea', 'nodeb']);
    const b = offsets.find((o) => o.node === 'nodeb')!;
    const a = offsets.find((o) => o.node === 'nodea')!;
    expect(b.offsetSeconds - a.offsetSeconds).toBeCloseTo(-5, 6);
    expect(b.samples + a.samples).toBe(20);
  });

  it('reports nothing for a node that shares no segment', () => {
    const c = new ClockAligner();
    c.add('x', 'original', 'nodea', 1);
    expect(c.offsets(['nodea', 'nodec']).map((o) => o.node)).toEqual(['nodea']);
  });
});

describe('tcp timeline', () => {
  it('finds the handshake, a retransmitted SYN and a one-sided connection', () => {
    const tl = new TcpTimeline();
    tl.add({ time: 1, flags: TCP_SYN, seq: 100, payloadLen: 0, point: 'a|eth0', direction: 'original' });
    tl.add({ time: 2, flags: TCP_SYN, seq: 100, payloadLen: 0, point: 'a|eth0', direction: 'original' });
    expect(tl.oneSided).toBe(true);
    tl.add({ time: 2.1, flags: TCP_SYN | TCP_ACK, seq: 500, payloadLen: 0, point: 'a|eth0', direction: 'reply' });
    tl.add({ time: 2.2, flags: TCP_ACK, seq: 101, payloadLen: 10, point: 'a|eth0', direction: 'original' });
    tl.add({ time: 2.5, flags: TCP_ACK, seq: 101, payloadLen: 10, point: 'a|eth0', direction: 'original' });
    expect(tl.oneSided).toBe(false);
    expect(tl.events).toMatchObject({ synAt: 1, synAckAt: 2.1, establishedAt: 2.2, retransmissions: 2 });
  });

  it('takes one packet seen again at once at the same point (a bridge) for a sighting, not a resend', () => {
    const tl = new TcpTimeline();
    // cbr0 with br_netfilter and hairpin: arriving, routed back out, handed to the port, 13 µs in all.
    for (const t of [1, 1.000009, 1.000013]) tl.add({ time: t, flags: TCP_SYN, seq: 7, payloadLen: 0, point: 'c|cbr0', direction: 'original' });
    for (const t of [1.2, 1.200004]) tl.add({ time: t, flags: TCP_ACK, seq: 8, payloadLen: 100, point: 'c|cbr0', direction: 'original' });
    expect(tl.events.retransmissions).toBe(0);
  });

  it('counts one resend seen at three points once, and a fast retransmit after the other side spoke', () => {
    const tl = new TcpTimeline();
    for (const point of ['n|veth', 'n|cbr0', 'n|eth0']) {
      tl.add({ time: 1, flags: TCP_SYN, seq: 7, payloadLen: 0, point, direction: 'original' });
      tl.add({ time: 2, flags: TCP_SYN, seq: 7, payloadLen: 0, point, direction: 'original' });
    }
    expect(tl.events.retransmissions).toBe(1);
    const fast = new TcpTimeline();
    const site = { siteKey: 's|original', otherSiteKey: 's|reply' };
    fast.add({ time: 3, flags: TCP_ACK, seq: 8, payloadLen: 100, point: 's|a', direction: 'original', ...site });
    fast.add({ time: 3.0005, flags: TCP_ACK, seq: 1, payloadLen: 0, point: 's|b', direction: 'reply', siteKey: 's|reply', otherSiteKey: 's|original' });
    fast.add({ time: 3.001, flags: TCP_ACK, seq: 8, payloadLen: 100, point: 's|a', direction: 'original', ...site });
    expect(fast.events.retransmissions).toBe(1);
  });
});

describe('icmp echo connections', () => {
  const echo = (src: string, dst: string, type: number, id: number): ConntrackTuple => ({
    src, dst, sport: null, dport: null, icmp: { type, code: 0, id }, packets: null, bytes: null,
  });
  const icmpEntry = (original: ConntrackTuple, reply: ConntrackTuple, unreplied: boolean, line: number): ConntrackEntry => ({
    family: 'ipv4', proto: 'icmp', protoNumber: 1, timeout: 29, state: null, original, reply,
    unreplied, assured: false, mark: 0, zone: null, use: 1, flags: unreplied ? ['UNREPLIED'] : [], line,
  });
  const ping = (src: string, dst: string): FlowTuple => ({ proto: 1, src, sport: null, dst, dport: null });
  // A ping left un-NATed, then (after a MASQUERADE rule) a new ping whose replies come back to the node's address.
  const unNated = icmpEntry(echo('192.168.255.2', '8.8.8.8', 8, 24606), echo('8.8.8.8', '192.168.255.2', 0, 24606), true, 435);
  const masqueraded = icmpEntry(echo('192.168.255.2', '8.8.8.8', 8, 24853), echo('8.8.8.8', '10.142.0.2', 0, 24853), false, 484);

  it('keeps two echo ids between the same addresses apart: two connections, each with its own NAT', () => {
    const s = new FlowStitcher();
    s.addConntrack({ ref: 1, node: 'n', entry: unNated });
    s.addConntrack({ ref: 2, node: 'n', entry: masqueraded });
    const flows = s.flows();
    expect(flows.map((f) => f.conntrack.map((c) => c.ref))).toEqual([[1], [2]]);
    expect(flows.map((f) => f.nat)).toEqual([[], ['snat']]);
    expect(flows[1]!.reply).toMatchObject({ src: '8.8.8.8', sport: null, dst: '10.142.0.2', dport: null, echoId: 24853 });
  });

  it('keeps one connection when two listings show the same echo id', () => {
    const s = new FlowStitcher();
    s.addConntrack({ ref: 1, node: 'n', entry: masqueraded });
    s.addConntrack({ ref: 2, node: 'n', entry: { ...masqueraded, line: 500 } });
    expect(s.flows().map((f) => f.conntrack.map((c) => c.ref))).toEqual([[1, 2]]);
  });

  it('follows an echo id NAT rewrote: the next node lists the translated id', () => {
    const s = new FlowStitcher();
    s.addConntrack({ ref: 1, node: 'a', entry: icmpEntry(echo('10.0.0.2', '10.1.0.9', 8, 7), echo('10.1.0.9', '10.0.0.1', 0, 900), false, 1) });
    s.addConntrack({ ref: 2, node: 'b', entry: icmpEntry(echo('10.0.0.1', '10.1.0.9', 8, 900), echo('10.1.0.9', '10.0.0.1', 0, 900), false, 1) });
    // Another ping of node a's address, id 7 too, is not that connection.
    s.addConntrack({ ref: 3, node: 'b', entry: icmpEntry(echo('10.0.0.1', '10.1.0.9', 8, 7), echo('10.1.0.9', '10.0.0.1', 0, 7), false, 2) });
    expect(s.flows().map((f) => f.conntrack.map((c) => c.ref))).toEqual([[1, 2], [3]]);
  });

  it('lets a packet without echo id meet the connection of its addresses, translated side too', () => {
    const s = new FlowStitcher();
    s.addConntrack({ ref: 1, node: 'n', entry: masqueraded });
    const inside = s.flowOf(ping('192.168.255.2', '8.8.8.8'));
    const outsideReply = s.flowOf(ping('8.8.8.8', '10.142.0.2'));
    expect(s.flows()).toHaveLength(1);
    expect(inside.provisional).toBe(s.flows()[0]!.provisional);
    expect(outsideReply.provisional).toBe(inside.provisional);
  });

  it('places a packet without echo id among several connections of its addresses by the listings\' times', () => {
    const s = new FlowStitcher();
    s.addConntrackTuples(1, 'n', ...tuplesOf(unNated), 1000);
    s.addConntrackTuples(2, 'n', ...tuplesOf(masqueraded), 1060);
    const [first, second] = s.flows();
    const ref = s.keys.ref(ping('192.168.255.2', '8.8.8.8'));
    expect(s.resolveId(s.flowIdOfRef(ref, 1040))).toBe(second!.provisional);
    expect(s.flows()).toHaveLength(2);
    expect(first!.conntrack.map((c) => c.ref)).toEqual([1]);
  });
});

function tuplesOf(e: ConntrackEntry): [FlowTuple, FlowTuple] {
  const ends = (t: ConntrackTuple): FlowTuple => ({ proto: e.protoNumber, src: t.src, sport: t.sport, dst: t.dst, dport: t.dport, echoId: t.icmp?.id ?? null });
  return [ends(e.original), ends(e.reply)];
}
