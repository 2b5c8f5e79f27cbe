import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { parseIpv4 } from '../common/ip';
import {
  TUPLE_BLOCK_TUPLES, TUPLE_WORDS, TW_DST, TW_FIRST, TW_HI, TW_ID, TW_LAST, TW_LO, TW_PACKETS, TW_SRC, TupleBlock, TupleBlockEncoder,
  blockMayHoldKey, checkTupleFields, portsHi, portsLo, sortUint32, tupleFieldsFit, tupleKey, type EncodedTupleBlock, type TupleFields,
} from './tuple-block';

interface Row extends TupleFields {
  packets: number;
  firstFrame: number | null;
  lastFrame: number | null;
}

function encode(firstId: number, rows: readonly Row[]): TupleBlock {
  const e = new TupleBlockEncoder();
  rows.forEach((r, k) => {
    const s = parseIpv4(r.src);
    const d = parseIpv4(r.dst);
    const v4 = s !== null && d !== null;
    e.add(firstId + k, r.ipProto, r.sport, r.dport, r.src, r.dst, v4 ? s : null, v4 ? d : null, r.packets, r.firstFrame ?? 0, r.lastFrame ?? 0);
  });
  const b = e.encode()!;
  expect(b.firstId).toBe(firstId);
  expect(b.tuples).toBe(rows.length);
  const block = new TupleBlock(7, b.firstId, b.data, b.strings);
  for (const r of rows) expect(blockMayHoldKey(b.keys, tupleKey(r))).toBe(true);
  return block;
}

function read(b: TupleBlock): Row[] {
  return Array.from({ length: b.count }, (_, i) => ({
    ipProto: b.ipProto(i), src: b.src(i), dst: b.dst(i), sport: b.sport(i), dport: b.dport(i),
    packets: b.packets(i), firstFrame: b.firstFrame(i), lastFrame: b.lastFrame(i),
  }));
}

const ROWS: Row[] = [
  { ipProto: 6, src: '10.0.0.1', dst: '10.96.0.10', sport: 40000, dport: 80, packets: 3, firstFrame: 1, lastFrame: 4294967295 },
  { ipProto: 17, src: 'fd00::1', dst: 'fe80::c45c:8cff:fea3:7fad', sport: 0, dport: 65535, packets: 1, firstFrame: 2, lastFrame: 2 },
  { ipProto: 1, src: '255.255.255.255', dst: '0.0.0.0', sport: null, dport: null, packets: 1, firstFrame: 3, lastFrame: 3 },
  // ARP: addresses, no protocol; and a row of an old project without packets (no frame range).
  { ipProto: null, src: '10.0.0.1', dst: '10.0.0.2', sport: null, dport: null, packets: 0, firstFrame: null, lastFrame: null },
  { ipProto: 58, src: 'fd00::1', dst: '10.0.0.1', sport: null, dport: null, packets: 2, firstFrame: 5, lastFrame: 9 },
];

