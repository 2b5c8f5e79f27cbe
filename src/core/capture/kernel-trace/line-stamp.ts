/**
 * The stamps in front of a kernel message, as the tools that show the kernel log print them: dmesg (`[85447.184040]`,
 * `-T`: `[Mon Dec  7 22:57:06 2026]`), /dev/kmsg (`4,1234,85447184040,-;`), journalctl -k and syslog/kern.log
 * (`Dec 07 22:57:06 nodea kernel: `, the ISO form `2026-12-07T22:57:06.123456+00:00 nodea kernel: `), the two
 * together (`Dec  7 22:57:06 nodea kernel: [85447.184040] `). Only what is printed is kept: a stamp without a year
 * or a zone is not turned into an instant.
 */
import type { KernelTraceTime } from '../../records/records';

export interface StampedMessage {
  time: KernelTraceTime;
  host: string | null;
  /** The kernel's message, after every stamp. */
  message: string;
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
/** syslog / journalctl's short form: `Dec  7 22:57:06 host kernel: ` (journalctl -o short-precise adds microseconds). */
const SYSLOG = new RegExp(`^(${MONTH} [ \\d]?\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?) (\\S+) kernel: ?`);
/** rsyslog's RFC 3339 form and journalctl -o short-iso[-precise]. */
const ISO_SYSLOG = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?) (\S+) kernel: ?/;
/** /dev/kmsg: `level,sequence,microseconds,flags;message`. */
const KMSG = /^\d+,\d+,(\d+),[^;]*;/;
const UPTIME = /^\[\s*(\d+\.\d+)\]\s?/;
const MONOTONIC_HOST = /^(\S+) kernel: ?/;
/** dmesg -T: `[Mon Dec  7 22:57:06 2026]` (local time, no zone). */
const CTIME = new RegExp(`^\\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} [ \\d]?\\d \\d\\d:\\d\\d:\\d\\d \\d{4})\\]\\s?`);

export function stampedMessage(text: string): StampedMessage {
  let rest = text;
  let host: string | null = null;
  let stamp: string | null = null;
  let iso: string | null = null;
  let uptime: number | null = null;
  const iso8601 = ISO_SYSLOG.exec(rest);
  const syslog = iso8601 ? null : SYSLOG.exec(rest);
  if (iso8601) {
    stamp = iso8601[1]!;
    host = iso8601[3]!;
    iso = iso8601[2] === undefined ? null : isoWithZone(stamp);
    rest = rest.slice(iso8601[0].length);
  } else if (syslog) {
    stamp = syslog[1]!;
    host = syslog[2]!;
    rest = rest.slice(syslog[0].length);
  } else {
    const kmsg = KMSG.exec(rest);
    if (kmsg) {
      uptime = Number(kmsg[1]) / 1e6;
      rest = rest.slice(kmsg[0].length);
    }
  }
  const up = UPTIME.exec(rest);
  if (up) {
    uptime = Number(up[1]);
    rest = rest.slice(up[0].length);
    // journalctl -o short-monotonic: `[ 2076.158900] host kernel: ...`
    const monotonic = host === null ? MONOTONIC_HOST.exec(rest) : null;
    if (monotonic) {
      host = monotonic[1]!;
      rest = rest.slice(monotonic[0].length);
    }
  } else {
    const ctime = CTIME.exec(rest);
    if (ctime) {
      stamp = ctime[1]!;
      rest = rest.slice(ctime[0].length);
    }
  }
  return { time: { uptime, stamp, iso }, host, message: rest };
}

function isoWithZone(stamp: string): string | null {
  const ms = Date.parse(stamp);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
