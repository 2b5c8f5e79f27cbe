import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../records/records';
import { decodeFrame } from './link-layer';
import { newPacketRecord } from './packet-record';
import { readPacketCapture } from './read-packet-capture';
import { KERNEL_CAPTURES, TCPDUMP_SUITE, type CaptureCorpus } from './capture-corpus.fixture';
import { sharedOrNote } from '../../../../test/support/describe-shared';

/** Frames (link type + bytes) of little-endian classic pcap seeds, cut out at each record's offset. */
function framesOf(corpus: CaptureCorpus, name: string): { linkType: number; data: Uint8Array }[] {
  const bytes = readFileSync(corpus.path(name));
  const frames: { linkType: number; data: Uint8Array }[] = [];
  readPacketCapture(corpus.path(name), (p) => {
    frames.push({ linkType: p.linkType!, data: bytes.subarray(p.offset! + 16, p.offset! + 16 + p.capLen) });
  });
  return frames;
}

/** Seeds: every classic pcap of the kernel captures, and (with ../shared) link types Linux does not write here. */
const FRAMES = [
  ...KERNEL_CAPTURES.manifest().filter((c) => c.format === 'pcap' && c.byteOrder === 'little').flatMap((c) => framesOf(KERNEL_CAPTURES, c.file)),
  ...(sharedOrNote('decodeFrame bounds: the seed frames of the tcpdump suite (VXLAN, GRE, QinQ, NULL, LOOP, IPv4/IPv6 link types)', 'tcpdump-suite')
    ? [
      'kernel-ethernet.pcap', 'kernel-sll.pcap', 'kernel-sll2.pcap', 'vxlan.pcap', 'ipv6-routing-header.pcap',
      'nflog.pcap', 'synth-null-0.pcap', 'synth-loop-108.pcap', 'icmpv6.pcap', '802.1ad_QinQ.pcap', 'LINKTYPE_IPV4.pcap',
      'LINKTYPE_IPV6.pcap', 'mptcp-tcprst.pcap', 'various_gre.pcap', 'dns_tcp.pcap',
    ].flatMap((name) => framesOf(TCPDUMP_SUITE, name))
    : []),
];

function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/** Decodes `frame` placed between filler bytes; a decoder that reads outside the frame sees the filler. */
function decodeAmid(linkType: number, frame: Uint8Array, wireLen: number, fill: number): PacketRecord {
  const buf = new Uint8Array(frame.length + 80).fill(fill);
  buf.set(frame, 40);
  const p = newPacketRecord(1, 0, 0, null, linkType, frame.length, wireLen, 0);
  decodeFrame(p, linkType, buf, 40, 40 + frame.length, 40 + wireLen, true);
  return p;
}

describe('decodeFrame bounds', () => {
  it('never reads outside the captured bytes of 4000 mutated and cut frames', () => {
    const pick = random(0xb0b);
    const leaks: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const { linkType, data } = FRAMES[pick(FRAMES.length)]!;
      const frame = Uint8Array.from(data.subarray(0, pick(data.length + 1)));
      for (let flips = pick(6); flips > 0 && frame.length > 0; flips--) frame[pick(frame.length)]! ^= 1 << pick(8);
      const wireLen = frame.length + pick(2) * pick(70_000);
      const a = decodeAmid(linkType, frame, wireLen, 0x00);
      const b = decodeAmid(linkType, frame, wireLen, 0xff);
      const text = JSON.stringify(a);
      if (text !== JSON.stringify(b)) leaks.push(`${i}: depends on bytes outside the frame: ${text} vs ${JSON.stringify(b)}`);
      if (/undefined|NaN/.test(text) || Object.values(a).some((v) => typeof v === 'number' && !Number.isFinite(v))) leaks.push(`${i}: ${text}`);
    }
    expect(leaks).toEqual([]);
    expect(FRAMES.length).toBeGreaterThan(250);
  });
});