describe('tuple blocks', () => {
  it('reads back every field of IPv4, IPv6 and mixed tuples, nulls and frame ranges included', () => {
    const b = encode(1000, ROWS);
    expect(read(b)).toEqual(ROWS);
    expect([b.indexOf(999), b.indexOf(1000), b.indexOf(1004), b.indexOf(1005)]).toEqual([-1, 0, 4, -1]);
    expect([b.isV4(0), b.isV4(1), b.isV4(4)]).toEqual([true, false, false]);
    const names = new Map<number, string>();
    expect(b.src(0, names)).toBe(b.src(3, names));
  });

  it('finds a tuple by its fields and tells tuples apart that differ in one field only', () => {
    const b = encode(1, ROWS);
    ROWS.forEach((r, i) => expect(b.find(r)).toBe(i));
    for (const other of [
      { ...ROWS[0]!, sport: 40001 }, { ...ROWS[0]!, dport: null }, { ...ROWS[0]!, ipProto: 17 }, { ...ROWS[0]!, src: '10.0.0.2' },
      { ...ROWS[1]!, dst: 'fe80::1' }, { ...ROWS[3]!, ipProto: 0 }, { ...ROWS[0]!, src: '10.96.0.10', dst: '10.0.0.1' },
    ]) expect(b.find(other)).toBe(-1);
  });

  it('takes only consecutive ids, up to a full block', () => {
    const e = new TupleBlockEncoder();
    for (let k = 0; k < TUPLE_BLOCK_TUPLES; k++) e.add(50 + k, 6, 1, k % 65536, '10.0.0.1', '10.0.0.2', 1, 2, 1, k + 1, k + 1);
    expect(e.accepts(50 + TUPLE_BLOCK_TUPLES)).toBe(false);
    expect(() => e.add(50 + TUPLE_BLOCK_TUPLES, 6, 1, 1, 'a', 'b', null, null, 1, 1, 1)).toThrow(RangeError);
    const full = e.encode()!;
    expect(full.tuples).toBe(TUPLE_BLOCK_TUPLES);
    expect(e.accepts(7)).toBe(true);
    e.add(7, 6, 1, 1, 'a', 'b', null, null, 1, 1, 1);
    expect([e.accepts(9), e.accepts(8)]).toEqual([false, true]);
  });

  it('refuses a port or protocol a record cannot hold', () => {
    const e = new TupleBlockEncoder();
    expect(() => e.add(1, 6, 70000, 80, '10.0.0.1', '10.0.0.2', 1, 2, 1, 1, 1)).toThrow(/source port 70000/);
    expect(() => e.add(1, 300, 1, 80, '10.0.0.1', '10.0.0.2', 1, 2, 1, 1, 1)).toThrow(/IP protocol 300/);
    expect(e.count).toBe(0);
  });

  it('keys IPv4 text by its numbers: the same tuple has the same key however it was stored', () => {
    const t = ROWS[0]!;
    expect(tupleKey(t)).toBe(tupleKey({ ...t }));
    expect(tupleKey(t)).not.toBe(tupleKey({ ...t, sport: null }));
    expect(tupleKey({ ...t, src: 'fd00::1' })).not.toBe(tupleKey(t));
  });

  it('writes the bytes projects hold: 5,000 mixed tuples encode to the same data, keys and strings as before', () => {
    // The digest is of the blocks the encoder wrote before its records were filled from words and its keys
    // radix-sorted; stored blocks are compared byte for byte across versions, so any change here is a format change.
    const e = new TupleBlockEncoder();
    const h = createHash('sha256');
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (let id = 1; id <= 5000; id++) {
      if (!e.accepts(id)) {
        const b = e.encode()!;
        h.update(b.data).update(b.keys).update(b.strings).update(String(b.firstId));
      }
      const r = next();
      const proto = r % 7 === 0 ? null : r % 5 === 0 ? 1 : r % 3 === 0 ? 17 : 6;
      const sport = proto === 1 || proto === null || r % 11 === 0 ? null : next() & 0xffff;
      const dport = proto === 1 || proto === null || r % 13 === 0 ? null : next() & 0xffff;
      const text = r % 17 === 0;
      const src = text ? `fd00::${r % 50}` : `${next() >>> 24}.${r & 255}.${(r >>> 8) & 255}.${(r >>> 16) & 255}`;
      const dst = text ? `fd00::${(r >>> 8) % 9}` : `10.${(r >>> 3) & 255}.0.${r & 7}`;
      const packets = r % 19 === 0 ? 0 : 1 + (next() % 100000);
      e.add(id, proto, sport, dport, src, dst, text ? null : parseIpv4(src), text ? null : parseIpv4(dst), packets, next() >>> 1, next());
    }
    const b = e.encode()!;
    h.update(b.data).update(b.keys).update(b.strings);
    expect(h.digest('hex')).toBe('1ce776f87dd90b5c13081024c5f02ec671b537dd851fea4210e3922aed17b992');
  });
});

