/** The timestamp that opens a tcpdump packet line, in any of the forms -t...-ttttt and --time-stamp-precision=nano print. */

/** How the packet times of one tcpdump text read. */
export type TcpdumpClock =
  /** -tt: seconds since the epoch. */
  | 'epoch'
  /** -tttt: date and time of day, read as UTC. */
  | 'date-time'
  /** Default: time of day without a date; tsSec counts from midnight UTC (plus a day each time the clock wraps). */
  | 'time-of-day'
  /** -ttttt: time since the first packet. */
  | 'since-first'
  /** -ttt: time since the previous packet; summed here so tsSec/tsNsec run from the first packet. */
  | 'delta'
  /** -t: no times at all; every packet is at 0. */
  | 'none';

export type TimestampForm = 'epoch' | 'date-time' | 'time-of-day' | 'relative';

export interface Timestamp {
  form: TimestampForm;
  sec: number;
  /** Fraction as printed, not yet scaled (see `scaleFraction`). */
  fraction: string;
  /** A -ttt delta printed with a minus sign: the packet came earlier than the one before (`-i any` merges queues). */
  negative: boolean;
  /** Index just past the timestamp and the space after it. */
  end: number;
}

const DATE_TIME = /(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2})\.(\d{1,12}) /y;
const CLOCK = /(\d{1,6}):(\d{2}):(\d{2})\.(\d{1,12}) /y;
const EPOCH = /(\d{1,12})\.(\d{1,12}) /y;

/** Reads the timestamp at the start of `line`, or null when the line does not open with one. */
export function readTimestamp(line: string): Timestamp | null {
  // -ttt and -ttttt print one space before the time (a minus sign instead for a negative delta);
  // continuation lines are indented further.
  const negative = line.charCodeAt(0) === 45;
  const relative = negative || line.charCodeAt(0) === 32;
  const at = relative ? 1 : 0;
  if (relative && line.charCodeAt(1) === 32) return null;
  let m: RegExpExecArray | null;
  if (!relative) {
    DATE_TIME.lastIndex = at;
    m = DATE_TIME.exec(line);
    if (m) {
      const days = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000;
      const sec = days + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
      return { form: 'date-time', sec, fraction: m[7]!, end: DATE_TIME.lastIndex, negative: false };
    }
  }
  CLOCK.lastIndex = at;
  m = CLOCK.exec(line);
  if (m) {
    const sec = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    return { form: relative ? 'relative' : 'time-of-day', sec, fraction: m[4]!, end: CLOCK.lastIndex, negative };
  }
  if (relative) return null;
  EPOCH.lastIndex = at;
  m = EPOCH.exec(line);
  if (m) return { form: 'epoch', sec: Number(m[1]), fraction: m[2]!, end: EPOCH.lastIndex, negative: false };
  return null;
}

/**
 * Seconds and nanoseconds of a timestamp. `precision` is the number of fraction digits the capture prints
 * (6 or 9, from its first packet): a longer fraction is an unnormalised count of those units, as tcpdump
 * prints it for a broken record, and carries into the seconds.
 */
export function scaleFraction(sec: number, fraction: string, precision: number): { sec: number; nsec: number } {
  const digits = fraction.length;
  if (digits <= precision) return { sec, nsec: Number(fraction) * 10 ** (9 - digits) };
  const total = Number(fraction) * 10 ** (9 - precision);
  const carry = Math.floor(total / 1e9);
  return { sec: sec + carry, nsec: total - carry * 1e9 };
}

export function isoTime(sec: number, nsec: number): string {
  const base = new Date(sec * 1000).toISOString().slice(0, 19);
  return `${base}.${String(nsec).padStart(9, '0')}Z`;
}
