/**
 * Clock alignment across nodes. The same TCP segment (flow, direction, seq, ack, flags, length) seen on
 * two nodes gives one sample of (their clock difference ± the wire delay). Segments travel one way in one
 * direction of a connection and the other way in the other, so averaging the two directions' medians
 * cancels the delay, as NTP does. Nothing is reordered: offsets are reported beside the raw times.
 */

export interface ClockOffset {
  node: string;
  /** Add to this node's timestamps to express them on the reference node's clock. */
  offsetSeconds: number;
  reference: string;
  /** Shared segments behind the estimate (0 for the reference node). */
  samples: number;
}

interface Sighting {
  node: string;
  time: number;
}

const MAX_PENDING = 100_000;

interface PairSamples {
  original: number[];
  reply: number[];
}

export class ClockAligner {
  /** Per direction: segment signature → where and when it was first seen. Numbers cost no allocation. */
  private readonly firstSighting = { original: new Map<string | number, Sighting>(), reply: new Map<string | number, Sighting>() };
  /** a → b (a < b) → samples of time(b) - time(a) per direction. */
  private readonly samples = new Map<string, Map<string, PairSamples>>();

  add(signature: string | number, direction: 'original' | 'reply', node: string, time: number): void {
    const first = this.firstSighting[direction];
    const seen = first.get(signature);
    if (!seen) {
      if (first.size < MAX_PENDING) first.set(signature, { node, time });
      return;
    }
    if (seen.node === node) return;
    const [a, b, d] = seen.node < node ? [seen.node, node, time - seen.time] : [node, seen.node, seen.time - time];
    let byB = this.samples.get(a);
    if (!byB) this.samples.set(a, (byB = new Map()));
    let pair = byB.get(b);
    if (!pair) byB.set(b, (pair = { original: [], reply: [] }));
    const list = pair[direction];
    if (list.length < 10_000) list.push(d);
  }

  /** Offsets of every node reachable through shared segments, relative to the best-connected node. */
  offsets(nodes: string[]): ClockOffset[] {
    const edges = new Map<string, Array<{ to: string; delta: number; samples: number }>>();
    for (const [a, byB] of this.samples) {
      for (const [b, { original: orig, reply }] of byB) {
        const medians = [orig, reply].filter((s) => s.length > 0).map(median);
        if (medians.length === 0) continue;
        // time(b) - time(a) ≈ clock(b) - clock(a): add it to b's times to land on a's clock, negated.
        const delta = medians.reduce((x, y) => x + y, 0) / medians.length;
        const n = orig.length + reply.length;
        push(edges, a, { to: b, delta: -delta, samples: n });
        push(edges, b, { to: a, delta, samples: n });
      }
    }
    const reference = [...nodes].sort((x, y) => (edges.get(y)?.length ?? 0) - (edges.get(x)?.length ?? 0) || x.localeCompare(y))[0];
    if (reference === undefined) return [];
    const result = new Map<string, ClockOffset>([[reference, { node: reference, offsetSeconds: 0, reference, samples: 0 }]]);
    const queue = [reference];
    while (queue.length > 0) {
      const from = queue.shift()!;
      const base = result.get(from)!.offsetSeconds;
      for (const e of edges.get(from) ?? []) {
        if (result.has(e.to)) continue;
        result.set(e.to, { node: e.to, offsetSeconds: base + e.delta, reference, samples: e.samples });
        queue.push(e.to);
      }
    }
    return [...result.values()];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
