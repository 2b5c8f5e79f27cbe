/**
 * The pair keys of flow-key.ts (a tuple and its reverse share one) as small integers, so what a stitch keeps
 * per connection is numbers in typed arrays, not a key string and an object per tuple. Addresses are interned
 * (a project has far fewer addresses than connections); a pair is (proto, end A, end B) with A the lesser end
 * by (address id, port). A tuple is a *ref*: its pair's id × 2, plus 1 when it runs from B to A. Two tuples
 * have one pair id exactly when their pairKey strings are equal.
 */
import { GrowableInt32 } from '../common/number-map';
import type { FlowTuple } from './flow-key';

/** The port slot of a port-less end (icmp and other protocols): no port number takes it. */
const NO_PORT = 0x10000;

export class PairKeys {
  private readonly addressIds = new Map<string, number>();
  private readonly addresses: string[] = [];
  /** Per pair id (from 1), in pages (no copy as they grow): protocol, the two ends' address ids and port slots. */
  private readonly proto = new GrowableInt32();
  private readonly addrA = new GrowableInt32();
  private readonly portA = new GrowableInt32();
  private readonly addrB = new GrowableInt32();
  private readonly portB = new GrowableInt32();
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
    return this.proto.get(ref >>> 1);
  }

  /** The tuple a ref stands for (a new object, equal in every field to the one interned). */
  tuple(ref: number): FlowTuple {
    const id = ref >>> 1;
    const a = this.addresses[this.addrA.get(id)]!;
    const b = this.addresses[this.addrB.get(id)]!;
    const pa = this.portA.get(id);
    const pb = this.portB.get(id);
    const sa = pa === NO_PORT ? null : pa;
    const sb = pb === NO_PORT ? null : pb;
    const proto = this.proto.get(id);
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
    const sp = t.sport ?? NO_PORT;
    const dp = t.dport ?? NO_PORT;
    // pairKey orders the ends as text; any fixed order serves, as only equality of keys is ever asked.
    const forward = s < d || (s === d && sp <= dp);
    const aa = forward ? s : d;
    const pa = forward ? sp : dp;
    const ab = forward ? d : s;
    const pb = forward ? dp : sp;
    const { proto, addrA, portA, addrB, portB } = this;
    const h = pairHash(t.proto, aa, pa, ab, pb);
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = this.slots[i]!;
      if (id === 0) {
        if (!add) return 0;
        const next = ++this.count;
        proto.set(next, t.proto);
        addrA.set(next, aa);
        portA.set(next, pa);
        addrB.set(next, ab);
        portB.set(next, pb);
        this.slots[i] = next;
        if (this.count * 2 > this.slots.length) this.rehash();
        return next * 2 + (forward ? 0 : 1);
      }
      if (proto.get(id) === t.proto && addrA.get(id) === aa && portA.get(id) === pa && addrB.get(id) === ab && portB.get(id) === pb) {
        return id * 2 + (forward ? 0 : 1);
      }
    }
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 1; id <= this.count; id++) {
      const h = pairHash(this.proto.get(id), this.addrA.get(id), this.portA.get(id), this.addrB.get(id), this.portB.get(id));
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
