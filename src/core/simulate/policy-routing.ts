/**
 * Policy routing as the kernel's fib_rules_lookup does it: the node's `ip rule` list in priority
 * order, each rule's selector (from, to, iif, oif, fwmark/mask, ipproto, sport, dport, `not`)
 * tested against the packet, and its action taken: `lookup TABLE` (a table without a route for
 * the destination, or one that `throw`s, passes on to the next rule; so does a route whose prefix
 * is no longer than `suppress_prefixlength`), `goto PRIORITY`, `nop`, or `blackhole`,
 * `unreachable`, `prohibit`, which end the lookup. No rule left: the network is unreachable.
 * Routing tables stay routing.ts's; this module only decides which are consulted, in what order.
 */
import type { RuleRecord } from '../records/records';
import { assertNever } from '../common/assert-never';
import { cidrContains, isUnspecified, parseCidr } from '../common/ip';
import type { CidrNumber, Family, IpNumber } from '../common/ip';

/** What the rules select on, from the packet being routed. */
export interface PolicyKey {
  /** The source address; unspecified (0.0.0.0, ::) for a locally generated packet whose source is not chosen yet. */
  src: IpNumber;
  /** The input interface; `lo` for a locally generated packet (the kernel's flowi_iif = LOOPBACK_IFINDEX). */
  iif: string;
  /** The output interface a bound socket asks for; null otherwise (oif rules then do not match). */
  oif: string | null;
  mark: number;
  /** IP protocol number and ports, for `ipproto`, `sport`, `dport` selectors. */
  protoNum: number;
  sport: number | null;
  dport: number | null;
}

export interface CompiledRule {
  record: RuleRecord;
  from: CidrNumber | null;
  to: CidrNumber | null;
  /** The rule as `ip rule` prints it, for the trail. */
  text: string;
}

/** The outcome of looking the destination up in one table. */
export type TableResult<R> =
  /** A route: `prefixLength` is what suppress_prefixlength compares. */
  | { kind: 'route'; result: R; prefixLength: number }
  /** No route for the destination, or a `throw` route: the next rule is tried (-EAGAIN). */
  | { kind: 'miss' }
  | { kind: 'unknown'; missing: string };

export type PolicyResult<R> =
  | { kind: 'route'; result: R; rule: CompiledRule }
  | { kind: 'blackhole' | 'unreachable' | 'prohibit'; rule: CompiledRule }
  /** Every rule passed (-ESRCH): the kernel answers "network unreachable". */
  | { kind: 'no-route' }
  | { kind: 'unknown'; missing: string };

export function compilePolicy(rules: readonly RuleRecord[], family: Family): CompiledRule[] {
  const own = rules.filter((r) => r.family === family);
  // Stable: rules of equal priority keep the order the kernel listed them in.
  return own
    .map((record, i) => ({ record, i }))
    .sort((a, b) => a.record.priority - b.record.priority || a.i - b.i)
    .map(({ record }) => ({
      record,
      from: record.from === null ? null : parseCidr(record.from),
      to: record.to === null ? null : parseCidr(record.to),
      text: ruleText(record),
    }));
}

/** Selector words the replay can test; any other (`uidrange`, `tun_id`, `l3mdev`, `dscp`...) leaves the rule undecided. */
const DECIDABLE_OTHER = /^(ipproto|sport|dport) /;

type Match = true | false | { undecided: string };

function selectorMatches(rule: CompiledRule, key: PolicyKey, dst: IpNumber): Match {
  const r = rule.record;
  const undecided = r.other.find((o) => !DECIDABLE_OTHER.test(o));
  if (undecided !== undefined) return { undecided };
  if (r.tos !== null && r.tos !== 0) return { undecided: `tos 0x${r.tos.toString(16)} (the packet's TOS is not known)` };
  if (r.suppressIfgroup !== null) return { undecided: `suppress_ifgroup ${r.suppressIfgroup}` };
  let match = true;
  // fib4_rule_match / fib6_rule_match: an unspecified source only matches `from all`.
  if (rule.from !== null && (isUnspecified(key.src) ? rule.from.prefixLength > 0 : !cidrContains(rule.from, key.src))) match = false;
  if (rule.to !== null && !cidrContains(rule.to, dst)) match = false;
  if (r.iif !== null && r.iif !== key.iif) match = false;
  if (r.oif !== null && r.oif !== key.oif) match = false;
  if (r.fwmark !== null && (((key.mark ^ r.fwmark) & (r.fwmask ?? 0xffff_ffff)) >>> 0) !== 0) match = false;
  for (const o of r.other) {
    const [word = '', value = ''] = o.split(' ');
    if (word === 'ipproto' && !protocolIs(value, key.protoNum)) match = false;
    if ((word === 'sport' || word === 'dport') && !inPortRange(value, word === 'sport' ? key.sport : key.dport)) match = false;
  }
  return r.not ? !match : match;
}

