import { afterAll, describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../records/records';
import { presentCaptureCorpora } from './capture-corpus.fixture';
import { concat, epb, idb, pcapHeader, pcapRecord, removeTempCaptures, shb, tempCapture, udpFrame } from './capture-builder.fixture';
import { readPacketCapture } from './read-packet-capture';

afterAll(removeTempCaptures);

/** Every record of `file` as the sink saw it when it was handed (a copy: a reused record changes afterwards). */
function records(file: string, reuseRecords: boolean, addressText = true): { seen: PacketRecord[]; objects: number } {
  const seen: PacketRecord[] = [];
  const objects = new Set<PacketRecord>();
  readPacketCapture(file, (p) => {
    objects.add(p);
    seen.push({ ...p });
  }, undefined, undefined, { reuseRecords, addressText });
  return { seen, objects: objects.size };
}

/** An Ethernet frame carrying an ICMP port unreachable (which sets `icmpError`) answering a UDP datagram. */
function icmpUnreachableFrame(): Uint8Array {
  const udp = udpFrame().subarray(14);
  const icmp = new Uint8Array(8 + 28);
  icmp[0] = 3;
  icmp[1] = 3;
  icmp.set(udp.subarray(0, 28), 8);
  const ip = new Uint8Array(20);
  ip.set([0x45, 0, 0, 20 + icmp.length, 0, 9, 0, 0, 64, 1, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1]);
  return concat([new Uint8Array([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]), ip, icmp]);
}

describe('readPacketCapture with reuseRecords', () => {
  it('hands one object whose fields, frame by frame, are those of a fresh record (an ICMP error not carried to the next frame)', () => {
    const pcap = tempCapture(concat([
      pcapHeader(1),
      pcapRecord(1_700_000_000, 1, udpFrame()),
      pcapRecord(1_700_000_000, 2, icmpUnreachableFrame()),
      pcapRecord(1_700_000_000, 3, udpFrame()),
      pcapRecord(1_700_000_000, 4, udpFrame().subarray(0, 20)),
    ]), 'pcap');
    const fresh = records(pcap, false);
    const reused = records(pcap, true);
    expect(fresh.objects).toBe(4);
    expect(reused.objects).toBe(1);
    expect(fresh.seen[1]!.icmpError).toMatchObject({ proto: 17, src: '192.0.2.1', dst: '192.0.2.2', sport: 1000, dport: 2000 });
    expect(reused.seen).toEqual(fresh.seen);
    expect(reused.seen[2]!.icmpError).toBeUndefined();
  });

  it('gives the same records as fresh ones for pcapng and for every capture of the corpora', () => {
    const pcapng = tempCapture(concat([shb(), idb(1), epb(0, 1_700_000_000_000_000n, udpFrame()), epb(0, 1_700_000_001_000_000n, icmpUnreachableFrame())]));
    const files = [pcapng, ...presentCaptureCorpora().flatMap((c) => c.manifest().filter((m) => m.fileError === null).map((m) => c.path(m.file)))];
    for (const file of files) expect(records(file, true).seen, file).toEqual(records(file, false).seen);
  });

  it('with addressText false gives an IPv4 header\'s addresses as numbers alone and no MACs, every other field as before', () => {
    const files = presentCaptureCorpora().flatMap((c) => c.manifest().filter((m) => m.fileError === null).map((m) => c.path(m.file)));
    let numbered = 0;
    let macs = 0;
    for (const file of files) {
      const withText = records(file, false).seen;
      const want = withText.map((p) => ({ ...p, srcMac: null, dstMac: null, ...(typeof p.srcV4 === 'number' ? { src: null, dst: null } : {}) }));
      numbered += want.filter((p) => typeof p.srcV4 === 'number').length;
      macs += withText.filter((p) => p.srcMac !== null).length;
      expect(records(file, true, false).seen, file).toEqual(want);
    }
    expect(numbered).toBeGreaterThan(100);
    expect(macs).toBeGreaterThan(100);
  });
});
