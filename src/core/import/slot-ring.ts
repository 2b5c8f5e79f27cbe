/**
 * Buffers a reader thread fills and the thread taking its messages reads, in shared memory: a message carries a view
 * of a slot (postMessage shares a SharedArrayBuffer, it does not copy it), and the reader takes a slot again only once
 * the taker has freed it. Nothing is copied between the threads and no buffer is made per message: ArrayBuffers made
 * at the reader's pace, and copied into the taker's heap, cost more in collections than the work they carry.
 * The taker frees one slot per message that took one, in order (freeSlot).
 */
export class SlotRing {
  private taken = 0;
  private readonly slots: number;

  constructor(
    private readonly memory: SharedArrayBuffer,
    private readonly slotBytes: number,
    private readonly signal: Int32Array,
    /** The index in `signal` counting the slots freed. */
    private readonly freedAt: number,
  ) {
    this.slots = Math.floor(memory.byteLength / slotBytes);
    if (this.slots < 2) throw new RangeError('a slot ring needs two slots or more');
  }

  /** The next slot, once the taker has freed it (waiting for that). */
  next(): Buffer {
    const i = this.taken++;
    for (;;) {
      const freed = Atomics.load(this.signal, this.freedAt);
      if (i - freed < this.slots) break;
      Atomics.wait(this.signal, this.freedAt, freed, 1000);
    }
    return Buffer.from(this.memory, (i % this.slots) * this.slotBytes, this.slotBytes);
  }
}

/** The taker is done with the oldest slot it was given. */
export function freeSlot(signal: Int32Array, freedAt: number): void {
  Atomics.add(signal, freedAt, 1);
  Atomics.notify(signal, freedAt);
}
