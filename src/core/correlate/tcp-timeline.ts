/** Streaming TCP bookkeeping per flow: handshake, teardown, resets and retransmissions, in O(1) state per capture point. */
import type { TcpEvents } from '../views/flows';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

export type { TcpEvents };

export interface TcpSegment {
  /** Seconds since the epoch (float is fine here: timing, not identity). */
  time: number;
  flags: number;
  seq: number | null;
  payloadLen: number | null;
  /** Capture point: node + interface + direction; retransmissions are counted per point. */
  point: string;
  direction: 'original' | 'reply' | 'unknown';
  /** `point|direction`, when the caller has it made already (saves a string per segment). */
  key?: string;
  /**
   * The capture site (capture and interface, without the tuple) with this direction, and with the other one:
   * a segment seen again after the other direction spoke there is a retransmission (fast retransmit after
   * duplicate ACKs). Default: the point.
   */
  siteKey?: string;
  otherSiteKey?: string;
}

/**
 * Linux never sends a segment again sooner than this unless the receiver asked (duplicate ACKs, SACK): the
 * tail loss probe waits at least 10 ms, the retransmission timer 200 ms. The same segment seen again sooner
 * at the same point, with nothing from the other side in between, is the point seeing one packet twice
 * (a bridge device as the frame arrives, is routed, and leaves; br_netfilter handing it back), not a resend.
 */
export const RESEND_AFTER_SECONDS = 0.010;

const EARLY_ACKS = 8;

export class TcpTimeline {
  readonly events: TcpEvents = {
    synAt: null, synAckAt: null, establishedAt: null, finAt: null, rstAt: null,
    retransmissions: 0, synCount: 0, synAckCount: 0,
  };
  private readonly highestSeqEnd = new Map<string, number>();
  /** Last data segment's time per point and direction. */
  private readonly lastDataAt = new Map<string, number>();
  /** Last SYN's time per point. */
  private readonly synSeen = new Map<string, number>();
  /** Last segment's time per capture site and direction. */
  private readonly siteLastAt = new Map<string, number>();
  /** Resends seen per point and direction; one resend seen at four points is one resend. */
  private readonly resends = new Map<string, number>();
  private readonly mostResends = { original: 0, reply: 0, unknown: 0 };

  private countResend(s: TcpSegment): void {
    const key = s.key ?? `${s.point}|${s.direction}`;
    const n = (this.resends.get(key) ?? 0) + 1;
    this.resends.set(key, n);
    if (n > this.mostResends[s.direction]) {
      this.mostResends[s.direction] = n;
      this.events.retransmissions = this.mostResends.original + this.mostResends.reply + this.mostResends.unknown;
    }
  }

  /** Seen before at `previous` on this point: sent again, or the same packet seen again (see RESEND_AFTER_SECONDS)? */
  private resent(s: TcpSegment, previous: number): boolean {
    if (s.time - previous >= RESEND_AFTER_SECONDS) return true;
    const other = this.siteLastAt.get(s.otherSiteKey ?? `${s.point}|${s.direction === 'original' ? 'reply' : 'original'}`);
    return other !== undefined && other > previous && other <= s.time;
  }

  add(s: TcpSegment): void {
    const e = this.events;
    const syn = (s.flags & TCP_SYN) !== 0;
    const ack = (s.flags & TCP_ACK) !== 0;
    if (syn && !ack) {
      e.synCount++;
      if (e.synAt === null || s.time < e.synAt) e.synAt = s.time;
      const previous = this.synSeen.get(s.point);
      if (previous !== undefined && this.resent(s, previous)) this.countResend(s);
      this.synSeen.set(s.point, s.time);
    } else if (syn && ack) {
      e.synAckCount++;
      if (e.synAckAt === null || s.time < e.synAckAt) {
        e.synAckAt = s.time;
        this.settle();
      }
    } else if (ack && s.direction === 'original') {
      this.noteAck(s.time);
    }
    if (s.flags & TCP_FIN && (e.finAt === null || s.time < e.finAt)) e.finAt = s.time;
    if (s.flags & TCP_RST && (e.rstAt === null || s.time < e.rstAt)) e.rstAt = s.time;
    const len = s.payloadLen ?? 0;
    if (s.seq !== null && len > 0) {
      const end = s.seq + len;
      const key = s.key ?? `${s.point}|${s.direction}`;
      const highest = this.highestSeqEnd.get(key);
      if (highest !== undefined && end <= highest && highest - end < 0x40000000) {
        if (this.resent(s, this.lastDataAt.get(key) ?? -Infinity)) this.countResend(s);
      } else this.highestSeqEnd.set(key, end);
      this.lastDataAt.set(key, s.time);
    }
    this.siteLastAt.set(s.siteKey ?? `${s.point}|${s.direction}`, s.time);
  }

  /**
   * Captures arrive one after another, not interleaved in time, so the handshake's last ACK is chosen
   * at the end: the earliest client ACK at or after the earliest SYN-ACK, from a few earliest ACKs kept.
   */
  private readonly earlyAcks: number[] = [];

  private noteAck(time: number): void {
    const acks = this.earlyAcks;
    if (acks.length === EARLY_ACKS && time >= acks[acks.length - 1]!) return;
    let i = acks.length;
    while (i > 0 && acks[i - 1]! > time) i--;
    acks.splice(i, 0, time);
    if (acks.length > EARLY_ACKS) acks.pop();
    this.settle();
  }

  private settle(): void {
    const { synAckAt } = this.events;
    this.events.establishedAt = synAckAt === null ? null : (this.earlyAcks.find((t) => t >= synAckAt) ?? null);
  }

  /** A SYN that nobody answered: the connection never got past the first packet. */
  get oneSided(): boolean {
    return this.events.synCount > 0 && this.events.synAckCount === 0;
  }
}
