import { describe, it, expect } from 'vitest';
import type { CliIo } from './cli-io';
import { ProgressLine } from './progress-line';

function io(tty: boolean): CliIo & { err: string[] } {
  const err: string[] = [];
  return { err, stdout: () => undefined, stderr: (t) => err.push(t), stderrIsTty: tty };
}

const MB = 1048576;

describe('ProgressLine', () => {
  it('writes one line per 10% of a large file when stderr is not a terminal', () => {
    const out = io(false);
    const line = new ProgressLine(out);
    for (let done = 0; done <= 100 * MB; done += MB) line.update({ file: 'big.pcap', bytesDone: done, bytesTotal: 100 * MB, records: Math.floor(done / 100) });
    expect(out.err.length).toBe(10);
    expect(out.err[0]).toMatch(/^natlens: importing big\.pcap: 10% \(10\.0 of 100\.0 MB\), [\d,]+ records\n$/);
  });

  it('stays quiet off a terminal for small files and for progress without a byte count', () => {
    const out = io(false);
    const line = new ProgressLine(out);
    line.update({ file: 'small.pcap', bytesDone: MB, bytesTotal: 2 * MB, records: 10 });
    line.update({ file: 'big.txt', bytesDone: null, bytesTotal: 100 * MB, records: 10 });
    expect(out.err).toEqual([]);
  });

  it('redraws one line in place on a terminal and clears it at the end', () => {
    const out = io(true);
    const line = new ProgressLine(out);
    line.update({ file: 'a.pcap', bytesDone: 1, bytesTotal: 2, records: 1 });
    line.end();
    expect(out.err[0]).toMatch(/^\r\x1b\[K.*a\.pcap: 50%/);
    expect(out.err[1]).toBe('\r\x1b[K');
  });
});