const PROTOCOLS: Readonly<Record<string, number>> = { icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132 };

function protocolIs(text: string, protoNum: number): boolean {
  const n = /^\d+$/.test(text) ? Number(text) : PROTOCOLS[text];
  return n === protoNum;
}

function inPortRange(text: string, port: number | null): boolean {
  if (port === null) return false;
  const [low = '', high = low] = text.split('-');
  return port >= Number(low) && port <= Number(high);
}

/**
 * Looks `dst` up through the rules; `table` looks it up in one routing table. The first rule
 * whose selector the captures cannot decide stops the walk with `unknown`, naming the rule.
 */
export function policyLookup<R>(
  rules: readonly CompiledRule[], key: PolicyKey, dst: IpNumber, table: (name: string) => TableResult<R>,
): PolicyResult<R> {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule;
    const matched = selectorMatches(rule, key, dst);
    if (typeof matched === 'object') {
      return { kind: 'unknown', missing: `ip rule ${rule.text} selects on ${matched.undecided}, which the captures do not decide` };
    }
    if (!matched) continue;
    const action = rule.record.action;
    switch (action.kind) {
      case 'lookup': {
        const found = table(action.table);
        if (found.kind === 'unknown') return { kind: 'unknown', missing: `${found.missing} (ip rule ${rule.text})` };
        if (found.kind === 'miss') continue;
        const suppress = rule.record.suppressPrefixLength;
        if (suppress !== null && found.prefixLength <= suppress) continue;
        return { kind: 'route', result: found.result, rule };
      }
      case 'goto': {
        // The kernel resolves a goto to the first rule of exactly that priority; without one it is skipped.
        const target = action.target === null ? -1 : rules.findIndex((r) => r.record.priority === action.target);
        if (target > i) i = target - 1;
        continue;
      }
      case 'nop':
        continue;
      case 'blackhole':
      case 'unreachable':
      case 'prohibit':
        return { kind: action.kind, rule };
      case 'nat':
        return { kind: 'unknown', missing: `ip rule ${rule.text} uses route NAT, which Linux no longer implements` };
      default:
        return assertNever(action);
    }
  }
  return { kind: 'no-route' };
}

export function ruleText(r: RuleRecord): string {
  const parts: string[] = [`${r.priority}:`];
  if (r.not) parts.push('not');
  parts.push('from', r.from ?? 'all');
  if (r.to !== null) parts.push('to', r.to);
  if (r.tos !== null) parts.push('tos', `0x${r.tos.toString(16)}`);
  if (r.fwmark !== null) parts.push('fwmark', r.fwmask === 0xffff_ffff ? `0x${r.fwmark.toString(16)}` : `0x${r.fwmark.toString(16)}/0x${(r.fwmask ?? 0).toString(16)}`);
  if (r.iif !== null) parts.push('iif', r.iif);
  if (r.oif !== null) parts.push('oif', r.oif);
  parts.push(...r.other);
  const a = r.action;
  switch (a.kind) {
    case 'lookup': parts.push('lookup', a.table); break;
    case 'goto': parts.push('goto', a.target === null ? 'none' : String(a.target)); break;
    case 'nat': parts.push(a.to === null ? 'masquerade' : `map-to ${a.to}`); break;
    default: parts.push(a.kind);
  }
  if (r.suppressPrefixLength !== null) parts.push('suppress_prefixlength', String(r.suppressPrefixLength));
  return parts.join(' ');
}
