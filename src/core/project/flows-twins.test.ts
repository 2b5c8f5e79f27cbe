import { describe, expect, it } from 'vitest';
import type { PacketCaptureRow } from '../model/flow-store';
import { isUndated, nearestDayShift } from './flows-twins';

const capture = (kind: PacketCaptureRow['kind'], clock?: 'time-of-day' | 'epoch' | 'since-first'): PacketCaptureRow => ({
  id: 1, nodeId: 1, node: 'n', kind, sourceFile: 'x.txt', firstLine: 1, command: null, netns: null,
  detail: { linkTypes: [], interfaces: [], ...(clock ? { clock } : {}) },
});

describe('undated captures', () => {
  it('are tcpdump text printed with times of day; a capture without its clock stored is judged by its first time', () => {
    expect(isUndated(capture('tcpdump-text', 'time-of-day'), 81_825)).toBe(true);
    expect(isUndated(capture('tcpdump-text', 'since-first'), 0)).toBe(false);
    expect(isUndated(capture('tcpdump-text', 'epoch'), 1_795_473_825)).toBe(false);
    expect(isUndated(capture('pcap'), 81_825)).toBe(false);
    expect(isUndated(capture('tcpdump-text'), 81_825)).toBe(true);
    expect(isUndated(capture('tcpdump-text'), 0)).toBe(false);
    expect(isUndated(capture('tcpdump-text'), 1_795_473_825)).toBe(false);
  });

  it('move by whole days to the reference', () => {
    expect(nearestDayShift(81_825, 1_795_473_830)).toBe(1_795_392_000);
    expect(nearestDayShift(81_825, 1_795_392_000 + 100)).toBe(1_795_392_000 - 86_400);
  });
});
