/**
 * `ip route get ADDR` prints the kernel's answer for one destination (`10.0.0.5 via 10.0.0.1 dev eth0
 * src 10.0.0.7 uid 0` and an indented `cache` line), not routes of a table: read as routes it would put
 * a /32 to ADDR into the main table that the node does not have. Such output is recognised here, from
 * its command or its content, and kept out of the route table.
 */
import { analyseCommand } from '../transcript/command';
import type { CaptureUnit } from '../capture-unit';
import { isIpAddress } from '../../common/ip';

/** `ip [OPTIONS] route get ...` (any abbreviation: `ip r g`, `ip -4 ro get`), as the command's selection reads it. */
export function isRouteLookupCommand(command: string): boolean {
  return analyseCommand(command).selection.routeLookup;
}

const LOOKUP_TYPES = new Set(['local', 'broadcast', 'multicast', 'unicast', 'anycast', 'unreachable', 'prohibit', 'blackhole', 'throw']);

/**
 * Output only `ip route get` prints: each result line names a bare address (no prefix) and carries a
 * `uid N` or is followed by its indented `cache` line, which no `ip route show` line has.
 */
export function looksLikeRouteLookup(text: string): boolean {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  if (lines.length === 0 || lines.length > 64) return false;
  let results = 0;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (/^\s/.test(line)) {
      if (!/^\s+cache\b/.test(line)) return false;
      continue;
    }
    const words = line.trim().split(/\s+/);
    const dst = LOOKUP_TYPES.has(words[0]!) ? words[1] : words[0];
    if (dst === undefined || dst.includes('/') || !/^[0-9a-fA-F.:]+$/.test(dst)) return false;
    const uid = words.some((w, j) => w === 'uid' && /^\d+$/.test(words[j + 1] ?? ''));
    const cached = /^\s+cache\b/.test(lines[k + 1] ?? '');
    if (!uid && !cached) return false;
    results++;
  }
  return results > 0;
}

/** One answer of `ip route get`: the route the kernel chose for `dst` (type, gateway, device, source). */
export interface RouteLookup {
  dst: string;
  type: string;
  via: string | null;
  dev: string | null;
  src: string | null;
  table: string | null;
}

/** The answers in a lookup's output (its indented `cache` lines carry none of these). */
export function routeLookupsOf(text: string): RouteLookup[] {
  const out: RouteLookup[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === '' || /^\s/.test(line)) continue;
    const words = line.trim().split(/\s+/);
    const typed = LOOKUP_TYPES.has(words[0]!);
    const dst = (typed ? words[1] : words[0]) ?? '';
    // Not an answer: an error (`RTNETLINK answers: Network is unreachable`), a prompt.
    if (!isIpAddress(dst)) continue;
    const lookup: RouteLookup = { dst, type: typed ? words[0]! : 'unicast', via: null, dev: null, src: null, table: null };
    for (let i = typed ? 2 : 1; i + 1 < words.length; i++) {
      const key = words[i]!;
      if (key === 'via' || key === 'dev' || key === 'src' || key === 'table') {
        lookup[key] = words[i + 1]!;
        i++;
      }
    }
    out.push(lookup);
  }
  return out;
}

/** `for 10.0.0.5: via 10.0.0.1 dev eth0 src 10.0.0.7`, the answers as a sentence part. */
export function describeLookups(lookups: readonly RouteLookup[]): string {
  return lookups
    .map((l) => {
      const parts = [l.type === 'unicast' ? null : l.type, l.via && `via ${l.via}`, l.dev && `dev ${l.dev}`, l.src && `src ${l.src}`, l.table && `table ${l.table}`];
      return `for ${l.dst}: ${parts.filter((p) => p !== null).join(' ')}`;
    })
    .join('; ');
}

/** The unit is the result of a route lookup, not (a part of) a route table. */
export function isRouteLookup(unit: CaptureUnit): boolean {
  if (unit.kind !== 'ip-route') return false;
  if (unit.command !== null && isRouteLookupCommand(unit.command)) return true;
  return looksLikeRouteLookup(unit.input.text);
}
