/**
 * An index over a long chain's rules by what they require of the packet's destination address,
 * protocol and destination port (kube-proxy's KUBE-SERVICES: one `-d VIP/32 -p tcp --dport P` rule
 * per service port; KUBE-NODEPORTS: `-p tcp --dport P`). Asked for the next rule at or after an
 * index, it skips only rules that certainly do not match the packet as it is now: a rule requiring
 * another destination, protocol or port. The walk still evaluates every rule it is given, so the
 * steps are those of a rule-by-rule walk.
 *
 * A rule is keyed on a dimension only when its match there is a plain equality the packet answers
 * with true or false: `-d` with a full-length prefix, `-p` naming a known protocol, `--dport` with
 * one port. Negated matches, ranges, multiport lists, and anything else leave that dimension open.
 */
import type { Match } from '../netfilter/ruleset';
import { cidrOfParts } from '../common/ip';
import type { FlowState } from './flow-state';
import { protoNumber } from './rule-match';

/** Chains shorter than this are walked rule by rule: indexing them would cost more than it saves. */
export const DISPATCH_INDEX_MIN_RULES = 64;

const DST = 1;
const PROTO = 2;
const DPORT = 4;

/** What the index keys a rule on: each dimension null when the rule leaves it open. */
export interface RuleKeys {
  dst: string | null;
  proto: number | null;
  dport: number | null;
}

export interface DispatchIndex {
  /** Rules keyed on nothing: candidates for every packet, ascending. */
  open: number[];
  /** Per shape (a set of keyed dimensions), rule indices by key, ascending. */
  shapes: Map<number, Map<string, number[]>>;
}

/** The key of an IPv4 destination: the `-d A.B.C.D/32` of a rule, or a packet's address (unsigned). */
export function ipv4Key(value: number): string {
  return `4:${value}`;
}

/** The protocol a rule's `-p` names as the index keys it (m.proto as the reader made it), or null for any protocol or an unknown one. */
export function protoKey(proto: string): number | null {
  const lower = proto.toLowerCase();
  return lower !== 'all' && lower !== '0' ? protoNumber(lower) : null;
}

/** What the index keys a rule on, read from its matches. */
export function dispatchKeysOf(matches: readonly Match[]): RuleKeys {
  let dst: string | null = null;
  let proto: number | null = null;
  let dport: number | null = null;
  for (const m of matches) {
    if (m.kind === 'destination' && !m.negated && dst === null) {
      const cidr = cidrOfParts(m.cidr.address, m.cidr.prefixLength);
      if (cidr !== null && m.cidr.prefixLength === (cidr.family === 'ipv4' ? 32 : 128)) {
        dst = cidr.family === 'ipv4' ? ipv4Key(cidr.v4) : `6:${cidr.v6}`;
      }
    } else if (m.kind === 'protocol' && !m.negated && proto === null) {
      proto = protoKey(m.proto);
    } else if (m.kind === 'ports' && !m.negated && m.which === 'dport' && dport === null) {
      const only = m.ranges.length === 1 ? m.ranges[0] : undefined;
      if (only !== undefined && only.min === only.max) dport = only.min;
    }
  }
  return { dst, proto, dport };
}

function keyText(shape: number, dst: string | null, proto: number | null, dport: number | null): string {
  return `${shape & DST ? dst : ''}|${shape & PROTO ? proto : ''}|${shape & DPORT ? dport : ''}`;
}

/** The index of a chain's rules (their matches, in order); null when the chain is too short or too varied to gain from one. */
export function buildDispatchIndex(rules: readonly { matches: readonly Match[] }[]): DispatchIndex | null {
  return dispatchIndexOf(rules.length, (i) => dispatchKeysOf(rules[i]!.matches));
}

/** The index of `count` rules, rule i keyed `keysAt(i)` (asked in order, once each); null as buildDispatchIndex. */
export function dispatchIndexOf(count: number, keysAt: (i: number) => RuleKeys): DispatchIndex | null {
  if (count < DISPATCH_INDEX_MIN_RULES) return null;
  const open: number[] = [];
  const shapes = new Map<number, Map<string, number[]>>();
  for (let i = 0; i < count; i++) {
    const { dst, proto, dport } = keysAt(i);
    const shape = (dst !== null ? DST : 0) | (proto !== null ? PROTO : 0) | (dport !== null ? DPORT : 0);
    if (shape === 0) {
      open.push(i);
      continue;
    }
    let byKey = shapes.get(shape);
    if (byKey === undefined) shapes.set(shape, (byKey = new Map()));
    const text = keyText(shape, dst, proto, dport);
    const list = byKey.get(text);
    if (list === undefined) byKey.set(text, [i]);
    else list.push(i);
  }
  // Mostly open rules: every lookup would visit nearly all of them anyway.
  if (open.length * 2 > count) return null;
  return { open, shapes };
}

/** The first element of ascending `list` that is >= from, or Infinity. */
function firstAtOrAfter(list: readonly number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? (list[lo] as number) : Infinity;
}

/**
 * The index of the first rule at or after `from` that may match `s`; `length` when none.
 * Without a destination port the port matches may not answer false (an unknown port is a fact to
 * assume), so such a packet is not narrowed by the index at all.
 */
export function nextCandidate(index: DispatchIndex, s: FlowState, from: number, length: number): number {
  if (s.dport === null) return from;
  const dst = s.dst.family === 'ipv4' ? ipv4Key(s.dst.value >>> 0) : `6:${s.dst.value}`;
  let best = firstAtOrAfter(index.open, from);
  for (const [shape, byKey] of index.shapes) {
    const list = byKey.get(keyText(shape, dst, s.protoNum, s.dport));
    if (list !== undefined) best = Math.min(best, firstAtOrAfter(list, from));
  }
  return best === Infinity ? length : best;
}
