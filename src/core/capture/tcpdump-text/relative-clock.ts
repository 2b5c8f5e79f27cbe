/**
 * -ttt (time since the previous packet) and -ttttt (since the first) print the same way. Packets are held
 * back until the times show which: one going backwards means deltas, which are then summed; a long enough
 * run that never does is read as time since the first packet.
 */
import type { PacketRecord } from '../../records/records';

const DECIDE_AFTER = 32;

export class RelativeClock {
  private held: PacketRecord[] = [];
  private decided: 'delta' | 'since-first' | null = null;
  private sumSec = 0;
  private sumNsec = 0;

  constructor(private readonly deliver: (p: PacketRecord) => void) {}

  get kind(): 'delta' | 'since-first' {
    return this.decided ?? 'since-first';
  }

  push(p: PacketRecord): void {
    if (this.decided === 'since-first') return this.deliver(p);
    if (this.decided === 'delta') return this.deliver(this.summed(p));
    const last = this.held[this.held.length - 1];
    this.held.push(p);
    if (last !== undefined && (p.tsSec < last.tsSec || (p.tsSec === last.tsSec && p.tsNsec < last.tsNsec))) {
      this.decide('delta');
    } else if (this.held.length >= DECIDE_AFTER) {
      this.decide('since-first');
    }
  }

  finish(): void {
    if (this.decided === null) this.decide('since-first');
  }

  private decide(kind: 'delta' | 'since-first'): void {
    this.decided = kind;
    const held = this.held;
    this.held = [];
    for (const p of held) this.deliver(kind === 'delta' ? this.summed(p) : p);
  }

  private summed(p: PacketRecord): PacketRecord {
    this.sumNsec += p.tsNsec;
    this.sumSec += p.tsSec;
    if (this.sumNsec >= 1e9) {
      this.sumNsec -= 1e9;
      this.sumSec++;
    }
    p.tsSec = this.sumSec;
    p.tsNsec = this.sumNsec;
    return p;
  }
}
