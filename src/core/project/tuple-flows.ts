import type { FlowTuple } from '../correlate/flow-key';

/**
 * Each (capture, packet tuple) → a positive number (its pair-key ref, its flow) for every tuple of every capture
 * until the flows are written: numbers in typed arrays, not a Map entry per tuple. A capture's packet_tuples ids
 * are one range, nearly dense (a capture's tuples are written together), so a slot per id in the range costs 4
 * bytes; a capture whose ids are scattered falls back to a Map.
 */
export class TupleNumbers {
  private readonly byCapture = new Map<number, RangeSlots | Map<number, number>>();

  /** Makes room for a capture's tuple ids (before any set for it). */
  reserve(captureId: number, tupleIds: Iterable<number>): void {
    const range = denseRange(tupleIds);
    this.byCapture.set(captureId, range !== null ? new RangeSlots(range.min, range.span) : new Map());
  }

  get(captureId: number, tupleId: number): number | undefined {
    return this.byCapture.get(captureId)?.get(tupleId);
  }

  has(captureId: number, tupleId: number): boolean {
    return this.get(captureId, tupleId) !== undefined;
  }

  /** Sets the tuple's number (positive). */
  set(captureId: number, tupleId: number, flow: number): void {
    let slots = this.byCapture.get(captureId);
    if (slots === undefined) this.byCapture.set(captureId, (slots = new Map()));
    if (slots instanceof RangeSlots && !slots.covers(tupleId)) {
      const map = new Map(slots.entries());
      this.byCapture.set(captureId, map);
      slots = map;
    }
    slots.set(tupleId, flow);
  }

  /** Visits a capture's (tuple id, flow) pairs as entries() orders them, with no pair made per tuple. */
  forEach(captureId: number, visit: (tupleId: number, flow: number) => void): void {
    const slots = this.byCapture.get(captureId);
    if (slots instanceof RangeSlots) slots.forEach(visit);
    else if (slots !== undefined) for (const [id, flow] of slots) visit(id, flow);
  }

  /** A capture's (tuple id, flow) pairs in tuple id order (range) or insertion order (fallback). */
  *entries(captureId: number): Generator<[number, number]> {
    const slots = this.byCapture.get(captureId);
    if (slots !== undefined) yield* slots.entries();
  }
}

class RangeSlots {
  private readonly flows: Int32Array;

  constructor(private readonly min: number, span: number) {
    this.flows = new Int32Array(span);
  }

  covers(tupleId: number): boolean {
    return tupleId >= this.min && tupleId - this.min < this.flows.length;
  }

  get(tupleId: number): number | undefined {
    if (!this.covers(tupleId)) return undefined;
    const f = this.flows[tupleId - this.min]!;
    return f === 0 ? undefined : f;
  }

  set(tupleId: number, flow: number): void {
    if (flow <= 0) throw new RangeError(`tuple numbers are positive (got ${flow})`);
    this.flows[tupleId - this.min] = flow;
  }

  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.flows.length; i++) if (this.flows[i] !== 0) yield [this.min + i, this.flows[i]!];
  }

  forEach(visit: (tupleId: number, flow: number) => void): void {
    for (let i = 0; i < this.flows.length; i++) if (this.flows[i] !== 0) visit(this.min + i, this.flows[i]!);
  }
}

/**
 * A capture's tuples by id, made from the pair-key refs pass 1 noted (`refs`) rather than kept as the stored blocks:
 * 4 bytes a tuple for the whole stitch. The last few thousand made are kept, so a capture's packets (close together
 * in time, few tuples at once) mostly find theirs made already and pass the same object to the builder's caches.
 */
export class RefTuples {
  private readonly made = new Map<number, FlowTuple>();

  constructor(
    private readonly refs: TupleNumbers,
    private readonly captureId: number,
    private readonly tupleOf: (ref: number) => FlowTuple,
  ) {}

  /** The tuple with this id, or undefined when pass 1 gave it no ref (no IP tuple, or only copies of a twin's packets). */
  get(tupleId: number): FlowTuple | undefined {
    const known = this.made.get(tupleId);
    if (known !== undefined) return known;
    const ref = this.refs.get(this.captureId, tupleId);
    if (ref === undefined) return undefined;
    const t = this.tupleOf(ref);
    if (this.made.size >= MADE_LIMIT) this.made.clear();
    this.made.set(tupleId, t);
    return t;
  }
}

/**
 * Tuples RefTuples keeps made per capture. Not fewer: pass 2's per-tuple cache is keyed by the tuple object, so a
 * tuple made again misses it. With 512, a project whose 192k flows were all open at once (1M packets, tuples reused
 * by 500k connections) peaked at 2.4 GB and 71 s CPU instead of 2.1 GB and 59 s.
 */
const MADE_LIMIT = 4096;

/**
 * Each (capture, packet tuple) → the raw times of its first and last packet, from pass 1: two float64 slots per
 * tuple id in the capture's range (a scattered capture falls back to a Map).
 */
export class TupleTimes {
  private readonly byCapture = new Map<number, { min: number; first: Float64Array; last: Float64Array } | Map<number, [number, number]>>();

  /** Makes room for a capture's tuple ids (before any note for it). */
  reserve(captureId: number, tupleIds: Iterable<number>): void {
    const range = denseRange(tupleIds);
    this.byCapture.set(captureId, range !== null
      ? { min: range.min, first: new Float64Array(range.span).fill(NaN), last: new Float64Array(range.span).fill(NaN) }
      : new Map());
  }

  /** A packet of the tuple at `time`. */
  note(captureId: number, tupleId: number, time: number): void {
    let slots = this.byCapture.get(captureId);
    if (slots === undefined) this.byCapture.set(captureId, (slots = new Map()));
    if (slots instanceof Map) {
      const t = slots.get(tupleId);
      if (t === undefined) slots.set(tupleId, [time, time]);
      else {
        if (time < t[0]) t[0] = time;
        if (time > t[1]) t[1] = time;
      }
      return;
    }
    const i = tupleId - slots.min;
    if (i < 0 || i >= slots.first.length) {
      const map = new Map<number, [number, number]>();
      for (let k = 0; k < slots.first.length; k++) if (!Number.isNaN(slots.first[k]!)) map.set(slots.min + k, [slots.first[k]!, slots.last[k]!]);
      this.byCapture.set(captureId, map);
      this.note(captureId, tupleId, time);
      return;
    }
    const f = slots.first[i]!;
    if (Number.isNaN(f) || time < f) slots.first[i] = time;
    if (Number.isNaN(slots.last[i]!) || time > slots.last[i]!) slots.last[i] = time;
  }

  /** The tuple's first and last packet time, or undefined when it had none. */
  get(captureId: number, tupleId: number): [first: number, last: number] | undefined {
    const slots = this.byCapture.get(captureId);
    if (slots === undefined) return undefined;
    if (slots instanceof Map) return slots.get(tupleId);
    const i = tupleId - slots.min;
    if (i < 0 || i >= slots.first.length || Number.isNaN(slots.first[i]!)) return undefined;
    return [slots.first[i]!, slots.last[i]!];
  }

  /** Lets a capture's times go. */
  drop(captureId: number): void {
    this.byCapture.delete(captureId);
  }
}

/** The range of a capture's tuple ids when a slot per id in it is cheap (nearly dense); null when they are few or scattered. */
function denseRange(tupleIds: Iterable<number>): { min: number; span: number } | null {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (const id of tupleIds) {
    if (id < min) min = id;
    if (id > max) max = id;
    count++;
  }
  const span = max - min + 1;
  return count > 0 && span <= 4 * count + 1024 ? { min, span } : null;
}
