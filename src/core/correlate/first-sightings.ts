/**
 * What pass 1 of a stitch keeps, as numbers: each pair's earliest sighting (for inferred links) and the SYNs and
 * SYN-ACKs by the initial sequence number they carry (for links by sequence number). A sighting is a few typed
 * slots (time, node, interface, tuple ref), not an object and a key string, so a capture of a million short
 * connections costs tens of bytes per connection here. Tuples are PairKeys refs; names are interned.
 */
import { GrowableFloat64, GrowableInt32, NumberMap } from '../common/number-map';
import type { FlowTuple } from './flow-key';
import type { PairKeys } from './pair-keys';

/** A sighting made back into values (for the simulator and link reasons). */
export interface Sighting {
  time: number;
  node: string;
  iface: string | null;
  tuple: FlowTuple;
  /** PairKeys ref of `tuple`. */
  ref: number;
}

/** Node and interface names as small integers (0: null). */
export class NameIds {
  private readonly ids = new Map<string, number>();
  private readonly names: Array<string | null> = [null];

  id(name: string | null): number {
    if (name === null) return 0;
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  name(id: number): string | null {
    return this.names[id] ?? null;
  }
}

/** Sightings in columns, by index (from 0). */
class SightingColumns {
  readonly time = new GrowableFloat64(NaN);
  readonly node = new GrowableInt32(0);
  readonly iface = new GrowableInt32(0);
  readonly ref = new GrowableInt32(0);
  count = 0;

  add(time: number, node: number, iface: number, ref: number): number {
    const i = this.count++;
    this.time.set(i, time);
    this.node.set(i, node);
    this.iface.set(i, iface);
    this.ref.set(i, ref);
    return i;
  }
}

/** Each pair's earliest sighting, in the order pairs were first noted. */
export class FirstSightings {
  /** Pair id → sighting index + 1 (0: never seen). */
  private readonly byPair = new GrowableInt32(0);
  private readonly seen = new SightingColumns();
  /** Pair ids in the order they were first noted. */
  private readonly order = new GrowableInt32(0);
  private noted = 0;

  constructor(private readonly keys: PairKeys, private readonly names: NameIds) {}

  /** Notes a sighting of the tuple `ref`; it becomes its pair's first when it is earlier than the one kept. */
  note(ref: number, time: number, node: string, iface: string | null): void {
    const pair = ref >>> 1;
    const at = this.byPair.get(pair);
    if (at === 0) {
      this.order.set(this.noted++, pair);
      this.byPair.set(pair, this.seen.add(time, this.names.id(node), this.names.id(iface), ref) + 1);
    } else if (time < this.seen.time.get(at - 1)) {
      const i = at - 1;
      this.seen.time.set(i, time);
      this.seen.node.set(i, this.names.id(node));
      this.seen.iface.set(i, this.names.id(iface));
      this.seen.ref.set(i, ref);
    }
  }

  /** The time of the pair's first sighting (NaN: never seen). */
  timeOf(pair: number): number {
    const at = this.byPair.get(pair);
    return at === 0 ? NaN : this.seen.time.get(at - 1);
  }

  has(pair: number): boolean {
    return this.byPair.get(pair) !== 0;
  }

  /** Every pair seen, in the order first noted, with its first sighting. */
  *inOrder(): Generator<[pair: number, first: Sighting]> {
    for (let k = 0; k < this.noted; k++) {
      const pair = this.order.get(k);
      const i = this.byPair.get(pair) - 1;
      const ref = this.seen.ref.get(i);
      yield [pair, {
        time: this.seen.time.get(i), node: this.names.name(this.seen.node.get(i))!, iface: this.names.name(this.seen.iface.get(i)),
        tuple: this.keys.tuple(ref), ref,
      }];
    }
  }
}

/** A SYN of another tuple with the same ISN ('syn'), or a SYN-ACK acknowledging it ('syn-ack'). */
export type IsnSighting = Sighting & { kind: 'syn' | 'syn-ack' };

const KIND_SYN = 0;
const KIND_SYN_ACK = 1;
/** Sightings kept per ISN besides its SYN. */
const PER_ISN = 8;

/**
 * TCP initial sequence number → the earliest SYN carrying it, and the other sightings naming it (SYNs of other
 * tuples, SYN-ACKs acknowledging it), at most PER_ISN per ISN, one per pair, in the order they came.
 */
export class IsnSightings {
  private readonly rows = new SightingColumns();
  private readonly kind = new GrowableInt32(0);
  /** Next sighting of the same ISN's list + 1 (0: the last). */
  private readonly next = new GrowableInt32(0);
  /** ISN → its entry: the row of its earliest SYN and the first row of its list (-1: none), in columns by entry. */
  private readonly entryOf = new NumberMap();
  private readonly entrySyn = new GrowableInt32(-1);
  private readonly entryList = new GrowableInt32(-1);
  private entries = 0;
  /** ISNs with a list, in the order their lists began. */
  private readonly isns = new GrowableFloat64(0);
  private lists = 0;

