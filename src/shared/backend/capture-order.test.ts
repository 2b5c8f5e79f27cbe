import { describe, expect, it } from 'vitest';
import type { CaptureRow } from '../contract/api';
import { compareCaptures } from './handlers';

const row = (id: number, node: string, source: string, takenAt: string | null = null): CaptureRow => ({ id, node, kind: 'conntrack', source, takenAt });

describe('the capture list order', () => {
  it('puts a transcript\'s captures without a time in the order of their lines, not of their line numbers\' text', () => {
    const rows = [row(1, 'w1', 't.txt:1044'), row(2, 'w1', 't.txt:435'), row(3, 'w1', 't.txt:90'), row(4, 'w1', 't.txt:1111')];
    expect([...rows].sort(compareCaptures).map((r) => r.source)).toEqual(['t.txt:90', 't.txt:435', 't.txt:1044', 't.txt:1111']);
  });
  it('keeps timed captures first, oldest first, then node-2 before node-10', () => {
    const rows = [row(1, 'node-10', 'a.txt:1'), row(2, 'node-2', 'a.txt:1'), row(3, 'node-10', 'b.txt:1', '2026-11-23T22:43:45Z'), row(4, 'node-2', 'b.txt:1', '2026-11-23T22:43:46Z')];
    expect([...rows].sort(compareCaptures).map((r) => r.id)).toEqual([3, 4, 2, 1]);
  });
});
