/** Progress reports never say a file is read whole before every record of it is counted: 100% comes with all of them. */
import { describe, expect, it } from 'vitest';
import { concat, pcapHeader, pcapRecord, udpFrame } from '../capture/pcap/capture-builder.fixture';
import { CHUNK_BYTES } from '../capture/pcap/file-chunks';
import type { ImportProgress } from './import-report';
import { useTempProject } from '../../../test/support/temp-project';
import { importPaths } from './import-paths';

const project = useTempProject('import-progress');

describe('import progress', () => {
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

  it('reports an iptables-save dump whole only with every rule written', () => {
    // Large enough for the dump reader's thread, which reads ahead of the rows written.
    const rules = 60_000;
    const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
    for (let i = 0; i < rules; i++) lines.push(`-A INPUT -s 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m tcp --dport ${1 + (i % 60000)} -j ACCEPT`);
    lines.push('COMMIT', '');
    const text = lines.join('\n');
    const file = project().write('many-rules.save', text);
    const seen: ImportProgress[] = [];
    const report = importPaths(project().store(), [file], { node: 'n', onProgress: (p) => seen.push({ ...p }) });
    expect(report.errors).toEqual([]);
    expect(report.nodes[0]?.captures[0]?.records).toBe(rules);
    const whole = seen.filter((p) => p.bytesDone === p.bytesTotal);
    expect(whole).toEqual([{ file, bytesDone: Buffer.byteLength(text), bytesTotal: Buffer.byteLength(text), records: rules }]);
    expect(seen[seen.length - 1]).toEqual(whole[0]);
  });
});
