import { describe, it, expect, beforeEach } from 'vitest';
import { newPacketRecord } from '../capture/pcap/packet-record';
import { FlowStore } from './flow-store';
import { Store } from './store';
import { useTempProject } from '../../../test/support/temp-project';

let store: Store;

const project = useTempProject('flowstore');
beforeEach(() => {
  store = project().store();
});

/** A pcap capture of `node` with packets [frame, second, sport] (10.0.0.1 → 10.0.0.2:80 unless sport is null: no tuple). */
function pcap(node: string, hash: string, packets: Array<[number, number, number | null]>): number {
  const nodeId = store.ensureNode(node);
  const id = store.insertCapture({
    nodeId, sourceId: null, kind: 'pcap', namespace: null, sourceFile: `${hash}.pcap`, firstLine: null, lastLine: null,
    command: null, partial: false, contentHash: hash, takenAt: null,
  });
  const w = store.packetWriter(id);
  for (const [frame, sec, sport] of packets) {
    const p = newPacketRecord(frame, sec, 500, 'eth0', 1, 60, 60, frame * 100);
    if (sport !== null) Object.assign(p, { network: 'ipv4', ipProto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport, dport: 80, tcpFlags: 0x10, seq: frame });
    w.add(p);
  }
  w.flush();
  return id;
}

function tupleId(captureId: number, sport: number): number {
  return [...store.packets.tuplesOf(captureId).values()].find((t) => t.sport === sport)!.id;
}

describe('FlowStore.flowPackets', () => {
  it("pages a flow's packets from every capture in aligned-time order, leaving other tuples out", () => {
    const a = pcap('nodea', 'a', [[1, 10, 1000], [2, 12, 2000], [3, 14, 1000], [4, 15, null]]);
    // nodeb's clock is 5 s ahead: its packets at 16 and 18 are at 11 and 13 on nodea's clock.
    const b = pcap('nodeb', 'b', Array.from({ length: 5000 }, (_, k): [number, number, number] => [k + 1, 16 + k * 2, k === 0 || k === 1 || k === 4999 ? 1000 : 3000]));
    const fs = new FlowStore(store);
    fs.replaceFlows('g', (w) => {
      w.linkTuple(a, tupleId(a, 1000), 1);
      w.linkTuple(b, tupleId(b, 1000), 1);
      w.linkTuple(a, tupleId(a, 2000), 2);
      w.setClock([{ node: 'nodea', offsetSeconds: 0, reference: 'nodea', samples: 0 }, { node: 'nodeb', offsetSeconds: -5, reference: 'nodea', samples: 3 }]);
    });
    const all = fs.flowPackets(1).map((p) => [p.node, p.frame, p.atSec, p.tsSec]);
    expect(all).toEqual([
      ['nodea', 1, 10, 10], ['nodeb', 1, 11, 16], ['nodeb', 2, 13, 18], ['nodea', 3, 14, 14], ['nodeb', 5000, 10009, 10014],
    ]);
    expect(fs.flowPackets(1, 1, 2).map((p) => [p.node, p.frame])).toEqual([['nodeb', 1], ['nodeb', 2]]);
    expect(fs.flowPackets(1, 4, 10).map((p) => p.frame)).toEqual([5000]);
    const first = fs.flowPackets(1, 0, 1)[0]!;
    expect(first).toEqual(expect.objectContaining({ src: '10.0.0.1', sport: 1000, dport: 80, iface: 'eth0', offset: 100, tsNsec: 500, atNsec: 500, seq: 1, tcpFlags: 0x10 }));
    expect([...fs.iterateFlowPackets(1, 2)].map((p) => p.frame)).toEqual([1, 1, 2, 3, 5000]);
    expect(fs.flowOfPacket(a, 2)).toBe(2);
    expect(fs.flowOfPacket(b, 5000)).toBe(1);
    expect(fs.flowOfPacket(a, 4)).toBeNull();
  });
});
