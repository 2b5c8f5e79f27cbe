import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import type { PacketRecord } from '../../records/records';
import {
  Bytes, concat, epb, idb, option, pcapHeader, pcapngBlock, pcapRecord, removeTempCaptures, shb, tempCapture, udpFrame,
} from './capture-builder.fixture';
import { isPacketCapture, readPacketCapture } from './read-packet-capture';
import { KERNEL_CAPTURES, suitePath } from './capture-corpus.fixture';
import { describeShared } from '../../../../test/support/describe-shared';

afterAll(removeTempCaptures);

function read(file: string): PacketRecord[] {
  const packets: PacketRecord[] = [];
  readPacketCapture(file, (p) => packets.push(p));
  return packets;
}

function readError(file: string): CaptureError {
  try {
    readPacketCapture(file, () => {});
  } catch (err) {
    if (err instanceof CaptureError) return err;
    throw err;
  }
  throw new Error(`${file} read without error`);
}

describe('isPacketCapture', () => {
  it('recognises pcap magic in both byte orders and both resolutions, and the pcapng section header', () => {
    for (const magic of [[0xa1, 0xb2, 0xc3, 0xd4], [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], [0x4d, 0x3c, 0xb2, 0xa1], [0x0a, 0x0d, 0x0d, 0x0a]]) {
      expect(isPacketCapture(Uint8Array.from([...magic, 0, 0]))).toBe(true);
    }
  });

  it('rejects text, short input and near misses', () => {
    expect(isPacketCapture(new TextEncoder().encode('*filter\n'))).toBe(false);
    expect(isPacketCapture(Uint8Array.from([0xa1, 0xb2, 0xc3]))).toBe(false);
    expect(isPacketCapture(Uint8Array.from([0xa1, 0xb2, 0xc3, 0xd5]))).toBe(false);
  });
});

describe('readPacketCapture on the kernel captures (test/fixtures/pcap)', () => {
  const kernel = (name: string): string => KERNEL_CAPTURES.path(name);
  const manifestOf = (name: string) => KERNEL_CAPTURES.manifest().find((c) => c.file === name)!;

  it('reads an empty pcapng as zero packets', () => {
    const summary = readPacketCapture(tempCapture(concat([shb(), idb(1)])), () => {});
    expect(summary).toEqual({ packets: 0, firstPacketAt: null, linkTypes: [1], interfaces: [] });
  });

  it('summarises the dumpcap pcapng: packets, first packet time (tshark\'s), link types and interface names', () => {
    const summary = readPacketCapture(kernel('kernel-two-linktypes.pcapng'), () => {});
    const rows = KERNEL_CAPTURES.tsharkRows('kernel-two-linktypes.pcapng');
    expect(summary.packets).toBe(manifestOf('kernel-two-linktypes.pcapng').packets);
    expect(summary.linkTypes).toEqual([1, 101]);
    expect(summary.interfaces).toEqual(['rb', 'tun0']);
    const first = rows.map((r) => r.get('frame.time_epoch')!).sort()[0]!;
    expect(summary.firstPacketAt).toBe(new Date(Number(first.split('.')[0]) * 1000 + Number(first.split('.')[1]!.slice(0, 3))).toISOString());
  });

  it('gives each pcapng packet its interface name and link type', () => {
    const packets = read(kernel('kernel-two-linktypes.pcapng'));
    expect(new Set(packets.map((p) => `${p.iface}/${p.linkType}`))).toEqual(new Set(['rb/1', 'tun0/101']));
  });

  it('takes SLL2 direction and interface index as tcpdump -e prints them', () => {
    const packets = read(kernel('kernel-sll2-nano.pcap'));
    const lines = readFileSync(kernel('kernel-sll2-nano.tcpdump-e-vv.txt'), 'utf8').split('\n').filter((l) => /^\d\d:/.test(l));
    expect(lines.length).toBe(packets.length);
    lines.forEach((line, i) => {
      const [, , dir, , index] = line.split(/\s+/);
      expect(packets[i]!.direction).toBe(dir === 'Out' ? 'out' : 'in');
      expect(packets[i]!.iface).toBe(`if${index}`);
    });
  });

  it('marks the frames cut by a 42-byte snap length with the layer they were cut in', () => {
    const packets = read(kernel('kernel-snap42.pcap'));
    expect(packets.map((p) => p.frame).filter((_, i) => packets[i]!.capLen < packets[i]!.origLen)).toEqual(manifestOf('kernel-snap42.pcap').capLenLessThanLen);
    // 42 bytes hold Ethernet and the IPv4 header and 8 bytes more: a TCP header is cut, UDP and ICMP headers fit.
    const tcp = packets.filter((p) => p.network === 'ipv4' && p.ipProto === 6);
    expect(tcp.length).toBeGreaterThan(0);
    expect(new Set(tcp.map((p) => p.truncated))).toEqual(new Set(['tcp']));
    expect(packets.filter((p) => p.network === 'ipv4' && p.ipProto === 17).every((p) => p.truncated === null && p.sport !== null)).toBe(true);
  });

  it('decodes non-first IPv4 fragments without ports', () => {
    const frags = read(kernel('kernel-ethernet.pcap')).filter((p) => p.fragMf || p.fragOffset > 0);
    expect(frags.length).toBeGreaterThan(1);
    for (const p of frags) expect(p.sport === null && p.icmpType === null).toBe(p.fragOffset > 0);
  });

  it('fills MACs and the byte offset of each record', () => {
    const packets = read(kernel('kernel-ethernet.pcap'));
    expect(packets.every((p) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(p.srcMac ?? ''))).toBe(true);
    expect(packets[0]!.offset).toBe(24);
    expect(packets[1]!.offset).toBe(24 + 16 + packets[0]!.capLen);
  });

  it('reports a pcap cut inside a record with its number and offset', () => {
    const bytes = readFileSync(kernel('kernel-ethernet.pcap'));
    const packets = read(kernel('kernel-ethernet.pcap'));
    const last = packets.at(-1)!;
    const err = readError(tempCapture(bytes.subarray(0, last.offset! + 16 + 10), 'pcap'));
    expect(err.place.record).toBe(packets.length);
    expect(err.message).toMatch(new RegExp(`capture ends inside record ${packets.length} at offset \\d+: the file is truncated`));
  });
});

