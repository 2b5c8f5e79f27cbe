import { describe, it, expect } from 'vitest';
import type { PacketRecord } from '../records/records';
import { BLOCK_PACKETS, PacketBlock, PacketBlockEncoder } from './packet-block';
import { COLUMN_COUNT, LAYOUT_COLUMNS, LAYOUT_ROWS, ROW_BYTES, decodeColumn, encodeColumns, packetBlockLayout, type PacketBlockLayout } from './packet-columns';

function record(frame: number, over: Partial<PacketRecord> = {}): PacketRecord {
  return {
    frame, tsSec: 1700000000, tsNsec: 0, iface: 'eth0', direction: null, linkType: 1, capLen: 54, origLen: 54,
    srcMac: null, dstMac: null, vlan: null, network: 'ipv4', etherType: null, src: null, dst: null, ipProto: null, ipId: null,
    ttl: null, fragMf: false, fragOffset: 0, sport: null, dport: null, tcpFlags: 0x10, seq: 1, ack: 1, payloadLen: 0,
    icmpType: null, icmpCode: null, icmpId: null, arpOp: null, truncated: null, line: null, offset: 24, ...over,
  };
}

/** Every field a block gives back for record i. */
function fields(b: PacketBlock, i: number): unknown[] {
  return [
    b.frame(i), b.tsSec(i), b.tsNsec(i), b.tupleId(i), b.len(i), b.iface(i), b.truncated(i), b.direction(i), b.seq(i), b.ack(i),
    b.payloadLen(i), b.line(i), b.offset(i), b.linkType(i), b.icmpId(i), b.tcpFlags(i), b.icmpType(i), b.icmpCode(i),
  ];
}

function roundTrip(records: Array<[PacketRecord, number | null]>, layout: PacketBlockLayout): { block: PacketBlock; bytes: number } {
  const enc = new PacketBlockEncoder(layout);
  for (const [p, t] of records) enc.add(p, t);
  const e = enc.encode()!;
  expect(e.layout).toBe(layout);
  return { block: PacketBlock.of(e.data, e.strings, e.layout), bytes: e.data.byteLength };
}

/** A spread of records that needs every column width: constants, bytes, shorts, words and f64s. */
function assorted(): Array<[PacketRecord, number | null]> {
  const out: Array<[PacketRecord, number | null]> = [];
  for (let i = 0; i < 300; i++) {
    out.push([record(i % 7 === 0 ? 4294967295 - i : 1000 + i * 3, {
      tsSec: i === 5 ? -0 : i === 6 ? 1700000000.25 : i === 7 ? 2 ** 53 - 1 : 1700000000 + (i >> 4),
      tsNsec: (i * 7919) % 1_000_000_000, origLen: 54 + (i % 3) * 700, seq: i % 5 === 0 ? null : (i * 2654435761) >>> 0,
      ack: i % 4 === 0 ? null : 0xffffffff - i, payloadLen: i % 9 === 0 ? null : i, line: i % 2 === 0 ? null : i * 1000,
      offset: i === 10 ? null : i === 11 ? 6 * 2 ** 40 + 3 : 24 + i * 70, iface: i % 11 === 0 ? null : `veth${i % 3}`,
      truncated: i % 13 === 0 ? 'tcp' : null, direction: i % 3 === 0 ? null : i % 3 === 1 ? 'in' : 'out',
      linkType: i % 17 === 0 ? null : 1, icmpId: i % 19 === 0 ? 65535 : null, tcpFlags: i % 23 === 0 ? null : i & 0xff,
      icmpType: i % 29 === 0 ? 3 : null, icmpCode: i % 29 === 0 ? 255 : null,
    }), i % 31 === 0 ? null : 0xfffffff0 - (i % 5)]);
  }
  return out;
}