  constructor(private readonly keys: PairKeys, private readonly names: NameIds) {}

  /** A SYN (no ACK flag) with sequence number `seq`. */
  noteSyn(seq: number, ref: number, time: number, node: string, iface: string | null): void {
    const entry = this.entry(seq);
    const known = this.entrySyn.get(entry);
    if (known < 0) {
      this.entrySyn.set(entry, this.rows.add(time, this.names.id(node), this.names.id(iface), ref));
      return;
    }
    // The earliest SYN is the upstream one; others with the same ISN are its translations downstream.
    if (time < this.rows.time.get(known)) {
      this.entrySyn.set(entry, this.rows.add(time, this.names.id(node), this.names.id(iface), ref));
      const otherRef = this.rows.ref.get(known);
      if (otherRef >>> 1 !== ref >>> 1) this.push(seq, otherRef, this.rows.time.get(known), this.rows.node.get(known), this.rows.iface.get(known), KIND_SYN);
    } else if (this.rows.ref.get(known) >>> 1 !== ref >>> 1) {
      this.push(seq, ref, time, this.names.id(node), this.names.id(iface), KIND_SYN);
    }
  }

  /** A SYN-ACK acknowledging `isn` (its ack - 1). */
  noteSynAck(isn: number, ref: number, time: number, node: string, iface: string | null): void {
    this.push(isn, ref, time, this.names.id(node), this.names.id(iface), KIND_SYN_ACK);
  }

  /** Every ISN with both a SYN and other sightings, in the order their lists began. */
  *pairs(): Generator<[isn: number, syn: Sighting, others: IsnSighting[]]> {
    for (let k = 0; k < this.lists; k++) {
      const isn = this.isns.get(k);
      const entry = this.entryOf.get(isn);
      const syn = this.entrySyn.get(entry);
      if (syn < 0) continue;
      const others: IsnSighting[] = [];
      for (let i = this.entryList.get(entry); i >= 0; i = this.next.get(i) - 1) {
        others.push({ ...this.sighting(i), kind: this.kind.get(i) === KIND_SYN ? 'syn' : 'syn-ack' });
      }
      yield [isn, this.sighting(syn), others];
    }
  }

  private sighting(i: number): Sighting {
    const ref = this.rows.ref.get(i);
    return {
      time: this.rows.time.get(i), node: this.names.name(this.rows.node.get(i))!, iface: this.names.name(this.rows.iface.get(i)),
      tuple: this.keys.tuple(ref), ref,
    };
  }

  /** The ISN's entry, made when new. */
  private entry(isn: number): number {
    let entry = this.entryOf.get(isn);
    if (entry < 0) this.entryOf.set(isn, (entry = this.entries++));
    return entry;
  }

  private push(isn: number, ref: number, time: number, node: number, iface: number, kind: number): void {
    const entry = this.entry(isn);
    const head = this.entryList.get(entry);
    let tail = -1;
    let length = 0;
    for (let i = head; i >= 0; i = this.next.get(i) - 1) {
      if (this.rows.ref.get(i) >>> 1 === ref >>> 1) return;
      tail = i;
      length++;
    }
    if (length >= PER_ISN) return;
    const row = this.rows.add(time, node, iface, ref);
    this.kind.set(row, kind);
    if (tail < 0) {
      this.entryList.set(entry, row);
      this.isns.set(this.lists++, isn);
    } else {
      this.next.set(tail, row + 1);
    }
  }
}