describeShared('tcpdump-suite', 'readPacketCapture on the conformance suite captures', () => {
  it('reads an empty pcapng as zero packets', () => {
    const summary = readPacketCapture(suitePath('empty.pcapng'), () => {});
    expect(summary).toEqual({ packets: 0, firstPacketAt: null, linkTypes: [1], interfaces: [] });
  });

  it('summarises packets, first packet time, link types and interface names', () => {
    const summary = readPacketCapture(suitePath('kernel-two-linktypes-ns.pcapng'), () => {});
    expect(summary.packets).toBe(96);
    expect(summary.linkTypes).toEqual([1, 113]);
    expect(summary.interfaces).toEqual(['va', 'any']);
    expect(summary.firstPacketAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('gives each pcapng packet its interface name and link type', () => {
    const packets = read(suitePath('kernel-two-linktypes-ns.pcapng'));
    expect(new Set(packets.map((p) => `${p.iface}/${p.linkType}`))).toEqual(new Set(['va/1', 'any/113']));
  });

  it('takes SLL2 direction and interface index as tcpdump -e prints them', () => {
    const packets = read(suitePath('kernel-sll2.pcap'));
    const lines = readFileSync(suitePath('kernel-sll2.tcpdump-e-vv.txt'), 'utf8').split('\n').filter((l) => /^\d\d:/.test(l));
    expect(lines.length).toBe(packets.length);
    lines.forEach((line, i) => {
      const [, , dir, , index] = line.split(/\s+/);
      expect(packets[i]!.direction).toBe(dir === 'Out' ? 'out' : 'in');
      expect(packets[i]!.iface).toBe(`if${index}`);
    });
  });

  it('names the layer a short frame was cut in', () => {
    const cutAt = (name: string): (string | null)[] => read(suitePath(name)).map((p) => p.truncated);
    expect(cutAt('tcp_header_heapoverflow.pcap')).toEqual(['tcp']);
    expect(cutAt('udp-length-heapoverflow.pcap')).toEqual(['udp']);
    expect(cutAt('heap-overflow-1.pcap')).toEqual([null]); // one byte, version 3: not IP at all
    expect(cutAt('ipv6_invalid_length.pcap')).toEqual(['ipv6']);
    expect(cutAt('ip6_frag_asan.pcap')).toEqual(['ipv6']);
    expect(cutAt('tcp_rst_data.pcap')).toEqual([null]);
  });

  it('keeps the decoded fields of a frame whose payload was cut', () => {
    const [p] = read(suitePath('tcp_rst_data-trunc.pcap'));
    expect(p).toMatchObject({ capLen: 111, origLen: 112, network: 'ipv4', sport: 80, dport: 52875, tcpFlags: 0x14, truncated: null });
  });

  it('decodes non-first IPv4 fragments without ports', () => {
    const frags = read(suitePath('kernel-ethernet.pcap')).filter((p) => p.fragMf || p.fragOffset > 0);
    expect(frags.length).toBeGreaterThan(0);
    for (const p of frags) expect(p.sport === null).toBe(p.fragOffset > 0);
  });

  it('fills MACs, payload length and the byte offset of each record', () => {
    const packets = read(suitePath('synth-nano-bigendian.pcap'));
    const tcp = packets.find((p) => p.ipProto === 6 && p.payloadLen !== null && p.payloadLen > 0)!;
    expect(tcp.srcMac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(packets[0]!.offset).toBe(24);
    expect(packets[1]!.offset).toBe(24 + 16 + packets[0]!.capLen);
  });

  it('takes L4 payload lengths from the IP and UDP headers, not from captured bytes', () => {
    // make_synthetic.py's ethernet_packets(), in order, then a UDP datagram cut at 64 bytes.
    expect(read(suitePath('synth-nano-bigendian.pcap')).map((p) => p.payloadLen)).toEqual([
      null, null, 0, 0, 18, 0, 12, 24, 8, 16, 28, 4, 4, 0, 24, 1472,
    ]);
  });

  it('reports a pcap cut inside a record with its number and offset', () => {
    const err = readError(suitePath('kernel-ethernet-truncated-record.pcap'));
    expect(err.place.record).toBe(48);
    expect(err.message).toMatch(/capture ends inside record 48 at offset \d+: the file is truncated/);
  });
});

describe('readPacketCapture on hand-made pcap', () => {
  it('reads nanosecond big-endian records and carries fractions past one second', () => {
    const file = tempCapture(concat([pcapHeader(1, false, true), pcapRecord(10, 999_999_999, udpFrame(), false), pcapRecord(10, 1_500_000_000, udpFrame(), false)]), 'pcap');
    expect(read(file).map((p) => [p.tsSec, p.tsNsec])).toEqual([[10, 999_999_999], [11, 500_000_000]]);
  });

  it('rejects a record with an absurd captured length', () => {
    const file = tempCapture(concat([pcapHeader(1), new Bytes().u32(1).u32(0).u32(300_000).u32(300_000).bytes(), new Uint8Array(64)]), 'pcap');
    const err = readError(file);
    expect(err.place).toMatchObject({ record: 1, offset: 24 });
    expect(err.reason).toMatch(/300000 captured bytes/);
  });

  it('rejects a file cut inside the file header or a record header', () => {
    expect(readError(tempCapture(pcapHeader(1).subarray(0, 10), 'pcap')).reason).toMatch(/file header/);
    const cut = readError(tempCapture(concat([pcapHeader(1), pcapRecord(1, 0, udpFrame()).subarray(0, 9)]), 'pcap'));
    expect(cut.place).toMatchObject({ record: 1, offset: 24 });
  });

  it('rejects files that are not captures, and missing files, with CaptureError', () => {
    expect(readError(tempCapture(new TextEncoder().encode('hello world'), 'txt')).reason).toMatch(/unknown magic/);
    expect(readError(tempCapture(new Uint8Array(0), 'pcap')).reason).toMatch(/unknown magic/);
    expect(readError('/nonexistent/natlens.pcap').reason).toMatch(/cannot read/);
  });

  it('reports progress up to the file size', () => {
    const records = Array.from({ length: 2000 }, (_, i) => pcapRecord(i, 0, udpFrame()));
    const file = tempCapture(concat([pcapHeader(1), ...records]), 'pcap');
    const seen: [number, number][] = [];
    readPacketCapture(file, () => {}, (done, total) => seen.push([done, total]));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)![0]).toBe(seen.at(-1)![1]);
  });
});

describe('readPacketCapture on hand-made pcapng', () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('scales timestamps by if_tsresol (decimal and base 2) and adds if_tsoffset, exactly', () => {
    const file = tempCapture(concat([
      shb(),
      idb(1, [option(2, text('eth0')), option(9, Uint8Array.of(9))]),
      idb(1, [option(9, Uint8Array.of(0x80 | 20)), option(14, new Bytes().u64(100n).bytes())]),
      idb(1, [option(9, Uint8Array.of(12))]),
      epb(0, 1_700_000_000_123_456_789n, udpFrame()),
      epb(1, (5n << 20n) | 1n, udpFrame()), // 5 s + 2^-20 s = 953.67431640625 ns, floored
      epb(2, 1_700_000_000_123_456_789_012n & 0xffffffffffffffffn, udpFrame()),
    ]));
    const packets = read(file);
    expect(packets.map((p) => [p.tsSec, p.tsNsec, p.iface])).toEqual([
      [1_700_000_000, 123_456_789, 'eth0'],
      [105, 953, null],
      [Number((1_700_000_000_123_456_789_012n & 0xffffffffffffffffn) / 10n ** 12n), Number(((1_700_000_000_123_456_789_012n & 0xffffffffffffffffn) % 10n ** 12n) / 1000n), null],
    ]);
  });

  it('restarts interfaces and byte order at each section, skipping unknown blocks by length', () => {
    const file = tempCapture(concat([
      shb(),
      idb(1),
      pcapngBlock(4, new Uint8Array(8)), // name resolution block
      epb(0, 1_000_000n, udpFrame()),
      shb(false),
      idb(101, [option(2, text('tun0'), false)], false),
      pcapngBlock(0x40000bad, new Uint8Array(20), false), // custom block
      epb(0, 2_000_000n, udpFrame().subarray(14), [], false),
    ]));
    const packets = read(file);
    expect(packets.map((p) => [p.frame, p.linkType, p.iface, p.tsSec, p.src, p.sport])).toEqual([
      [1, 1, null, 1, '192.0.2.1', 1000],
      [2, 101, 'tun0', 2, '192.0.2.1', 1000],
    ]);
  });

  it('takes the packet direction from epb_flags', () => {
    const flags = (v: number): Uint8Array => option(2, new Bytes().u32(v).bytes());
    const file = tempCapture(concat([shb(), idb(1), epb(0, 0n, udpFrame(), [flags(1)]), epb(0, 0n, udpFrame(), [flags(2)]), epb(0, 0n, udpFrame())]));
    expect(read(file).map((p) => p.direction)).toEqual(['in', 'out', null]);
  });

  it('rejects malformed blocks with the block number and offset', () => {
    const base = concat([shb(), idb(1)]);
    const noIface = readError(tempCapture(concat([base, epb(3, 0n, udpFrame())])));
    expect(noIface.place).toMatchObject({ record: 3, offset: base.length });
    expect(noIface.reason).toMatch(/interface 3/);

    const badTrailer = epb(0, 0n, udpFrame());
    badTrailer[badTrailer.length - 4] ^= 4;
    expect(readError(tempCapture(concat([base, badTrailer]))).reason).toMatch(/trailing block length/);

    const capPastBlock = epb(0, 0n, udpFrame());
    new DataView(capPastBlock.buffer).setUint32(20, 500, true);
    expect(readError(tempCapture(concat([base, capPastBlock]))).reason).toMatch(/runs past the end of the block/);

    const cut = concat([base, epb(0, 0n, udpFrame())]);
    const err = readError(tempCapture(cut.subarray(0, cut.length - 10)));
    expect(err.reason).toMatch(/capture ends inside block 3 at offset \d+: the file is truncated/);

    expect(readError(tempCapture(concat([idb(1), shb()]))).reason).toMatch(/unknown magic/);
  });
});