describe('packet block layouts', () => {
  it('reads back every field, nulls, -0, fractions and 53-bit values included, the same from columns and from rows', () => {
    const records = assorted();
    const cols = roundTrip(records, LAYOUT_COLUMNS).block;
    const rows = roundTrip(records, LAYOUT_ROWS).block;
    expect(cols.count).toBe(records.length);
    for (let i = 0; i < records.length; i++) {
      const [p, t] = records[i]!;
      const want = [
        p.frame, p.tsSec, p.tsNsec, t ?? 0, p.origLen, p.iface, p.truncated, p.direction, p.seq, p.ack, p.payloadLen, p.line, p.offset,
        p.linkType, p.icmpId ?? null, p.tcpFlags, p.icmpType, p.icmpCode,
      ];
      expect(fields(cols, i)).toEqual(want);
      expect(fields(rows, i)).toEqual(want);
    }
    expect(Object.is(cols.tsSec(5), -0)).toBe(true);
  });

  it('stores a typical capture\'s packets in well under half the bytes of 64-byte records', () => {
    const records: Array<[PacketRecord, number | null]> = [];
    for (let i = 0; i < BLOCK_PACKETS; i++) {
      records.push([record(i + 1, { tsSec: 1700000000 + (i >> 10), tsNsec: (i % 1000) * 1000, seq: (i * 2654435761) >>> 0, offset: 24 + i * 70 }), 1 + (i % 5000)]);
    }
    const { block, bytes } = roundTrip(records, LAYOUT_COLUMNS);
    expect(bytes).toBeLessThan((BLOCK_PACKETS * ROW_BYTES) / 2);
    expect([block.frame(4095), block.offset(4095), block.tupleId(4095), block.seq(4095)]).toEqual([4096, 24 + 4095 * 70, 4096, (4095 * 2654435761) >>> 0]);
  });

  it('encodes the same bytes through reused buffers, and byte by byte as a big-endian host does', () => {
    const records = assorted();
    const fresh = new PacketBlockEncoder();
    const reusing = new PacketBlockEncoder(LAYOUT_COLUMNS, { reuseBuffers: true });
    // Twice, so the second block is written over the first's bytes.
    for (const n of [records.length, 37]) {
      for (const [p, t] of records.slice(0, n)) {
        fresh.add(p, t);
        reusing.add(p, t);
      }
      const a = fresh.encode()!;
      const b = reusing.encode()!;
      expect([Buffer.from(b.data), Buffer.from(b.tuples), b.strings]).toEqual([a.data, a.tuples, a.strings]);
    }
    const columns = Array.from({ length: COLUMN_COUNT }, (_, c) =>
      c <= 1 ? Float64Array.from({ length: 300 }, (_, i) => (c === 0 ? 1.7e9 + i * 0.5 : 24 + i * 70)) : Uint32Array.from({ length: 300 }, (_, i) => (i * 2654435761 * (c + 1)) % 2 ** (2 * c)),
    );
    expect(encodeColumns(columns, 300, false)).toEqual(encodeColumns(columns, 300, true));
  });

  it('refuses a layout it does not know and a column cut short', () => {
    expect(() => packetBlockLayout(2)).toThrow(/unknown packet block layout 2/);
    const enc = new PacketBlockEncoder();
    for (let i = 0; i < 100; i++) enc.add(record(i + 1, { seq: i * 100000 }), i);
    const e = enc.encode()!;
    expect(() => decodeColumn(e.data.subarray(0, e.data.byteLength - 10), LAYOUT_COLUMNS, 18, 100)).toThrow(RangeError);
    expect(() => PacketBlock.of(e.data.subarray(0, 20), e.strings, LAYOUT_COLUMNS)).toThrow(/shorter than its header/);
  });
});

describe('column ranges', () => {
  /** The width and base encodeColumns should give a column, from its least and greatest value found the plain way. */
  function expected(values: ArrayLike<number>, count: number, float: boolean): [number, number] {
    let min = Infinity;
    let max = -Infinity;
    let plain = true;
    for (let i = 0; i < count; i++) {
      const x = values[i]!;
      min = Math.min(min, x);
      max = Math.max(max, x);
      if (float && !(Number.isSafeInteger(x) && !Object.is(x, -0))) plain = false;
    }
    const range = max - min;
    const width = !plain || range > 0xffffffff ? 8 : range === 0 ? 0 : range <= 0xff ? 1 : range <= 0xffff ? 2 : 4;
    return [width, width === 8 ? 0 : min];
  }

  function header(data: Buffer, c: number): [number, number] {
    return [data.readUInt8(4 + c * 9), data.readDoubleLE(5 + c * 9)];
  }

  it('finds every column\'s range wherever its one odd value sits, in blocks of even and odd length', () => {
    // Scanned two records at a time after a run of equal values checked four at a time: a value out of line first,
    // last, in the middle, or in a block's odd last record must count.
    for (const count of [1, 2, 3, 4, 5, 7, 8, 9, 4095, BLOCK_PACKETS]) {
      for (const at of new Set([0, 1, 2, 3, 4, count >> 1, count - 2, count - 1].filter((x) => x >= 0 && x < count))) {
        for (const [same, odd] of [[7, 6], [7, 8], [0xfffffff0, 3], [3, 0xffffffff], [70000, 7]] as const) {
          const columns = Array.from({ length: COLUMN_COUNT }, (_, c) => (c <= 1 ? new Float64Array(count).fill(same) : new Uint32Array(count).fill(same)));
          // The frame column holds frame − index: record i's frame is same + i, the odd one off by its own amount.
          for (let i = 0; i < count; i++) columns[2]![i] = same + i;
          for (let c = 0; c < COLUMN_COUNT; c++) columns[c]![at] = c === 2 ? odd + at : odd;
          columns[1]![at] = count > 1 && at === count - 1 ? -0 : odd;
          const data = encodeColumns(columns, count);
          for (let c = 0; c < COLUMN_COUNT; c++) {
            const values = c === 2 ? Array.from(columns[2]!, (v, i) => v - i) : columns[c]!;
            expect([count, at, same, odd, c, ...header(data, c)]).toEqual([count, at, same, odd, c, ...expected(values, count, c <= 1)]);
          }
        }
      }
    }
  });
});

describe('packet block strings', () => {
  it('numbers a block\'s strings afresh: the last interface of one block is not taken for the next block\'s', () => {
    const enc = new PacketBlockEncoder(LAYOUT_COLUMNS, { reuseBuffers: true });
    enc.add(record(1, { iface: 'eth0', truncated: 'tcp' }), null);
    enc.add(record(2, { iface: 'eth1' }), null);
    const first = enc.encode()!;
    expect(JSON.parse(first.strings)).toEqual(['eth0', 'tcp', 'eth1']);
    enc.add(record(3, { iface: 'eth1' }), null);
    enc.add(record(4, { iface: 'eth0', truncated: 'tcp' }), null);
    enc.add(record(5, { iface: 'eth0' }), null);
    const second = enc.encode()!;
    const block = PacketBlock.of(second.data, second.strings, second.layout);
    expect([0, 1, 2].map((i) => [block.iface(i), block.truncated(i)])).toEqual([['eth1', null], ['eth0', 'tcp'], ['eth0', null]]);
    expect(JSON.parse(second.strings)).toEqual(['eth1', 'eth0', 'tcp']);
  });
});
