import { describe, it, expect } from 'vitest';
import type { PacketRecord } from '../records/records';
import { BLOCK_PACKETS, PacketBlock, PacketBlockEncoder, blockHasTuple, distinctIds } from './packet-block';

function record(over: Partial<PacketRecord>): PacketRecord {
  return {
    frame: 1, tsSec: 1700000000, tsNsec: 0, iface: null, direction: null, linkType: null, capLen: 60, origLen: 60,
    srcMac: null, dstMac: null, vlan: null, network: 'ipv4', etherType: null, src: null, dst: null, ipProto: null, ipId: null,
    ttl: null, fragMf: false, fragOffset: 0, sport: null, dport: null, tcpFlags: null, seq: null, ack: null, payloadLen: null,
    icmpType: null, icmpCode: null, icmpId: null, arpOp: null, truncated: null, line: null, offset: null, ...over,
  };
}

function decode(enc: PacketBlockEncoder): PacketBlock {
  const b = enc.encode()!;
  return PacketBlock.of(b.data, b.strings, b.layout);
}

describe('PacketBlock', () => {
  it('round-trips every stored field, extreme values included', () => {
    const enc = new PacketBlockEncoder();
    enc.add(record({
      frame: 4294967295, tsSec: 4102444800, tsNsec: 999999999, iface: 'veth-ä1', direction: 'out', linkType: 276, origLen: 262144,
      tcpFlags: 0xff, seq: 0xffffffff, ack: 0xfffffffe, payloadLen: 65495, icmpType: 255, icmpCode: 254, icmpId: 65535,
      truncated: 'tcp', line: 4294967295, offset: 6 * 2 ** 30 + 17,
    }), 0xfffffffe);
    const b = decode(enc);
    expect(b.count).toBe(1);
    expect([b.frame(0), b.tsSec(0), b.tsNsec(0), b.tupleId(0), b.iface(0), b.direction(0), b.linkType(0), b.len(0)]).toEqual([
      4294967295, 4102444800, 999999999, 0xfffffffe, 'veth-ä1', 'out', 276, 262144,
    ]);
    expect([b.tcpFlags(0), b.seq(0), b.ack(0), b.payloadLen(0), b.icmpType(0), b.icmpCode(0), b.icmpId(0)]).toEqual([
      0xff, 0xffffffff, 0xfffffffe, 65495, 255, 254, 65535,
    ]);
    expect([b.truncated(0), b.line(0), b.offset(0)]).toEqual(['tcp', 4294967295, 6 * 2 ** 30 + 17]);
  });

  it('keeps nulls apart from zeros', () => {
    const enc = new PacketBlockEncoder();
    enc.add(record({ frame: 1 }), null);
    enc.add(record({ frame: 2, direction: 'in', linkType: 0, tcpFlags: 0, seq: 0, ack: 0, payloadLen: 0, icmpType: 0, icmpCode: 0, icmpId: 0, line: 0, offset: 0, iface: '' }), 7);
    const b = decode(enc);
    const fields = (i: number) => [
      b.tupleId(i), b.iface(i), b.direction(i), b.linkType(i), b.tcpFlags(i), b.seq(i), b.ack(i), b.payloadLen(i),
      b.icmpType(i), b.icmpCode(i), b.icmpId(i), b.truncated(i), b.line(i), b.offset(i),
    ];
    expect(fields(0)).toEqual([0, null, null, null, null, null, null, null, null, null, null, null, null, null]);
    expect(fields(1)).toEqual([7, '', 'in', 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0]);
  });

  it('reports the frame and time range, the sorted tuple list and whether records are in time order', () => {
    const enc = new PacketBlockEncoder();
    enc.add(record({ frame: 10, tsSec: 5, tsNsec: 7 }), 30);
    enc.add(record({ frame: 11, tsSec: 4, tsNsec: 999999999 }), 2);
    enc.add(record({ frame: 12, tsSec: 6, tsNsec: 0 }), 30);
    const e = enc.encode()!;
    expect([e.firstFrame, e.lastFrame, e.frames, e.minSec, e.minNsec, e.maxSec, e.maxNsec]).toEqual([10, 12, 3, 4, 999999999, 6, 0]);
    expect([blockHasTuple(e.tuples, 2), blockHasTuple(e.tuples, 30), blockHasTuple(e.tuples, 3)]).toEqual([true, true, false]);
    expect(PacketBlock.of(e.data, e.strings, e.layout).inTimeOrder()).toBe(false);
    expect(enc.count).toBe(0);
  });

  it('lists each tuple of a block once, in order, and none for frames without one', () => {
    const enc = new PacketBlockEncoder();
    const ids = [9, null, 3, 9, 4_000_000_000, 3, null, 1];
    ids.forEach((t, i) => enc.add(record({ frame: i + 1 }), t));
    const e = enc.encode()!;
    const listed = Array.from({ length: e.tuples.byteLength / 4 }, (_, i) => e.tuples.readUInt32LE(i * 4));
    expect(listed).toEqual([1, 3, 9, 4_000_000_000]);
    // The next block starts with an empty list.
    enc.add(record({ frame: 9 }), 5);
    expect([...enc.encode()!.tuples]).toEqual([5, 0, 0, 0]);
  });

  it('is full after BLOCK_PACKETS records', () => {
    const enc = new PacketBlockEncoder();
    for (let i = 1; i <= BLOCK_PACKETS; i++) enc.add(record({ frame: i, iface: i % 2 ? 'eth0' : 'eth1' }), i);
    expect(enc.full).toBe(true);
    const b = decode(enc);
    expect([b.count, b.frame(BLOCK_PACKETS - 1), b.iface(0), b.iface(1)]).toEqual([BLOCK_PACKETS, BLOCK_PACKETS, 'eth0', 'eth1']);
  });

  it('lists a block\'s distinct tuple ids in order whether they lie close together or far apart', () => {
    const bits = new Uint32Array((BLOCK_PACKETS * 16) / 32);
    const list = (b: Buffer) => Array.from({ length: b.byteLength / 4 }, (_, k) => b.readUInt32LE(k * 4));
    const reference = (ids: Uint32Array) => [...new Set(ids)].filter((x) => x !== 0).sort((a, b) => a - b);
    let seed = 11;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const cases: Uint32Array[] = [
      Uint32Array.from({ length: BLOCK_PACKETS }, (_, i) => 1_000_000 + (i % 4096)),
      Uint32Array.from({ length: BLOCK_PACKETS }, () => 7 + (next() % 5000)),
      Uint32Array.from({ length: BLOCK_PACKETS }, (_, i) => (i % 3 === 0 ? 0 : 0xffffffff - (next() % 60_000))),
      Uint32Array.from({ length: 100 }, () => next()),
      Uint32Array.of(0, 0, 0),
      Uint32Array.of(31, 32, 33, 63, 64, 0xffffffff),
    ];
    const into = new Uint32Array(BLOCK_PACKETS).fill(0xdeadbeef);
    for (const ids of cases) {
      expect(list(distinctIds(ids, ids.length, bits))).toEqual(reference(ids));
      // A prefix only: the rest of the array is not the block's.
      expect(list(distinctIds(ids, 2, bits))).toEqual(reference(ids.subarray(0, 2)));
      // Into a reused array (left dirty by the case before), in both the bitmap and the sorting way.
      expect(list(distinctIds(ids, ids.length, bits, into))).toEqual(reference(ids));
    }
  });
});
