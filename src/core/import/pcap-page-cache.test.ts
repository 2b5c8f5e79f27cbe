/** A pcap is stored with a small page cache (its blocks are appended, never read again), and the project's is put back. */
import { describe, expect, it } from 'vitest';
import { concat, pcapHeader, pcapRecord, udpFrame } from '../capture/pcap/capture-builder.fixture';
import type { Store } from '../model/store';
import { useTempProject } from '../../../test/support/temp-project';
import type { CaptureReaders } from './capture-readers';
import { importPathsWith } from './import-pipeline';
import { captureReaders } from './import-paths';

const project = useTempProject('pcap-page-cache');
const store = (): Store => project().store();
const cacheSize = (): number => store().db.pragma('cache_size', { simple: true }) as number;

describe('the page cache of a pcap import', () => {
  it('is 8 MiB while the packets are stored, and the project\'s own again afterwards, also when the file is rejected', () => {
    const seen: number[] = [];
    const readers: CaptureReaders = {
      ...captureReaders,
      readPacketCapture(file, sink, onProgress, onBytes, options) {
        seen.push(cacheSize());
        return captureReaders.readPacketCapture(file, sink, onProgress, onBytes, options);
      },
    };
    const before = cacheSize();
    expect(before).toBe(-65536);
    const good = project().write('a.pcap', concat([pcapHeader(1), ...[1, 2, 3].map((s) => pcapRecord(s, 0, udpFrame()))]));
    expect(importPathsWith(readers, store(), [good], { node: 'n' }).errors).toEqual([]);
    const truncated = project().write('b.pcap', concat([pcapHeader(1), pcapRecord(1, 0, udpFrame()), new Uint8Array(5)]));
    expect(importPathsWith(readers, store(), [truncated], { node: 'n' }).errors).toHaveLength(1);
    expect(seen).toEqual([-8192, -8192]);
    expect(cacheSize()).toBe(before);
  });
});
