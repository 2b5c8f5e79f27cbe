import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import type { PacketRecord } from '../../records/records';
import { removeTempCaptures, tempCapture } from './capture-builder.fixture';
import { readPacketCapture } from './read-packet-capture';
import { KERNEL_CAPTURES, TCPDUMP_SUITE } from './capture-corpus.fixture';
import { sharedOrNote } from '../../../../test/support/describe-shared';

afterAll(removeTempCaptures);

const OVERLAY = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../test/fixtures/pcap-overlay');

/**
 * Seeds: every kernel capture, the overlay captures (VXLAN, Geneve, IPIP: mutations meet inner frames), and (with
 * ../shared) the suite's big-endian, SPB/OPB and unusual link-type files.
 */
const SEEDS = [
  ...KERNEL_CAPTURES.manifest().map((c) => readFileSync(KERNEL_CAPTURES.path(c.file))),
  ...['vxlan-8472', 'vxlan-4789', 'geneve', 'ipip'].map((k) => readFileSync(path.join(OVERLAY, `overlay-${k}.pcap`))),
  ...(sharedOrNote('readPacketCapture on mutated captures: the seed files of the tcpdump suite', 'tcpdump-suite')
    ? [
      'kernel-ethernet.pcap', 'kernel-sll.pcap', 'kernel-sll2.pcap', 'kernel-two-interfaces.pcapng',
      'kernel-two-linktypes-ns.pcapng', 'synth-pcapng-spb-opb-bigendian.pcapng', 'synth-nano-bigendian.pcap',
      'ipv6-routing-header.pcap', 'nflog.pcap', 'synth-null-0.pcap', 'vxlan.pcap', 'icmpv6.pcap',
    ].map((name) => readFileSync(TCPDUMP_SUITE.path(name)))
    : []),
];

/** Deterministic 32-bit generator (mulberry32). */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

function mutate(pick: (n: number) => number): Uint8Array {
  let bytes = Uint8Array.from(SEEDS[pick(SEEDS.length)]!);
  const kind = pick(4);
  if (kind === 0 || kind === 3) {
    for (let flips = 1 + pick(24); flips > 0; flips--) bytes[pick(bytes.length)]! ^= 1 << pick(8);
  }
  if (kind === 1 || kind === 3) {
    bytes = bytes.subarray(0, pick(bytes.length + 1));
  }
  if (kind === 2) {
    const other = SEEDS[pick(SEEDS.length)]!;
    const cut = pick(bytes.length + 1);
    const from = pick(other.length + 1);
    const spliced = new Uint8Array(cut + other.length - from);
    spliced.set(bytes.subarray(0, cut));
    spliced.set(other.subarray(from), cut);
    bytes = spliced;
  }
  if (pick(8) === 0 && bytes.length > 8) {
    // A run of 0xff or 0x00 across a length field is the classic way to find an unchecked read.
    const at = pick(bytes.length - 4);
    bytes.fill(pick(2) === 0 ? 0xff : 0x00, at, Math.min(bytes.length, at + 1 + pick(16)));
  }
  return bytes;
}

describe('readPacketCapture on mutated captures', () => {
  it('throws nothing but CaptureError on 2500 bit-flipped, truncated and spliced files', () => {
    const pick = random(0x5eed);
    const escaped: string[] = [];
    let packets = 0;
    let errors = 0;
    for (let i = 0; i < 2500; i++) {
      const file = tempCapture(mutate(pick), 'bin');
      try {
        readPacketCapture(file, (p: PacketRecord) => {
          packets++;
          if (p.capLen > 262_144 || p.frame < 1) escaped.push(`${i}: bad record ${JSON.stringify(p)}`);
        });
      } catch (err) {
        if (err instanceof CaptureError) errors++;
        else escaped.push(`${i}: ${String(err)}`);
      }
    }
    expect(escaped).toEqual([]);
    // The mutations must exercise both paths: decoding garbage and rejecting it.
    expect(packets).toBeGreaterThan(10_000);
    expect(errors).toBeGreaterThan(200);
  });
});
