/**
 * Where FlowBuilder sets aside the working state of flows gone quiet, so memory holds the flows of a time
 * window, not every flow. A parked flow is plain JSON text: `seen` (per node, its first and last raw time:
 * what the final ordering reads of every flow) apart from `body` (hops, TCP state, counts). A flow that
 * speaks again is taken back and carries on exactly where it stopped; the window never changes a result.
 * The project keeps parked flows in a temporary SQLite table (model/flow-parking-table.ts); tests and small
 * callers keep them here, in memory.
 */

export interface FlowParking {
  /** Stores (or replaces) the state of flow `id` (a provisional id). */
  park(id: number, seen: string, body: string): void;
  /** Takes the flow's state out (undefined: not parked). */
  take(id: number): { seen: string; body: string } | undefined;
  /** The flow's body, left in place (undefined: not parked). */
  body(id: number): string | undefined;
  /** Every parked flow's `seen`, in any order. */
  eachSeen(visit: (id: number, seen: string) => void): void;
}

export class MemoryFlowParking implements FlowParking {
  private readonly parked = new Map<number, { seen: string; body: string }>();

  park(id: number, seen: string, body: string): void {
    this.parked.set(id, { seen, body });
  }

  take(id: number): { seen: string; body: string } | undefined {
    const p = this.parked.get(id);
    if (p !== undefined) this.parked.delete(id);
    return p;
  }

  body(id: number): string | undefined {
    return this.parked.get(id)?.body;
  }

  eachSeen(visit: (id: number, seen: string) => void): void {
    for (const [id, { seen }] of this.parked) visit(id, seen);
  }

  get size(): number {
    return this.parked.size;
  }
}
