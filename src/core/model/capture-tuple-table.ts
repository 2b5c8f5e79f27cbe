/**
 * A capture's IP 5-tuples by id for a stitch, kept as their stored blocks (26 bytes a tuple) instead of an
 * object each: a tuple is made into a CaptureTuple when asked, and the last few thousand made are kept, so a
 * capture's packets (close together in time, few tuples at once) mostly find theirs made already. Made
 * again, a tuple is a new object equal in every field (its addresses the same shared strings).
 */
import type { CaptureTuple } from './flow-store';
import type { TupleBlock } from './tuple-block';

/** Tuples kept made per capture; past this the kept ones are let go. */
const MADE_LIMIT = 4096;

export class CaptureTupleTable {
  private readonly firstIds: number[];
  private readonly made = new Map<number, CaptureTuple | null>();

  /**
   * `blocks` in id order. `addresses` shares one string per address (among captures too), `names` one per IPv4
   * number.
   */
  constructor(
    private readonly blocks: readonly TupleBlock[],
    private readonly addresses: Map<string, string>,
    private readonly names: Map<number, string>,
  ) {
    this.firstIds = blocks.map((b) => b.firstId);
  }

  /** The tuple with this id, or undefined when the capture has no such IP tuple (ARP and other non-IP frames). */
  get(id: number): CaptureTuple | undefined {
    const known = this.made.get(id);
    if (known !== undefined) return known ?? undefined;
    const t = this.make(id);
    if (this.made.size >= MADE_LIMIT) this.made.clear();
    this.made.set(id, t);
    return t ?? undefined;
  }

  /** Every id with an IP tuple, in id order. */
  *ids(): Generator<number> {
    for (const b of this.blocks) for (let i = 0; i < b.count; i++) if (b.ipProto(i) !== null) yield b.id(i);
  }

  /** Every (id, tuple), in id order; the tuples are made as they come and not kept. */
  *entries(): Generator<[number, CaptureTuple]> {
    for (const b of this.blocks) {
      for (let i = 0; i < b.count; i++) {
        const t = this.decode(b, i);
        if (t !== null) yield [b.id(i), t];
      }
    }
  }

  private make(id: number): CaptureTuple | null {
    // The block holding `id`: the last whose first id is at most it.
    const { firstIds } = this;
    let lo = 0;
    let hi = firstIds.length - 1;
    if (hi < 0 || id < firstIds[0]!) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firstIds[mid]! <= id) lo = mid;
      else hi = mid - 1;
    }
    const b = this.blocks[lo]!;
    const i = b.indexOf(id);
    return i < 0 ? null : this.decode(b, i);
  }

  private decode(b: TupleBlock, i: number): CaptureTuple | null {
    const proto = b.ipProto(i);
    if (proto === null) return null;
    const t: CaptureTuple = { proto, src: this.shared(b.src(i, this.names)), sport: b.sport(i), dst: this.shared(b.dst(i, this.names)), dport: b.dport(i) };
    const echo = b.echoId(i);
    if (echo !== null) t.echoId = echo;
    return t;
  }

  private shared(a: string): string {
    const known = this.addresses.get(a);
    if (known !== undefined) return known;
    this.addresses.set(a, a);
    return a;
  }
}
