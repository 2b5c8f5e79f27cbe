/**
 * The pair keys of flow-key.ts (a tuple and its reverse share one) as small integers, so what a stitch keeps
 * per connection is numbers in typed arrays, not a key string and an object per tuple. Addresses are interned
 * (a project has far fewer addresses than connections); a pair is (proto, end A, end B) with A the lesser end
 * by (address id, port). A tuple is a *ref*: its pair's id × 2, plus 1 when it runs from B to A. Two tuples
 * have one pair id exactly when their pairKey strings are equal.
 */
import { keyedEchoId, type FlowTuple } from './flow-key';

/** The port slot of a port-less end (icmp without a known echo id, other protocols): no port number takes it. */
const NO_PORT = 0x10000;
/**
 * An icmp tuple keyed on its echo id (flow-key.ts keyedEchoId) holds the id in both ends' port slots, the same both
 * ways, and this flag in end B's (its own word, so no port pair is taken for it).
 */
const ECHO = 0x20000;
/** A pair's record: 4 int32 (end A's address id, end B's, protocol << 17 | A's port slot, B's port slot), in pages. */
const PAGE_BITS = 11;
const PAGE_PAIRS = 1 << PAGE_BITS;

export class PairKeys {
  private readonly addressIds = new Map<string, number>();
  private readonly addresses: string[] = [];
  /** Per pair id (from 1): its record, in pages made as pairs come (no copy as they grow). */
  private readonly pages: Int32Array[] = [];
  /** Open addressing over pair ids (0: empty slot). */
  private slots = new Int32Array(2048);
  private count = 0;

  /** Pairs interned so far; ids run from 1 to this. */
  get size(): number {
    return this.count;
  }

  /** The tuple's ref, interning its pair when new. */
  ref(t: FlowTuple): number {
    return this.find(t, true);
  }

  /** The tuple's ref, or 0 when its pair was never interned. */
  lookup(t: FlowTuple): number {
    return this.find(t, false);
  }

  /** The protocol of a ref's tuple. */
  protoOf(ref: number): number {
    const id = ref >>> 1;
    return this.pages[id >>> PAGE_BITS]![((id & (PAGE_PAIRS - 1)) << 2) + 2]! >>> 17;
  }

  /** The tuple a ref stands for (a new object, equal in every field to the one interned). */
  tuple(ref: number): FlowTuple {
    const id = ref >>> 1;
    const page = this.pages[id >>> PAGE_BITS]!;
    const at = (id & (PAGE_PAIRS - 1)) << 2;
    const a = this.addresses[page[at]!]!;
    const b = this.addresses[page[at + 1]!]!;
    const pa = page[at + 2]! & 0x1ffff;
    const pb = page[at + 3]!;
    const proto = page[at + 2]! >>> 17;
    if ((pb & ECHO) !== 0) {
      return (ref & 1) === 0
        ? { proto, src: a, sport: null, dst: b, dport: null, echoId: pa }
        : { proto, src: b, sport: null, dst: a, dport: null, echoId: pa };
    }
    const sa = pa === NO_PORT ? null : pa;
    const sb = pb === NO_PORT ? null : pb;
    return (ref & 1) === 0
      ? { proto, src: a, sport: sa, dst: b, dport: sb }
      : { proto, src: b, sport: sb, dst: a, dport: sa };
  }

  private addressId(address: string, add: boolean): number {
    let id = this.addressIds.get(address);
    if (id === undefined) {
      if (!add) return -1;
      id = this.addresses.length;
      this.addresses.push(address);
      this.addressIds.set(address, id);
    }
    return id;
  }

  private find(t: FlowTuple, add: boolean): number {
    const s = this.addressId(t.src, add);
    const d = this.addressId(t.dst, add);
    if (s < 0 || d < 0) return 0;
    const echo = keyedEchoId(t);
    const sp = echo ?? t.sport ?? NO_PORT;
    const dp = echo ?? t.dport ?? NO_PORT;
    if (echo !== null && !(echo >= 0 && echo <= 0xffff)) throw new RangeError(`PairKeys: icmp echo id ${echo} out of range`);
    // pairKey orders the ends as text; any fixed order serves, as only equality of keys is ever asked.
    const forward = s < d || (s === d && sp <= dp);
    const aa = forward ? s : d;
    const pa = forward ? sp : dp;
    const ab = forward ? d : s;
    const pb = forward ? dp : sp;
    // Packed into the record: a value outside these ranges would alias another pair, so it is refused.
    if (!(t.proto >= 0 && t.proto <= 0x3fff && sp >= 0 && sp <= NO_PORT && dp >= 0 && dp <= NO_PORT)) {
      throw new RangeError(`PairKeys: protocol ${t.proto} or ports ${t.sport}, ${t.dport} out of range`);
    }
    const protoPort = (t.proto << 17) | pa;
    const endB = echo === null ? pb : pb | ECHO;
    const { pages } = this;
    const h = pairHash(t.proto, aa, pa, ab, endB);
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = this.slots[i]!;
      if (id === 0) {
        if (!add) return 0;
        const next = ++this.count;
        let page = pages[next >>> PAGE_BITS];
        if (page === undefined) pages.push((page = new Int32Array(PAGE_PAIRS * 4)));
        const at = (next & (PAGE_PAIRS - 1)) << 2;
        page[at] = aa;
        page[at + 1] = ab;
        page[at + 2] = protoPort;
        page[at + 3] = endB;
        this.slots[i] = next;
        if (this.count * 2 > this.slots.length) this.rehash();
        return next * 2 + (forward ? 0 : 1);
      }
      const page = pages[id >>> PAGE_BITS]!;
      const at = (id & (PAGE_PAIRS - 1)) << 2;
      if (page[at + 2] === protoPort && page[at] === aa && page[at + 1] === ab && page[at + 3] === endB) {
        return id * 2 + (forward ? 0 : 1);
      }
    }
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 1; id <= this.count; id++) {
      const page = this.pages[id >>> PAGE_BITS]!;
      const at = (id & (PAGE_PAIRS - 1)) << 2;
      const h = pairHash(page[at + 2]! >>> 17, page[at]!, page[at + 2]! & 0x1ffff, page[at + 1]!, page[at + 3]!);
      let i = h & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.slots = slots;
  }
}

function pairHash(proto: number, aa: number, pa: number, ab: number, pb: number): number {
  let h = Math.imul(proto ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ aa, 0xc2b2ae35);
  h = Math.imul(h ^ pa, 0x85ebca6b);
  h = Math.imul(h ^ ab, 0xc2b2ae35);
  h = Math.imul(h ^ pb, 0x27d4eb2f);
  return h ^ (h >>> 15);
}
