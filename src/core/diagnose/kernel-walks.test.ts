import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKernelTrace } from '../capture/kernel-trace/kernel-trace';
import { kernelWalks } from './kernel-walks';

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
