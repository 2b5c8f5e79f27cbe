/**
 * Every capture's time-ordered packets merged into one stream in time order (a k-way merge over the
 * captures' own time-ordered runs), so a flow seen by several captures is complete once time has passed it.
 * Time is the capture's own (plus the shift that placed an undated capture); equal times go in capture
 * order, and each capture's packets keep their own order.
 */
import type { CaptureTuple } from '../model/flow-store';
import type { PacketBlock } from '../model/packet-block';
import type { PacketRun } from '../model/packet-store';

export interface PacketStream {
  captureId: number;
  shiftSeconds: number;
  runs: Iterator<PacketRun>;
  /** The capture's tuples by id: packets without one (no IP 5-tuple) are passed over. */
  tuples: { get(tupleId: number): CaptureTuple | undefined };
}

export type MergeVisit<S extends PacketStream> = (stream: S, tuple: CaptureTuple, tupleId: number, block: PacketBlock, slot: number, time: number) => void;

interface Cursor<S extends PacketStream> {
  order: number;
  stream: S;
  run: PacketRun | null;
  k: number;
  time: number;
  tuple: CaptureTuple | undefined;
  tupleId: number;
}

/** Visits every packet of `streams` with a tuple, not a copy (`isCopy`), in time order. */
export function mergePacketStreams<S extends PacketStream>(
  streams: readonly S[], isCopy: (captureId: number, frame: number) => boolean, visit: MergeVisit<S>,
): void {
  const heap: Array<Cursor<S>> = [];
  for (let order = 0; order < streams.length; order++) {
    const c: Cursor<S> = { order, stream: streams[order]!, run: null, k: -1, time: 0, tuple: undefined, tupleId: 0 };
    if (advance(c, isCopy)) push(heap, c);
  }
  while (heap.length > 0) {
    const c = heap[0]!;
    visit(c.stream, c.tuple!, c.tupleId, c.run!.blocks[c.k]!, c.run!.slots[c.k]!, c.time);
    if (advance(c, isCopy)) siftDown(heap, 0);
    else {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(heap, 0);
      }
    }
  }
}

/** Moves the cursor to its stream's next packet worth visiting; false at the end. */
function advance<S extends PacketStream>(c: Cursor<S>, isCopy: (captureId: number, frame: number) => boolean): boolean {
  const { stream } = c;
  for (;;) {
    c.k++;
    if (c.run === null || c.k >= c.run.slots.length) {
      const next = stream.runs.next();
      if (next.done === true) {
        c.run = null;
        return false;
      }
      c.run = next.value;
      c.k = -1;
      continue;
    }
    const b = c.run.blocks[c.k]!;
    const slot = c.run.slots[c.k]!;
    if (isCopy(stream.captureId, b.frame(slot))) continue;
    const tupleId = b.tupleId(slot);
    const tuple = stream.tuples.get(tupleId);
    if (tuple === undefined) continue;
    c.tuple = tuple;
    c.tupleId = tupleId;
    // The same sum, in the same order, as the sighting's time: equal packets compare equal.
    c.time = b.tsSec(slot) + stream.shiftSeconds + b.tsNsec(slot) / 1e9;
    return true;
  }
}

function before<S extends PacketStream>(a: Cursor<S>, b: Cursor<S>): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}

function push<S extends PacketStream>(heap: Array<Cursor<S>>, c: Cursor<S>): void {
  let i = heap.length;
  heap.push(c);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(c, heap[parent]!)) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = c;
}

function siftDown<S extends PacketStream>(heap: Array<Cursor<S>>, i: number): void {
  const c = heap[i]!;
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
    if (!before(heap[child]!, c)) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = c;
}
