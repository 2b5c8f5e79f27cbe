import { describe, expect, it } from 'vitest';
import { RevisionCache } from './revision-cache';

/** A request the test answers when it likes, counting how often it was made. */
function deferred<V>() {
  let calls = 0;
  let answer: (v: V) => void = () => undefined;
  let refuse: (e: Error) => void = () => undefined;
  const fetch = (): Promise<V> => {
    calls++;
    return new Promise<V>((resolve, reject) => {
      answer = resolve;
      refuse = reject;
    });
  };
  return { fetch, answer: (v: V) => answer(v), refuse: (e: Error) => refuse(e), calls: () => calls };
}

describe('RevisionCache', () => {
  it('answers a second read of the same revision from memory, without asking again', async () => {
    const cache = new RevisionCache<string>();
    const rev = {};
    const req = deferred<string>();
    const first = cache.load(rev, 'summary', req.fetch);
    req.answer('graph');
    expect(await first).toBe('graph');
    expect(cache.peek(rev, 'summary')).toBe('graph');
    expect(await cache.load(rev, 'summary', req.fetch)).toBe('graph');
    expect(req.calls()).toBe(1);
  });

  it('hands a request still running to the next reader instead of asking twice', async () => {
    const cache = new RevisionCache<string>();
    const rev = {};
    const req = deferred<string>();
    const a = cache.load(rev, 'k', req.fetch);
    const b = cache.load(rev, 'k', req.fetch);
    req.answer('x');
    expect(await Promise.all([a, b])).toEqual(['x', 'x']);
    expect(req.calls()).toBe(1);
  });

  it('forgets everything when the project revision changes, and asks again', async () => {
    const cache = new RevisionCache<string>();
    const before = {};
    const after = {};
    cache.set(before, 'k', 'old');
    expect(cache.peek(after, 'k')).toBeUndefined();
    expect(cache.peek(before, 'k')).toBeUndefined();
    const req = deferred<string>();
    const answer = cache.load(after, 'k', req.fetch);
    req.answer('new');
    expect(await answer).toBe('new');
    expect(req.calls()).toBe(1);
  });

  it('does not keep an answer that arrives after the revision changed', async () => {
    const cache = new RevisionCache<string>();
    const before = {};
    const after = {};
    const req = deferred<string>();
    const late = cache.load(before, 'k', req.fetch);
    expect(cache.peek(after, 'k')).toBeUndefined();
    req.answer('for the old project');
    expect(await late).toBe('for the old project');
    expect(cache.peek(after, 'k')).toBeUndefined();
    expect(cache.latest()).toBeUndefined();
  });

  it('keeps no failed answer: the next read asks again', async () => {
    const cache = new RevisionCache<string>();
    const rev = {};
    const req = deferred<string>();
    const failing = cache.load(rev, 'k', req.fetch);
    req.refuse(new Error('server gone'));
    await expect(failing).rejects.toThrow('server gone');
    const again = cache.load(rev, 'k', req.fetch);
    req.answer('ok');
    expect(await again).toBe('ok');
    expect(req.calls()).toBe(2);
  });

  it('remembers the last value stored under any key or revision, to show while its successor is built', () => {
    const cache = new RevisionCache<string>();
    const before = {};
    cache.set(before, 'no traces', 'report 1');
    cache.set(before, 'one trace', 'report 2');
    expect(cache.peek({}, 'no traces')).toBeUndefined();
    expect(cache.latest()).toEqual({ key: 'one trace', value: 'report 2' });
  });
});
