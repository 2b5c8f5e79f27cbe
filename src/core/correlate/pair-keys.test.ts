import { describe, expect, it } from 'vitest';
import { NumberMap } from '../common/number-map';
import { pairKey, reverseTuple, type FlowTuple } from './flow-key';
import { FirstSightings, IsnSightings, NameIds } from './first-sightings';
import { PairKeys } from './pair-keys';

const t = (proto: number, src: string, sport: number | null, dst: string, dport: number | null): FlowTuple => ({ proto, src, sport, dst, dport });

describe('PairKeys', () => {
  it('keeps pairs apart across its pages and makes each back, and refuses a port it cannot pack', () => {
    const keys = new PairKeys();
    const made: Array<[FlowTuple, number]> = [];
    for (let i = 0; i < 10_000; i++) {
      const x = t(i % 2 === 0 ? 6 : 17, `10.1.${i >> 8}.${i & 255}`, 1024 + i, '10.96.0.10', 53);
      made.push([x, keys.ref(x)]);
    }
    expect(keys.size).toBe(10_000);
    for (const [x, ref] of made) {
      expect(keys.tuple(ref)).toEqual(x);
      expect(keys.protoOf(ref)).toBe(x.proto);
    }
    expect(() => keys.ref(t(6, '10.0.0.1', 70_000, '10.0.0.2', 80))).toThrow(RangeError);
  });

  it('gives two tuples one pair id exactly when their pairKey strings are equal, and makes each tuple back', () => {
    const tuples: FlowTuple[] = [];
    const addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.10', 'fe80::1', '10.0.0.1 '];
    for (const proto of [1, 6, 17, 255]) {
      for (const a of addrs) for (const b of addrs) for (const pa of [null, 0, 80, 65535]) for (const pb of [null, 80, 443]) tuples.push(t(proto, a, pa, b, pb));
    }
    // icmp keyed on its echo id: apart from the id-less tuple, from other ids and from a port-ful tuple of the same numbers.
    for (const proto of [1, 58]) {
      for (const a of addrs) for (const b of addrs) for (const id of [0, 80, 443, 65535]) tuples.push({ ...t(proto, a, null, b, null), echoId: id });
    }
    const keys = new PairKeys();
    const refs = tuples.map((x) => keys.ref(x));
    for (let i = 0; i < tuples.length; i += 7) {
      for (let j = 0; j < tuples.length; j += 3) {
        expect(refs[i]! >>> 1 === refs[j]! >>> 1).toBe(pairKey(tuples[i]!).key === pairKey(tuples[j]!).key);
      }
    }
    tuples.forEach((x, i) => {
      expect(keys.tuple(refs[i]!)).toEqual(x);
      expect(keys.ref(reverseTuple(x)) >>> 1).toBe(refs[i]! >>> 1);
      expect(keys.lookup(x)).toBe(refs[i]);
    });
    expect(keys.lookup(t(6, '192.0.2.1', 1, '10.0.0.1', 2))).toBe(0);
    expect(keys.size).toBe(new Set(tuples.map((x) => pairKey(x).key)).size);
  });
});

describe('NumberMap', () => {
  it('maps any number, sequence numbers above 2^31 too, through growth', () => {
    const m = new NumberMap();
    const keys = Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 0);
    keys.forEach((k, i) => m.set(k, i));
    m.set(-3, 1);
    m.set(2 ** 40 + 0.5, 2);
    keys.forEach((k, i) => expect(m.get(k)).toBe(i));
    expect(m.get(-3)).toBe(1);
    expect(m.get(2 ** 40 + 0.5)).toBe(2);
    expect(m.get(12345.5)).toBe(-1);
    expect(m.size).toBe(5002);
    expect(() => m.set(1, -1)).toThrow(RangeError);
  });
});

describe('pass 1 sightings as numbers', () => {
  it('keeps each pair\'s earliest sighting in the order pairs were first noted', () => {
    const keys = new PairKeys();
    const s = new FirstSightings(keys, new NameIds());
    const a = t(6, '10.0.0.1', 1000, '10.96.0.1', 80);
    const b = t(6, '10.0.0.2', 2000, '10.40.0.9', 8080);
    s.note(keys.ref(b), 5, 'n2', null);
    s.note(keys.ref(a), 3, 'n1', 'eth0');
    s.note(keys.ref(reverseTuple(b)), 4, 'n1', 'cbr0');
    s.note(keys.ref(a), 9, 'n3', 'eth1');
    expect([...s.inOrder()].map(([, f]) => [f.time, f.node, f.iface, f.tuple])).toEqual([[4, 'n1', 'cbr0', reverseTuple(b)], [3, 'n1', 'eth0', a]]);
    expect(s.timeOf(keys.ref(a) >>> 1)).toBe(3);
    expect(s.has(keys.ref(t(6, '1.1.1.1', 1, '2.2.2.2', 2)) >>> 1)).toBe(false);
  });

  it('keeps the earliest SYN of an ISN and lists, once per pair and at most eight, the others naming it', () => {
    const keys = new PairKeys();
    const isns = new IsnSightings(keys, new NameIds());
    const pre = t(6, '10.0.0.1', 1000, '10.96.0.1', 80);
    const post = t(6, '10.0.0.1', 1000, '10.40.0.9', 8080);
    isns.noteSyn(0xfffffff0, keys.ref(post), 2, 'n', 'cbr0');
    isns.noteSyn(0xfffffff0, keys.ref(pre), 1, 'n', 'eth0');
    isns.noteSyn(0xfffffff0, keys.ref(post), 3, 'n', 'cbr0');
    isns.noteSynAck(0xfffffff0, keys.ref(reverseTuple(post)), 4, 'n', 'cbr0');
    for (let i = 0; i < 20; i++) isns.noteSynAck(0xfffffff0, keys.ref(t(6, '10.0.0.1', 1000, '10.40.0.9', 9000 + i)), 5, 'n', null);
    isns.noteSynAck(7, keys.ref(pre), 1, 'n', null);
    const [[isn, syn, others], ...rest] = [...isns.pairs()];
    expect(rest).toEqual([]);
    expect(isn).toBe(0xfffffff0);
    expect([syn!.tuple, syn!.time, syn!.iface]).toEqual([pre, 1, 'eth0']);
    expect(others!.length).toBe(8);
    // The later SYN and the SYN-ACK of the pair already listed add nothing: one sighting per pair.
    expect(others!.slice(0, 2).map((o) => [o.kind, o.tuple, o.time])).toEqual([['syn', post, 2], ['syn-ack', t(6, '10.0.0.1', 1000, '10.40.0.9', 9000), 5]]);
  });
});