describe('addV4Run', () => {
  it('writes the blocks add() writes, from runs of slot words with text slots and id gaps among them', () => {
    const TEXT_FLAG = 1 << 16;
    const slots = 6000;
    const words = new Uint32Array(slots * TUPLE_WORDS);
    const texts = new Map<number, [string, string]>();
    const reference = new TupleBlockEncoder();
    const expected: string[] = [];
    const seen = (b: EncodedTupleBlock | null): string =>
      b === null ? 'null' : `${b.firstId}/${b.tuples}/${b.strings}/${Buffer.from(b.keys).toString('hex')}/${Buffer.from(b.data).toString('hex')}`;
    let x = 777;
    const next = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    let id = 10;
    for (let slot = 0; slot < slots; slot++) {
      const r = next();
      // Ids run on, with a gap now and then (another writer of the connection took some).
      id += r % 997 === 0 ? 1 + (r % 5) : 1;
      const proto = r % 7 === 0 ? null : r % 5 === 0 ? 1 : 6;
      const sport = proto === 1 || proto === null || r % 11 === 0 ? null : next() & 0xffff;
      const dport = proto === 1 || proto === null || r % 13 === 0 ? null : next() & 0xffff;
      const text = r % 23 === 0;
      const s4 = next();
      const d4 = next();
      const packets = r % 19 === 0 ? 0 : 1 + (next() % 1000);
      const first = next() >>> 1;
      const last = next();
      const at = slot * TUPLE_WORDS;
      words[at + TW_SRC] = text ? 0 : s4;
      words[at + TW_DST] = text ? 0 : d4;
      words[at + TW_LO] = portsLo(sport, dport);
      words[at + TW_HI] = portsHi(proto, sport, dport) | (text ? TEXT_FLAG : 0);
      words[at + TW_ID] = id;
      words[at + TW_PACKETS] = packets;
      words[at + TW_FIRST] = first;
      words[at + TW_LAST] = last;
      const src = text ? `fd00::${r % 40}` : '';
      const dst = text ? `fd00::${(r >>> 8) % 9}` : '';
      if (text) texts.set(slot, [src, dst]);
      if (!reference.accepts(id)) expected.push(seen(reference.encode()));
      reference.add(id, proto, sport, dport, src, dst, text ? null : s4, text ? null : d4, packets, first, last);
    }
    expected.push(seen(reference.encode()));

    // As TupleTable.save drives it, in runs of at most 1,000 slots (a chunk's end), with the buffers reused.
    const runs = new TupleBlockEncoder({ reuseBuffers: true });
    const got: string[] = [];
    for (let slot = 0; slot < slots; ) {
      const at = slot * TUPLE_WORDS;
      const added = runs.addV4Run(words, at, Math.min(slots - slot, 1000 - (slot % 1000)), TEXT_FLAG);
      if (added > 0) {
        slot += added;
        continue;
      }
      if (!runs.accepts(words[at + TW_ID]!)) {
        got.push(seen(runs.encode()));
        continue;
      }
      const [src, dst] = texts.get(slot)!;
      runs.addWords(words, at, src, dst);
      slot++;
    }
    got.push(seen(runs.encode()));
    expect(got.length).toBeGreaterThan(3);
    expect(got).toEqual(expected);
  });
});

describe('sortUint32', () => {
  it('sorts like a comparison sort, whatever the bytes, and leaves the values after n alone', () => {
    const scratch = new Uint32Array(TUPLE_BLOCK_TUPLES);
    const counts = new Uint32Array(1024);
    let x = 99;
    for (const n of [0, 1, 2, 255, 256, 2047, 2048]) {
      const a = new Uint32Array(TUPLE_BLOCK_TUPLES).fill(7);
      for (let i = 0; i < n; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        a[i] = [0, 0xffffffff, 0x80000000, x & 0xff00ff00, x][x % 5]!;
      }
      const expected = Array.from(a.subarray(0, n)).sort((p, q) => p - q);
      const sorted = sortUint32(a, n, scratch, counts);
      expect(sorted.buffer).toBe(a.buffer);
      expect(Array.from(sorted)).toEqual(expected);
      expect(Array.from(a.subarray(n)).every((v) => v === 7)).toBe(true);
    }
  });
});

describe('tupleFieldsFit', () => {
  it('says yes exactly where checkTupleFields passes', () => {
    const values = [null, 0, -0, 1, 255, 256, 65535, 65536, -1, 1.5, NaN, Infinity, 2 ** 32, 2 ** 31 + 80];
    for (const proto of values) {
      for (const port of values) {
        let passes = true;
        try {
          checkTupleFields(proto, port, 80);
          checkTupleFields(6, 80, port);
        } catch {
          passes = false;
        }
        expect([proto, port, tupleFieldsFit(proto, port, 80) && tupleFieldsFit(6, 80, port)]).toEqual([proto, port, passes]);
      }
    }
  });
});
