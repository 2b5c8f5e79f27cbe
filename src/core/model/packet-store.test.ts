import { describe, it, expect } from 'vitest';
import type { PacketRecord } from '../records/records';
import type { NewCapture, Store } from './store';
import { useTempProject } from '../../../test/support/temp-project';
import { restoreTrash, trashCaptures } from './rows/edits';

const project = useTempProject('packet-store');

function packet(frame: number, over: Partial<PacketRecord> = {}): PacketRecord {
  return {
    frame, tsSec: 1700000000 + frame, tsNsec: 0, iface: null, direction: null, linkType: 1, capLen: 60, origLen: 60,
    srcMac: null, dstMac: null, vlan: null, network: 'ipv4', etherType: 0x0800, src: '10.0.0.1', dst: '10.0.0.2', ipProto: 6,
    ipId: null, ttl: 64, fragMf: false, fragOffset: 0, sport: 40000, dport: 80, tcpFlags: 0x10, seq: 1, ack: 1, payloadLen: 0,
    icmpType: null, icmpCode: null, arpOp: null, truncated: null, line: null, offset: null, ...over,
  };
}

function pcapCapture(store: Store, hash: string): number {
  const nodeId = store.ensureNode('a');
  const c: NewCapture = {
    nodeId, sourceId: null, kind: 'pcap', namespace: null, sourceFile: `${hash}.pcap`, firstLine: null, lastLine: null,
    command: null, partial: false, contentHash: hash, takenAt: null,
  };
  return store.insertCapture(c);
}

/** 60 packets: TCP tuples whose ports and destinations cycle, UDP, port-less ICMP and IPv6 tuples, and frames without addresses. */
function traffic(): PacketRecord[] {
  const out: PacketRecord[] = [];
  for (let i = 1; i <= 60; i++) {
    if (i % 17 === 0) out.push(packet(i, { network: 'ipv6', src: 'fd00::1', dst: `fd00::${i % 2}`, ipProto: 17, sport: 5353, dport: 5353 }));
    else if (i % 13 === 0) out.push(packet(i, { network: 'arp', src: null, dst: null, ipProto: null, sport: null, dport: null }));
    else if (i % 11 === 0) out.push(packet(i, { ipProto: 1, sport: null, dport: null, icmpType: 8, icmpCode: 0 }));
    else if (i % 7 === 0) out.push(packet(i, { ipProto: 17, dport: 53, sport: 30000 + (i % 3) }));
    else out.push(packet(i, { sport: 40000 + (i % 20), dst: `10.0.1.${i % 4}` }));
  }
  return out;
}

type TupleRow = { id: number; ip_proto: number | null; src: string; dst: string; sport: number | null; dport: number | null; packets: number; first_frame: number; last_frame: number };

function tupleRows(store: Store, captureId: number): TupleRow[] {
  return [...store.packets.tuplesOf(captureId).values()].map((t) => ({
    id: t.id, ip_proto: t.ipProto, src: t.src, dst: t.dst, sport: t.sport, dport: t.dport, packets: t.packets, first_frame: t.firstFrame!, last_frame: t.lastFrame!,
  }));
}

/** What the rows must say, computed from the packets directly: tuples in first-seen order with counts and frame ranges. */
function expectedTuples(packets: PacketRecord[]): Array<Omit<TupleRow, 'id'>> {
  const byKey = new Map<string, Omit<TupleRow, 'id'>>();
  for (const p of packets) {
    if (p.src === null || p.dst === null) continue;
    const key = JSON.stringify([p.ipProto, p.src, p.dst, p.sport, p.dport]);
    const t = byKey.get(key);
    if (t) {
      t.packets++;
      t.last_frame = p.frame;
    } else {
      byKey.set(key, { ip_proto: p.ipProto, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport, packets: 1, first_frame: p.frame, last_frame: p.frame });
    }
  }
  return [...byKey.values()];
}

