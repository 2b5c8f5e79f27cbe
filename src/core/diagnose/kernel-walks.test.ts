import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKernelTrace } from '../capture/kernel-trace/kernel-trace';
import { cutKernelWalks, kernelWalks } from './kernel-walks';

const events = (name: string) => parseKernelTrace({ file: name, text: readFileSync(`test/fixtures/kernel-trace/${name}`, 'utf8'), firstLine: 1 }).events;

describe('kernel trace walks', () => {
  it('cuts the kernel log into one walk per packet (SYN, ACK, FIN of one connection), LOG lines included', () => {
    expect(kernelWalks(events('legacy-dmesg.txt')).map((w) => w.map((e) => e.line))).toEqual([
      [1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15],
    ]);
  });

  it('starts a new walk when a hook comes again for the same packet fields', () => {
    const [first] = events('legacy-dmesg.txt');
    const again = { ...first!, line: 99 };
    expect(kernelWalks([first!, again]).map((w) => w.map((e) => e.line))).toEqual([[1], [99]]);
  });

  it('keeps nftables trace ids together', () => {
    expect(kernelWalks(events('nft-monitor-trace.txt')).map((w) => w.length)).toEqual([8]);
  });
});

describe('nftables trace ids reused', () => {
  it('starts a new walk for a later packet that got the same trace id (another IP id, a hook met again)', () => {
    const [first, second, third] = events('xtables-monitor-trace.txt');
    const later = (e: typeof first, line: number) => ({ ...e!, line, packet: { ...e!.packet, ipId: 1862 } });
    expect(kernelWalks([first!, second!, third!, later(second, 20), later(third, 21)]).map((w) => w.map((e) => e.line))).toEqual([[2, 3, 5], [20, 21]]);
  });
});

describe('walks cut as the lines come', () => {
  it('tells each line\'s walk and ends every walk once: at a new walk of its key, or at the end of the lines', () => {
    const said: string[] = [];
    cutKernelWalks(events('legacy-dmesg.txt'), (e, walk) => said.push(`${e.line}:${walk}`), (walk) => said.push(`end ${walk}`));
    expect(said.filter((s) => s.startsWith('end'))).toEqual(['end 0', 'end 1', 'end 2']);
    expect(said.filter((s) => !s.startsWith('end')).map((s) => Number(s.split(':')[1]))).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it('ends the walks a gap of more than a second left behind once many are open, before the lines end', () => {
    const [first] = events('legacy-dmesg.txt');
    // 1,100 packets of other source ports, one a millisecond, then one three seconds later.
    const packet = (i: number, uptime: number) => ({ ...first!, line: i + 1, time: { ...first!.time, uptime }, packet: { ...first!.packet, sport: 10_000 + i } });
    const lines = Array.from({ length: 1100 }, (_, i) => packet(i, 100 + i / 1000));
    lines.push(packet(1100, 104));
    const ended = new Map<number, number>();
    let at = 0;
    cutKernelWalks(lines, (e) => { at = e.line; }, (walk) => ended.set(walk, at));
    expect(ended.size).toBe(1101);
    // Past 1,024 open walks, each line ends those more than a second behind it: the walk of line 1 at line 1,025 (1,025 open).
    expect(ended.get(0)).toBe(1025);
    expect([...ended].filter(([, line]) => line < 1101).every(([walk, line]) => lines[line - 1]!.time.uptime! - lines[walk]!.time.uptime! > 1)).toBe(true);
    // The rest end when the late line comes or at the end; the cut is kernelWalks' all the same.
    expect(kernelWalks(lines)).toHaveLength(1101);
  });
});
