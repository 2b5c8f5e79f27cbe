/**
 * What a tab read from the server, kept outside its component: only the visible tab is mounted, and without
 * this every switch back to a tab asked again (the topology summary, a report preview). Entries belong to one
 * project revision (App's snapshot, replaced after every import or edit); touching the cache with another
 * revision forgets them. A request still running when its tab unmounts is handed to the next mount instead of
 * being asked again; one that fails is not kept, so the next mount asks again.
 */
export class RevisionCache<V> {
  private revision: unknown = undefined;
  private readonly values = new Map<string, V>();
  private readonly pending = new Map<string, Promise<V>>();
  private last: { key: string; value: V } | undefined = undefined;

  /** The value stored for this revision and key, if any. */
  peek(revision: unknown, key: string): V | undefined {
    this.enter(revision);
    return this.values.get(key);
  }

  /** The value stored last, under any revision, with its key: what to show while its successor is built. */
  latest(): { key: string; value: V } | undefined {
    return this.last;
  }

  set(revision: unknown, key: string, value: V): void {
    this.enter(revision);
    this.values.set(key, value);
    this.last = { key, value };
  }

  /** The stored value, the request already running for it, or a new request by `fetch` (kept when it answers for the current revision). */
  load(revision: unknown, key: string, fetch: () => Promise<V>): Promise<V> {
    this.enter(revision);
    if (this.values.has(key)) return Promise.resolve(this.values.get(key) as V);
    const running = this.pending.get(key);
    if (running !== undefined) return running;
    const request = fetch().then(
      (value) => {
        if (this.pending.get(key) === request) {
          this.pending.delete(key);
          this.set(revision, key, value);
        }
        return value;
      },
      (err: unknown) => {
        if (this.pending.get(key) === request) this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, request);
    return request;
  }

  private enter(revision: unknown): void {
    if (Object.is(revision, this.revision)) return;
    this.revision = revision;
    this.values.clear();
    this.pending.clear();
  }
}
