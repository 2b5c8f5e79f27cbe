import { describe, expect, it } from 'vitest';
import type { PacketRecord, PacketTunnel } from '../records/records';
import type { Store } from './store';
import { useTempProject } from '../../../test/support/temp-project';
import { restoreTrash, trashCaptures } from './rows/edits';
import { TupleBlockEncoder, TupleBlock } from './tuple-block';

const project = useTempProject('packet-tunnels');

function packet(frame: number, over: Partial<PacketRecord> = {}): PacketRecord {
  return {
    frame, tsSec: 1700000000 + frame, tsNsec: 0, iface: null, direction: null, linkType: 1, capLen: 60, origLen: 60,
    srcMac: null, dstMac: null, vlan: null, network: 'ipv4', etherType: 0x0800, src: '10.244.1.5', dst: '10.244.2.7', ipProto: 6,
    ipId: null, ttl: 64, fragMf: false, fragOffset: 0, sport: 40000, dport: 80, tcpFlags: 0x10, seq: 1, ack: 1, payloadLen: 0,
    icmpType: null, icmpCode: null, arpOp: null, truncated: null, line: null, offset: null, ...over,
  };
}

function capture(store: Store, hash: string): number {
  const nodeId = store.ensureNode('a');
  return store.insertCapture({
    nodeId, sourceId: null, kind: 'pcap', namespace: null, sourceFile: `${hash}.pcap`, firstLine: null, lastLine: null,
    command: null, partial: false, contentHash: hash, takenAt: null,
  });
}

const AB: PacketTunnel = { kind: 'vxlan', vni: 1, src: '192.168.77.1', dst: '192.168.77.2', sport: 51000, dport: 8472 };
const BA: PacketTunnel = { kind: 'vxlan', vni: 1, src: '192.168.77.2', dst: '192.168.77.1', sport: 40001, dport: 8472 };

