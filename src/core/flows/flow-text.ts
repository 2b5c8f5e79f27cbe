/** How flow views write times and TCP flags: pure formatting, shared by the flow use cases and the findings. */
import type { CaptureKind } from '../records/records';

/** Nanosecond ISO-8601 (`2026-11-23T22:43:45.667859000Z`) from seconds and nanoseconds. */
export function isoTime(sec: number, nsec: number): string {
  const base = new Date(sec * 1000).toISOString().slice(0, 19);
  return `${base}.${String(nsec).padStart(9, '0')}Z`;
}

export function isoFromSeconds(t: number | null): string | null {
  if (t === null) return null;
  const sec = Math.floor(t);
  return isoTime(sec, Math.min(999_999_999, Math.round((t - sec) * 1e9)));
}

const FLAG_LETTERS: Array<[number, string]> = [[0x02, 'S'], [0x01, 'F'], [0x04, 'R'], [0x08, 'P'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W']];

/** tcpdump's way: `S`, `S.`, `P.`, `.` */
export function tcpFlagText(flags: number | null): string | null {
  if (flags === null) return null;
  let text = '';
  for (const [bit, letter] of FLAG_LETTERS) if (flags & bit) text += letter;
  if (flags & 0x10) text += '.';
  return text || 'none';
}

/** `file:line` of a tcpdump text packet, `file#frame` of a binary capture's. */
export function packetSource(c: { kind: CaptureKind; sourceFile: string }, frame: number, line: number | null): string {
  return c.kind === 'tcpdump-text' && line !== null ? `${c.sourceFile}:${line}` : `${c.sourceFile}#${frame}`;
}
