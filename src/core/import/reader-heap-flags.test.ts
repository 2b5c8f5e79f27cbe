/** Pretenuring is off while any dump reader thread runs, and on again once the last has ended. */
import { describe, it, expect, vi, beforeEach } from 'vitest';
import path from 'node:path';

const setFlags = vi.fn<(flags: string) => void>();
vi.mock('node:v8', () => ({ default: { setFlagsFromString: (flags: string) => setFlags(flags) } }));

const { holdReaderHeapFlags, readerHeapFlagHolders } = await import('./reader-heap-flags');
const { startReaderThread } = await import('./dump-reader-start');

const WORKER = path.join(process.cwd(), 'out', 'cli', 'dump-reader-worker.cjs');

describe('the reader threads hold V8 pretenuring off', () => {
  beforeEach(() => setFlags.mockClear());

  it('switches it off for the first holder and on when the last lets go, whatever the order', () => {
    const first = holdReaderHeapFlags();
    const second = holdReaderHeapFlags();
    expect(setFlags.mock.calls).toEqual([['--no-allocation-site-pretenuring']]);
    first();
    first();
    expect(readerHeapFlagHolders()).toBe(1);
    expect(setFlags).toHaveBeenCalledTimes(1);
    second();
    expect(readerHeapFlagHolders()).toBe(0);
    expect(setFlags.mock.calls).toEqual([['--no-allocation-site-pretenuring'], ['--allocation-site-pretenuring']]);
    const again = holdReaderHeapFlags();
    expect(setFlags.mock.calls.at(-1)).toEqual(['--no-allocation-site-pretenuring']);
    again();
    expect(setFlags.mock.calls.at(-1)).toEqual(['--allocation-site-pretenuring']);
  });

  it('is held by a started reader thread until it has ended', async () => {
    const thread = startReaderThread(WORKER);
    expect(readerHeapFlagHolders()).toBe(1);
    expect(setFlags.mock.calls).toEqual([['--no-allocation-site-pretenuring']]);
    await thread.worker!.terminate();
    expect(readerHeapFlagHolders()).toBe(0);
    expect(setFlags.mock.calls.at(-1)).toEqual(['--allocation-site-pretenuring']);
  });
});