describe('packet tunnels in the store', () => {
  it('keeps each tunnel between two nodes once, with its packets, frame range and the frame of every packet in it', () => {
    const store = project().store();
    const id = capture(store, 't1');
    const w = store.packetWriter(id);
    // Outer source ports differ per inner flow (a hash): one tunnel each way all the same.
    w.add(packet(1, { tunnel: AB }));
    w.add(packet(2, { tunnel: { ...BA, sport: 1 }, src: '10.244.2.7', dst: '10.244.1.5', sport: 80, dport: 40000 }));
    w.add(packet(3));
    w.add(packet(4, { tunnel: { ...AB, sport: 2 } }));
    w.add(packet(5, { tunnel: { ...AB, kind: 'geneve', vni: 7, dport: 6081 } }));
    w.flush();
    expect(store.packets.tunnels(id)).toEqual([
      { captureId: id, tunnel: 1, kind: 'vxlan', vni: 1, src: '192.168.77.1', dst: '192.168.77.2', dport: 8472, packets: 2, firstFrame: 1, lastFrame: 4 },
      { captureId: id, tunnel: 2, kind: 'vxlan', vni: 1, src: '192.168.77.2', dst: '192.168.77.1', dport: 8472, packets: 1, firstFrame: 2, lastFrame: 2 },
      { captureId: id, tunnel: 3, kind: 'geneve', vni: 7, src: '192.168.77.1', dst: '192.168.77.2', dport: 6081, packets: 1, firstFrame: 5, lastFrame: 5 },
    ]);
    const frames = store.packets.tunnelFrames(id);
    expect([1, 2, 3, 4, 5, 6].map((f) => frames.of(f)?.kind ?? null)).toEqual(['vxlan', 'vxlan', null, 'vxlan', 'geneve', null]);
    expect(frames.of(2)).toEqual({ kind: 'vxlan', vni: 1, src: '192.168.77.2', dst: '192.168.77.1', dport: 8472 });
    // Asked out of order, backwards and twice, as a time-ordered read of several runs asks: the same answers.
    const want = (f: number): string | null => ({ 1: 'vxlan>', 2: 'vxlan<', 4: 'vxlan>', 5: 'geneve>' } as Record<number, string>)[f] ?? null;
    const seen = (f: number): string | null => {
      const t = frames.of(f);
      return t === null ? null : `${t.kind}${t.src === '192.168.77.1' ? '>' : '<'}`;
    };
    for (const order of [[5, 4, 3, 2, 1, 0], [1, 1, 4, 2, 5, 3, 6], [0, 2, 3, 4, 4, 1, 7, 5]]) expect(order.map(seen)).toEqual(order.map(want));
    // The packets are the inner ones.
    expect(store.packets.packetsOf(id).map((p) => [p.src, p.dport])).toEqual([
      ['10.244.1.5', 80], ['10.244.2.7', 40000], ['10.244.1.5', 80], ['10.244.1.5', 80], ['10.244.1.5', 80],
    ]);
  });

  it('says each frame\'s tunnel with many tunnels merged, and with frames written out of order', () => {
    const store = project().store();
    const id = capture(store, 't3');
    const w = store.packetWriter(id);
    // Seven tunnels (an odd number of runs to merge), frames interleaved among them; then frames 30 and 20 written late.
    for (let f = 1; f <= 21; f++) w.add(packet(f, { tunnel: { ...AB, vni: f % 7 } }));
    w.add(packet(30, { tunnel: BA }));
    w.add(packet(25, { tunnel: AB }));
    w.add(packet(24));
    w.add(packet(22, { tunnel: BA }));
    w.flush();
    const frames = store.packets.tunnelFrames(id);
    const seen = (f: number): string | null => {
      const t = frames.of(f);
      return t === null ? null : `${t.src === AB.src ? '>' : '<'}${t.vni}`;
    };
    const want = (f: number): string | null => (f >= 1 && f <= 21 ? `>${f % 7}` : f === 30 || f === 22 ? '<1' : f === 25 ? '>1' : null);
    const all = Array.from({ length: 32 }, (_, f) => f);
    expect(all.map(seen)).toEqual(all.map(want));
    expect([...all].reverse().map(seen)).toEqual([...all].reverse().map(want));
  });

  it('writes no tunnel row for a capture without tunnels, and trashes and restores tunnels with their capture', () => {
    const store = project().store();
    const plain = capture(store, 'plain');
    const w = store.packetWriter(plain);
    w.add(packet(1));
    w.flush();
    expect(store.packets.tunnels(plain)).toEqual([]);
    expect(store.packets.tunnelFrames(plain).empty).toBe(true);
    const id = capture(store, 't2');
    const t = store.packetWriter(id);
    t.add(packet(1, { tunnel: AB }));
    t.flush();
    store.transaction(() => trashCaptures(store.db, 'u1', [id]));
    expect(store.packets.tunnels(id)).toEqual([]);
    store.transaction(() => restoreTrash(store.db, 'u1'));
    expect(store.packets.tunnels(id).map((r) => r.packets)).toEqual([1]);
  });

  it('keys ICMP echo tuples on their id: two pings between two hosts are two tuples, neither with ports', () => {
    const store = project().store();
    const id = capture(store, 'pings');
    const w = store.packetWriter(id);
    const echo = (frame: number, icmpId: number | null, reply = false): PacketRecord =>
      packet(frame, {
        ipProto: 1, sport: null, dport: null, icmpType: reply ? 0 : 8, icmpCode: 0, icmpId,
        ...(reply ? { src: '10.244.2.7', dst: '10.244.1.5' } : {}),
      });
    [echo(1, 100), echo(2, 200), echo(3, 100, true), echo(4, 200, true), echo(5, null)].forEach((p) => w.add(p));
    w.flush();
    const tuples = [...store.packets.tuplesOf(id).values()];
    expect(tuples.map((t) => [t.src, t.sport, t.dport, t.echoId ?? null, t.packets])).toEqual([
      ['10.244.1.5', null, null, 100, 1], ['10.244.1.5', null, null, 200, 1], ['10.244.2.7', null, null, 100, 1],
      ['10.244.2.7', null, null, 200, 1], ['10.244.1.5', null, null, null, 1],
    ]);
    expect(store.packets.packetsOf(id).map((p) => [p.sport, p.icmpId])).toEqual([[null, 100], [null, 200], [null, 100], [null, 200], [null, null]]);
    expect(store.packetsWithTuple({ ipProto: 1, src: '10.244.1.5', dst: '10.244.2.7', sport: null, dport: null, echoId: 200 }).map((p) => p.frame)).toEqual([2]);
    expect(store.packetsWithTuple({ ipProto: 1, src: '10.244.1.5', dst: '10.244.2.7', sport: null, dport: null }).map((p) => p.frame)).toEqual([5]);
  });

  it('reads a UDP tuple with a source port and none for the destination as ports, not an echo id', () => {
    const e = new TupleBlockEncoder();
    e.add(1, 17, 5000, null, '10.0.0.1', '10.0.0.2', 0x0a000001, 0x0a000002, 1, 1, 1);
    e.add(2, 1, 7, null, '10.0.0.1', '10.0.0.2', 0x0a000001, 0x0a000002, 1, 2, 2);
    const b = e.encode()!;
    const block = new TupleBlock(1, b.firstId, b.data, b.strings);
    expect([block.sport(0), block.echoId(0), block.sport(1), block.echoId(1), block.sportSlot(1)]).toEqual([5000, null, null, 7, 7]);
  });
});
