/** A pcap's progress reports never say more of the file than the packets they count: 100% comes with every packet. */
import { describe, expect, it } from 'vitest';
import { concat, pcapHeader, pcapRecord, udpFrame } from '../capture/pcap/capture-builder.fixture';
import { CHUNK_BYTES } from '../capture/pcap/file-chunks';
import type { ImportProgress } from './import-report';
import { useTempProject } from '../../../test/support/temp-project';
import { importPaths } from './import-paths';

const project = useTempProject('pcap-progress');

describe('pcap import progress', () => {
  it('counts every packet of the bytes it reports, and ends at the whole file with every packet', () => {
    const frame = udpFrame();
    // Three read pieces' worth of records: the reader reports each piece as it reads it, before its packets are counted.
    const packets = Math.ceil((3 * CHUNK_BYTES) / (16 + frame.length));
    const bytes = concat([pcapHeader(1), ...Array.from({ length: packets }, (_, i) => pcapRecord(i, 0, frame))]);
    const file = project().write('three-pieces.pcap', bytes);
    const seen: ImportProgress[] = [];
    const report = importPaths(project().store(), [file], { node: 'n', onProgress: (p) => seen.push({ ...p }) });
    expect(report.errors).toEqual([]);
    expect(report.nodes[0]?.captures[0]?.records).toBe(packets);
    expect(seen.length).toBeGreaterThan(2);
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ bytesDone: bytes.length, bytesTotal: bytes.length, records: packets });
    const perRecord = 16 + frame.length;
    for (const p of seen) {
      // Every record that lies wholly within the bytes reported is counted.
      expect(p.records).toBeGreaterThanOrEqual(Math.floor(((p.bytesDone ?? 0) - 24) / perRecord));
    }
    expect(seen.filter((p) => p.bytesDone === bytes.length)).toHaveLength(1);
  });
});
