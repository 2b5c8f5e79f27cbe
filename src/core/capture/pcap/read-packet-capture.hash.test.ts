import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import { concat, epb, idb, pcapHeader, pcapngBlock, pcapRecord, removeTempCaptures, shb, tempCapture, udpFrame } from './capture-builder.fixture';
import { CHUNK_BYTES, FileChunks } from './file-chunks';
import { readPacketCapture } from './read-packet-capture';

afterAll(removeTempCaptures);

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** What readPacketCapture hands `onBytes`, hashed, and how many bytes that was (each once: the sum is the size). */
function fed(file: string): { hash: string; bytes: number; packets: number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const summary = readPacketCapture(file, () => {}, undefined, (b) => {
    hash.update(b);
    bytes += b.length;
  });
  return { hash: hash.digest('hex'), bytes, packets: summary.packets };
}

/** A pcap of `count` records whose frames take `frame` bytes each. */
function pcapOf(count: number, frame = udpFrame()): Uint8Array {
  return concat([pcapHeader(1), ...Array.from({ length: count }, (_, i) => pcapRecord(1_700_000_000 + i, 0, frame))]);
}

describe('readPacketCapture hands every byte of the file to onBytes once, in order', () => {
  it('a small pcap', () => {
    const bytes = pcapOf(3);
    expect(fed(tempCapture(bytes, 'pcap'))).toEqual({ hash: sha(bytes), bytes: bytes.length, packets: 3 });
  });

  it('a pcap of several chunks, records straddling the chunk ends', () => {
    const bytes = pcapOf(Math.ceil((2.5 * CHUNK_BYTES) / (16 + 1000)), new Uint8Array(1000).fill(7));
    expect(bytes.length).toBeGreaterThan(2 * CHUNK_BYTES);
    expect(fed(tempCapture(bytes, 'pcap'))).toEqual({ hash: sha(bytes), bytes: bytes.length, packets: Math.ceil((2.5 * CHUNK_BYTES) / 1016) });
  });

  it('a pcapng', () => {
    const bytes = concat([shb(), idb(1), epb(0, 1n, udpFrame()), epb(0, 2n, udpFrame())]);
    expect(fed(tempCapture(bytes))).toEqual({ hash: sha(bytes), bytes: bytes.length, packets: 2 });
  });

  it('a pcapng with a block the reader skips unread, larger than a chunk', () => {
    // An unknown block type is passed over without reading it: its bytes still reach the hash, between their neighbours.
    const skipped = pcapngBlock(0x0bad, new Uint8Array(CHUNK_BYTES + 12345).fill(0x5a));
    const bytes = concat([shb(), idb(1), epb(0, 1n, udpFrame()), skipped, epb(0, 2n, udpFrame())]);
    expect(fed(tempCapture(bytes))).toEqual({ hash: sha(bytes), bytes: bytes.length, packets: 2 });
  });

  it('a truncated last packet is an error, and what was handed over before it is the file from its start', () => {
    const whole = pcapOf(3);
    const bytes = whole.subarray(0, whole.length - 5);
    const seen: Uint8Array[] = [];
    expect(() => readPacketCapture(tempCapture(bytes, 'pcap'), () => {}, undefined, (b) => seen.push(Uint8Array.from(b)))).toThrow(CaptureError);
    const prefix = concat(seen);
    expect(Buffer.from(prefix).equals(Buffer.from(bytes.subarray(0, prefix.length)))).toBe(true);
  });

  it('trailing garbage after the last record whole chunk is read and refused, not passed over', () => {
    // The records end exactly where the first chunk does: the garbage is not in the buffer when the reader asks for a header.
    const header = pcapHeader(1);
    const frame = new Uint8Array(1000 - 16);
    const records = Array.from({ length: 4000 }, (_, i) => pcapRecord(i, 0, frame));
    const fill = CHUNK_BYTES - header.length - 4000 * 1000;
    const last = pcapRecord(4000, 0, new Uint8Array(fill - 16));
    const bytes = concat([header, ...records, last, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]);
    expect(bytes.length).toBe(CHUNK_BYTES + 10);
    let error: unknown = null;
    try {
      readPacketCapture(tempCapture(bytes, 'pcap'), () => {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CaptureError);
    expect((error as CaptureError).message).toMatch(/record 4002 .*10 left/);
  });
});

describe('FileChunks.feedRest', () => {
  it('hands over the rest of the file when the reader stopped early, and the bytes it skipped unread', () => {
    const bytes = pcapOf(50);
    const file = tempCapture(bytes, 'pcap');
    const hash = createHash('sha256');
    let total = 0;
    const fd = openSync(file, 'r');
    try {
      const chunks = new FileChunks(fd, bytes.length, undefined, (b) => {
        hash.update(b);
        total += b.length;
      });
      expect(chunks.ensure(24)).toBe(true);
      chunks.skip(24);
      chunks.feedRest();
    } finally {
      closeSync(fd);
    }
    expect(total).toBe(bytes.length);
    expect(hash.digest('hex')).toBe(sha(readFileSync(file)));
  });
});
