/** A pcap's content hash is taken as it is read; re-imports are still found exactly, and cheaply. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concat, epb, idb, pcapHeader, pcapngBlock, pcapRecord, shb, udpFrame } from '../capture/pcap/capture-builder.fixture';
import { CHUNK_BYTES } from '../capture/pcap/file-chunks';
import type { Store } from '../model/store';
import { useTempProject } from '../../../test/support/temp-project';
import type { CaptureReaders } from './capture-readers';
import { importPathsWith } from './import-pipeline';
import { captureReaders } from './import-paths';

const project = useTempProject('pcap-hash');
const store = (): Store => project().store();
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** natlens's readers, counting the pcap parses and the bytes handed over for hashing while parsing. */
function counting(): { readers: CaptureReaders; parses: () => number; hashedInRead: () => number } {
  let n = 0;
  let bytes = 0;
  return {
    readers: {
      ...captureReaders,
      readPacketCapture(file, sink, onProgress, onBytes) {
        n++;
        return captureReaders.readPacketCapture(file, sink, onProgress, onBytes && ((b) => {
          bytes += b.length;
          onBytes(b);
        }));
      },
    },
    parses: () => n,
    hashedInRead: () => bytes,
  };
}

function pcap(seconds: number[], frame = udpFrame()): Uint8Array {
  return concat([pcapHeader(1), ...seconds.map((s) => pcapRecord(s, 0, frame))]);
}

interface Stored { captures: Array<{ node_id: number; content_hash: string; source_id: number | null; records: number }>; sources: Array<{ id: number; sha256: string; size: number }>; blocks: number }

function stored(): Stored {
  const db = store().db;
  return {
    captures: db.prepare('SELECT node_id, content_hash, source_id, records FROM captures ORDER BY id').all() as Stored['captures'],
    sources: db.prepare('SELECT id, sha256, size FROM sources ORDER BY id').all() as Stored['sources'],
    blocks: (db.prepare('SELECT count(*) AS n FROM packet_blocks').get() as { n: number }).n,
  };
}

function importOne(file: string, readers: CaptureReaders = captureReaders, node = 'n') {
  return importPathsWith(readers, store(), [file], { node });
}

describe('a pcap hashed as it is read', () => {
  const cases: Array<[string, string, Uint8Array, number]> = [
    ['pcap', 'pcap', pcap([1, 2, 3]), 3],
    ['pcapng', 'pcapng', concat([shb(), idb(1), epb(0, 1n, udpFrame()), epb(0, 2n, udpFrame())]), 2],
    // The reader passes over an unknown block unread: its bytes are hashed all the same.
    ['pcapng with a skipped block larger than a read chunk', 'pcapng',
      concat([shb(), idb(1), epb(0, 1n, udpFrame()), pcapngBlock(0x0bad, new Uint8Array(CHUNK_BYTES + 999).fill(3)), epb(0, 2n, udpFrame())]), 2],
  ];
  for (const [name, ext, bytes, packets] of cases) {
    it(`stores the file's sha256 as the capture's content hash and its source's: ${name}`, () => {
      const file = project().write(`c.${ext}`, bytes);
      const report = importOne(file);
      expect(report.errors).toEqual([]);
      const s = stored();
      expect(s.sources).toEqual([{ id: 1, sha256: sha(bytes), size: bytes.length }]);
      expect(s.captures).toEqual([{ node_id: expect.any(Number), content_hash: sha(bytes), source_id: 1, records: packets }]);
    });
  }

  it('a truncated last packet or trailing garbage rejects the file: nothing stored, no pending row left', () => {
    const whole = pcap([1, 2, 3]);
    for (const [name, bytes] of [['cut.pcap', whole.subarray(0, whole.length - 7)], ['garbage.pcap', concat([whole, Uint8Array.from([9, 9, 9])])]] as const) {
      const report = importOne(project().write(name, bytes));
      expect(report.errors).toEqual([expect.objectContaining({ source: expect.stringContaining(name), message: expect.stringMatching(/truncated/) })]);
    }
    expect(stored()).toEqual({ captures: [], sources: [], blocks: 0 });
    const file = project().write('whole.pcap', whole);
    expect(importOne(file).errors).toEqual([]);
    expect(stored().captures.map((c) => c.content_hash)).toEqual([sha(whole)]);
  });

  it('importing the same pcap twice warns "already imported" and stores nothing again, without parsing it again', () => {
    const bytes = pcap([1, 2, 3]);
    const file = project().write('a.pcap', bytes);
    const first = counting();
    importOne(file, first.readers);
    expect(first.parses()).toBe(1);
    // No source of its size yet: it is hashed in the one read that parses it.
    expect(first.hashedInRead()).toBe(bytes.length);
    const before = stored();
    const again = counting();
    const report = importOne(file, again.readers);
    expect(report.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/^pcap already imported as capture 1 of node n/) })]);
    expect(again.parses()).toBe(0);
    expect(stored()).toEqual(before);
    // The same file for another node is another capture of the one source.
    importOne(file, captureReaders, 'm');
    const after = stored();
    expect(after.sources).toEqual(before.sources);
    expect(after.captures.map((c) => [c.content_hash, c.source_id])).toEqual([[sha(bytes), 1], [sha(bytes), 1]]);
  });

  it('imports two different pcaps of the same size, each with its own hash', () => {
    const a = pcap([1, 2, 3]);
    const b = pcap([4, 5, 6]);
    expect(a.length).toBe(b.length);
    importOne(project().write('a.pcap', a));
    const second = counting();
    const report = importOne(project().write('b.pcap', b), second.readers);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(second.parses()).toBe(1);
    // A source of its size was there: it was hashed before it was read, not again while read.
    expect(second.hashedInRead()).toBe(0);
    const s = stored();
    expect(s.sources.map((x) => [x.sha256, x.size])).toEqual([[sha(a), a.length], [sha(b), b.length]]);
    expect(s.captures.map((c) => [c.content_hash, c.source_id, c.records])).toEqual([[sha(a), 1, 3], [sha(b), 2, 3]]);
  });

  it('finds a re-import whose source row is gone after reading it, and rolls the read back', () => {
    const bytes = pcap([1, 2, 3]);
    const file = project().write('a.pcap', bytes);
    importOne(file);
    store().db.exec('DELETE FROM sources');
    const before = stored();
    const report = importOne(file);
    expect(report.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/^pcap already imported as capture 1 of node n/) })]);
    expect(stored()).toEqual(before);
    expect(fs.existsSync(file)).toBe(true);
  });
});
