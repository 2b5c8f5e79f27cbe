import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../records/records';
import { readPacketCapture } from './read-packet-capture';
import { KERNEL_CAPTURES, TCPDUMP_SUITE, type CaptureCorpus } from './capture-corpus.fixture';
import { describeShared } from '../../../../test/support/describe-shared';

interface ParserRecordHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}

const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(file: string): EventEmitter };

/** pcap-parser (old stream API) reads µs classic pcap only, and stops silently at a cut record. */
function readWithPcapParser(file: string): Promise<ParserRecordHeader[]> {
  return new Promise((resolve, reject) => {
    const headers: ParserRecordHeader[] = [];
    const parser = pcapParser.parse(file);
    let pending: ParserRecordHeader | null = null;
    parser.on('packetHeader', (h: ParserRecordHeader) => (pending = h));
    parser.on('packetData', () => {
      if (pending !== null) headers.push(pending);
      pending = null;
    });
    parser.on('error', reject);
    parser.on('end', () => resolve(headers));
  });
}

/** The classic µs pcaps of `corpus` read by both readers, record by record. */
function agreesWithPcapParser(corpus: CaptureCorpus, atLeast: number): void {
  const classicMicro = corpus.manifest().filter((c) => c.format === 'pcap' && c.tsPrecision === 'us');
  it(`covers the classic µs captures of the ${corpus.name}`, () => {
    expect(classicMicro.length).toBeGreaterThanOrEqual(atLeast);
  });

  it.each(classicMicro.map((c) => [c.file, c] as const))('%s: same records, lengths and timestamps', async (_name, capture) => {
    const theirs = await readWithPcapParser(corpus.path(capture.file));
    const ours: PacketRecord[] = [];
    try {
      readPacketCapture(corpus.path(capture.file), (p) => ours.push(p));
    } catch (err) {
      if (capture.fileError === null) throw err;
    }
    expect(ours.length).toBe(theirs.length);
    ours.forEach((p, i) => {
      const h = theirs[i]!;
      // pcap-parser keeps out-of-range µs fractions as they are; we carry them into the seconds.
      const micros = BigInt(h.timestampSeconds) * 1_000_000n + BigInt(h.timestampMicroseconds);
      expect([p.capLen, p.origLen, BigInt(p.tsSec) * 1_000_000n + BigInt(p.tsNsec / 1000)]).toEqual([
        h.capturedLength, h.originalLength, micros,
      ]);
    });
  });
}

describe('readPacketCapture agrees with the pcap-parser package on the kernel captures', () => {
  agreesWithPcapParser(KERNEL_CAPTURES, 5);
});

describeShared('tcpdump-suite', 'readPacketCapture agrees with the pcap-parser package on the tcpdump suite', () => {
  agreesWithPcapParser(TCPDUMP_SUITE, 41);
});