describe('PacketStore.writer tuples', () => {
  it('writes each 5-tuple once, in first-seen order, with its packet count and frame range', () => {
    const store = project().store();
    const id = pcapCapture(store, 'one');
    const packets = traffic();
    const writer = store.packetWriter(id);
    for (const p of packets) writer.add(p);
    expect(writer.flush()).toBe(60);
    const rows = tupleRows(store, id);
    expect(rows.map(({ id: _, ...t }) => t)).toEqual(expectedTuples(packets));
    // Ids follow on from the table's highest, one per tuple.
    expect(rows.map((r) => r.id)).toEqual(rows.map((_, i) => rows[0]!.id + i));
  });

  it('stores the same rows and blocks when it holds fewer tuples than the capture has (written early, updated later)', () => {
    const store = project().store();
    const roomy = pcapCapture(store, 'roomy');
    const tight = pcapCapture(store, 'tight');
    const w1 = store.packetWriter(roomy);
    for (const p of traffic()) w1.add(p);
    w1.flush();
    const w2 = store.packetWriter(tight, 3);
    for (const p of traffic()) w2.add(p);
    w2.flush();
    const strip = (rows: TupleRow[]) => rows.map((r) => ({ ...r, id: r.id - rows[0]!.id }));
    expect(strip(tupleRows(store, tight))).toEqual(strip(tupleRows(store, roomy)));
    const rowsOf = (c: number) => store.packetsOf(c, 1, 100).map(({ captureId: _, ...p }) => p);
    expect(rowsOf(tight)).toEqual(rowsOf(roomy));
  });

  it('gives a second capture ids after the first one\'s and finds each capture\'s packets by tuple', () => {
    const store = project().store();
    const a = pcapCapture(store, 'a');
    const b = pcapCapture(store, 'b');
    for (const c of [a, b]) {
      const w = store.packetWriter(c);
      for (const p of traffic()) w.add(p);
      w.flush();
    }
    const [ra, rb] = [tupleRows(store, a), tupleRows(store, b)];
    expect(rb[0]!.id).toBe(ra[ra.length - 1]!.id + 1);
    const udp = store.packetsWithTuple({ ipProto: 17, src: '10.0.0.1', dst: '10.0.0.2', sport: 30001, dport: 53 });
    expect(udp.map((p) => [p.captureId, p.frame])).toEqual([[a, 7], [a, 28], [a, 49], [b, 7], [b, 28], [b, 49]]);
  });

  it('stores a capture of many tuples in blocks of consecutive ids and finds any of them by its 5-tuple', () => {
    const store = project().store();
    const id = pcapCapture(store, 'many');
    store.transaction(() => {
      const w = store.packetWriter(id);
      for (let i = 1; i <= 70_000; i++) w.add(packet(i, { src: `10.1.${i >> 8 & 255}.${i & 255}`, sport: 1024 + (i % 50_000) }));
      w.flush();
    });
    const blocks = store.db.prepare('SELECT first_id, tuples FROM packet_tuple_blocks WHERE capture_id = ? ORDER BY first_id').raw(true).all(id) as Array<[number, number]>;
    expect(blocks.length).toBe(Math.ceil(70_000 / 2048));
    blocks.slice(1).forEach(([first], k) => expect(first).toBe(blocks[k]![0] + blocks[k]![1]));
    expect(store.packetsWithTuple({ ipProto: 6, src: '10.1.4.1', dst: '10.0.0.2', sport: 1024 + 1025, dport: 80 }).map((p) => p.frame)).toEqual([1025]);
    expect(store.packetsWithTuple({ ipProto: 6, src: '10.1.4.1', dst: '10.0.0.2', sport: 1024 + 1026, dport: 80 })).toEqual([]);
    expect(store.count('packet_tuples', id)).toBe(70_000);
    const tuples = [...store.packets.tuplesOf(id).values()];
    expect([tuples.length, tuples.reduce((n, t) => n + t.packets, 0)]).toEqual([70_000, 70_000]);
    expect(tuples[69_999]).toEqual(expect.objectContaining({ src: '10.1.17.112', sport: 1024 + 20_000, packets: 1, firstFrame: 70_000, lastFrame: 70_000 }));
    expect(store.packets.tuple(tuples[4096]!.id)).toEqual(tuples[4096]);
  });

  it('keys IPv4 tuples on the decoder\'s numbers with the same rows as by text, and goes by the text when they disagree', () => {
    const store = project().store();
    const v4 = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const numbered = traffic().map((p) => (p.src === null || p.dst === null ? p : { ...p, srcV4: v4(p.src), dstV4: v4(p.dst) }));
    const byText = pcapCapture(store, 'text');
    const byNumber = pcapCapture(store, 'numbers');
    for (const [c, packets] of [[byText, traffic()], [byNumber, numbered]] as const) {
      const w = store.packetWriter(c);
      for (const p of packets) w.add(p);
      w.flush();
    }
    const strip = (rows: TupleRow[]) => rows.map((r) => ({ ...r, id: r.id - rows[0]!.id }));
    expect(strip(tupleRows(store, byNumber))).toEqual(strip(tupleRows(store, byText)));

    // Numbers alone (a pcap read with addressText false): the same rows, and one record object reused for every packet.
    const numbersOnly = pcapCapture(store, 'numbers only');
    const reused = packet(0);
    const w1 = store.packetWriter(numbersOnly);
    for (const p of numbered) {
      const ipv4 = Number.isInteger(p.srcV4) && Number.isInteger(p.dstV4);
      w1.add(Object.assign(reused, p, ipv4 ? { src: null, dst: null } : { srcV4: null, dstV4: null }));
    }
    w1.flush();
    expect(strip(tupleRows(store, numbersOnly))).toEqual(strip(tupleRows(store, byText)));

    // A decoded record whose text was changed afterwards: its stale numbers name another tuple.
    const edited = pcapCapture(store, 'edited');
    const w = store.packetWriter(edited);
    w.add(packet(1, { srcV4: v4('10.0.0.1'), dstV4: v4('10.0.0.2') }));
    w.add(packet(2, { srcV4: v4('10.0.0.1'), dstV4: v4('10.0.0.2'), src: '192.168.0.9' }));
    w.add(packet(3, { srcV4: v4('10.0.0.1'), dstV4: v4('10.0.0.2') }));
    w.flush();
    expect(tupleRows(store, edited).map((r) => [r.src, r.packets, r.first_frame, r.last_frame])).toEqual([['10.0.0.1', 2, 1, 3], ['192.168.0.9', 1, 2, 2]]);
  });
  it('goes on counting after a flush that left it exactly full', () => {
    const store = project().store();
    const id = pcapCapture(store, 'full');
    const w = store.packetWriter(id, 2);
    w.add(packet(1, { sport: 1 }));
    w.add(packet(2, { sport: 2 }));
    w.flush();
    w.add(packet(3, { sport: 3 }));
    w.add(packet(4, { sport: 1 }));
    w.flush();
    expect(tupleRows(store, id).map((r) => [r.sport, r.packets, r.first_frame, r.last_frame])).toEqual([[1, 2, 1, 4], [2, 1, 2, 2], [3, 1, 3, 3]]);
  });

  it('finds every tuple again after its index and slots have grown, IPv4 and IPv6 mixed', () => {
    const store = project().store();
    const id = pcapCapture(store, 'grown');
    const n = 80_000;
    const v4 = (i: number): Partial<PacketRecord> => ({ src: null, dst: null, srcV4: (0xc0a80000 + (i >>> 6)) >>> 0, dstV4: 0x0a000001 + (i & 63), sport: 1024 + (i % 60_000) });
    const v6 = (i: number): Partial<PacketRecord> => ({ network: 'ipv6', src: `fd00::${i}`, dst: 'fd00::1', sport: 5000 });
    const tuple = (i: number) => (i % 1000 === 999 ? v6(i) : v4(i));
    store.transaction(() => {
      const w = store.packetWriter(id);
      let frame = 0;
      for (let i = 0; i < n; i++) w.add(packet(++frame, tuple(i)));
      // Again, in another order: every tuple is found, none added.
      for (let i = 0; i < n; i++) w.add(packet(++frame, tuple((i * 7919) % n)));
      w.flush();
    });
    const tuples = [...store.packets.tuplesOf(id).values()];
    expect(tuples.length).toBe(n);
    expect(tuples.every((t) => t.packets === 2)).toBe(true);
    expect(tuples.map((t) => t.id)).toEqual(tuples.map((_, i) => tuples[0]!.id + i));
    expect([tuples[999]!.src, tuples[1000]!.src, tuples[1000]!.sport]).toEqual(['fd00::999', '192.168.0.15', 2024]);
  });

  it('counts an IPv4 tuple met again right after IPv6 tuples outgrew the first slots (its words were copied)', () => {
    const store = project().store();
    const id = pcapCapture(store, 'copied');
    const w = store.packetWriter(id);
    let frame = 0;
    w.add(packet(++frame));
    for (let i = 0; i < 1500; i++) w.add(packet(++frame, { network: 'ipv6', src: `fd00::${i}`, dst: 'fd00::1', sport: 5000 }));
    w.add(packet(++frame));
    w.flush();
    const rows = tupleRows(store, id);
    expect(rows.length).toBe(1501);
    expect([rows[0]!.src, rows[0]!.packets, rows[0]!.first_frame, rows[0]!.last_frame]).toEqual(['10.0.0.1', 2, 1, frame]);
  });

  it('counts a packet under its spilled tuple when the slots were moved to the spill table earlier in its batch of lookups', () => {
    const store = project().store();
    const id = pcapCapture(store, 'mid-batch');
    const w = store.packetWriter(id, 3);
    // One batch of lookups (512 packets) holds tuples 1-3; the next starts with a fourth tuple, which moves the three
    // to the spill table, then tuple 3 again, whose slot the batch had read before the move.
    const packets = [packet(1, { sport: 1 }), packet(2, { sport: 2 }), packet(3, { sport: 3 })];
    for (let f = 4; f <= 512; f++) packets.push(packet(f, { sport: 1 }));
    packets.push(packet(513, { sport: 4 }), packet(514, { sport: 3 }));
    for (const p of packets) w.add(p);
    w.flush();
    expect(tupleRows(store, id).map((r) => [r.sport, r.packets, r.first_frame, r.last_frame])).toEqual([
      [1, 510, 1, 512], [2, 1, 2, 2], [3, 2, 3, 514], [4, 1, 513, 513],
    ]);
  });

  it('counts packets of earlier tuples under their ids after a flush that had spilled them', () => {
    const store = project().store();
    const roomy = pcapCapture(store, 'roomy2');
    const tight = pcapCapture(store, 'tight2');
    for (const [c, limit] of [[roomy, 1 << 20], [tight, 3]] as const) {
      const w = store.packetWriter(c, limit);
      const packets = traffic();
      for (const p of packets.slice(0, 30)) w.add(p);
      w.flush();
      for (const p of packets.slice(30)) w.add(p);
      w.flush();
    }
    const strip = (rows: TupleRow[]) => rows.map((r) => ({ ...r, id: r.id - rows[0]!.id }));
    expect(strip(tupleRows(store, tight))).toEqual(strip(tupleRows(store, roomy)));
    expect(strip(tupleRows(store, tight)).map(({ id: _, ...t }) => t)).toEqual(expectedTuples(traffic()));
    expect(store.db.prepare("SELECT count(*) FROM temp.sqlite_master WHERE name LIKE 'natlens_tuple_spill%'").pluck().get()).toBe(0);
  });

  it('trashes and restores a capture\'s tuple blocks, and hands out tuple ids after those in the trash', () => {
    const store = project().store();
    const a = pcapCapture(store, 'trashed');
    const w = store.packetWriter(a);
    for (const p of traffic()) w.add(p);
    w.flush();
    const before = tupleRows(store, a);
    store.transaction(() => trashCaptures(store.db, 'u1', [a]));
    expect(store.count('packet_tuples')).toBe(0);
    store.transaction(() => restoreTrash(store.db, 'u1'));
    expect(tupleRows(store, a)).toEqual(before);

    store.transaction(() => trashCaptures(store.db, 'u2', [a]));
    const b = pcapCapture(store, 'after');
    const w2 = store.packetWriter(b);
    for (const p of traffic()) w2.add(p);
    w2.flush();
    // An undo puts the trashed blocks back with their ids: none of them may be taken meanwhile.
    expect(tupleRows(store, b)[0]!.id).toBe(before[before.length - 1]!.id + 1);
  });

  it('numbers the tuples of interleaved writers in the order their packets came, across batches of lookups', () => {
    const store = project().store();
    const a = pcapCapture(store, 'even');
    const b = pcapCapture(store, 'odd');
    const [wa, wb] = [store.packetWriter(a), store.packetWriter(b)];
    // Runs of IPv4 packets long enough to fill a batch, with an IPv6 packet (counted at once) now and then.
    const packets: Array<[0 | 1, PacketRecord]> = [];
    for (let i = 1; i <= 3000; i++) {
      const side = Math.floor(i / 700) % 2 === 0 ? 0 : 1;
      const p = i % 401 === 0
        ? packet(i, { network: 'ipv6', src: 'fd00::1', dst: `fd00::${i % 3}`, ipProto: 17, sport: 5353, dport: 5353 })
        : packet(i, { sport: 1024 + (i % 900), dst: `10.0.${i % 7}.1` });
      packets.push([side, p]);
    }
    for (const [side, p] of packets) (side === 0 ? wa : wb).add(p);
    wa.flush();
    wb.flush();
    // One packet at a time: a tuple's id is taken when its first packet comes.
    const expected = new Map<string, number>();
    let next = Math.min(tupleRows(store, a)[0]!.id, tupleRows(store, b)[0]!.id);
    for (const [side, p] of packets) {
      const key = JSON.stringify([side, p.ipProto, p.src, p.dst, p.sport, p.dport]);
      if (!expected.has(key)) expected.set(key, next++);
    }
    const actual = new Map<string, number>();
    for (const [side, c] of [[0, a], [1, b]] as const) {
      for (const t of tupleRows(store, c)) actual.set(JSON.stringify([side, t.ip_proto, t.src, t.dst, t.sport, t.dport]), t.id);
    }
    expect(actual).toEqual(expected);
    const frames = (c: number) => store.packetsOf(c, 1, 5000).map((p) => [p.frame, p.src, p.dst, p.sport]);
    expect([...frames(a), ...frames(b)].sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual(packets.map(([, p]) => [p.frame, p.src, p.dst, p.sport]));
  });

  it('gives writers open at the same time distinct ids, each capture its own tuples', () => {
    const store = project().store();
    const a = pcapCapture(store, 'left');
    const b = pcapCapture(store, 'right');
    const [wa, wb] = [store.packetWriter(a), store.packetWriter(b)];
    const packets = traffic();
    packets.forEach((p, k) => (k % 3 === 0 ? wb : wa).add(p));
    wa.flush();
    wb.flush();
    const [ta, tb] = [tupleRows(store, a), tupleRows(store, b)];
    expect(ta.map(({ id: _, ...t }) => t)).toEqual(expectedTuples(packets.filter((_, k) => k % 3 !== 0)));
    expect(tb.map(({ id: _, ...t }) => t)).toEqual(expectedTuples(packets.filter((_, k) => k % 3 === 0)));
    expect(new Set([...ta, ...tb].map((t) => t.id)).size).toBe(ta.length + tb.length);
    expect(store.packetsOf(b, 1, 100).map((p) => [p.frame, p.src, p.sport])).toEqual(
      packets.filter((_, k) => k % 3 === 0).map((p) => [p.frame, p.src, p.sport]),
    );
  });
});
