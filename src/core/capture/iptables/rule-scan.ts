/**
 * A quick look at a rule's arguments that settles, without building its matches, that parseRuleArgs would
 * read them without an error or a note, and what it would make of the target. It knows only the forms
 * nearly every rule of a large dump is made of (kube-proxy's: addresses, interfaces, protocol, the comment,
 * tcp/udp ports, random statistic, a jump, DNAT...), each written as iptables-save writes it; for anything
 * else it answers null and the caller reads the rule with parseRuleArgs, which then says what is wrong with
 * it, if anything. So it only ever takes a rule parseRuleArgs takes, and errors stay parseRuleArgs' own.
 * The target is built by the same TargetSpec.build as parseRuleArgs builds it; matches are left to be read
 * from the rule's text when someone asks for them (parseRuleText).
 */
import type { Target } from '../../netfilter/ruleset';
import { genericOf, type RuleTokens } from './iptables-args';
import type { RuleOption } from './matches/match-module';
import { EXTENSION_TARGETS, TARGETS } from './iptables-target';
import { isAddress, parseCidr, parsePortRange, parseProbability, RuleSyntaxError } from './iptables-values';
import { parseIpv4 } from '../../common/ip';

/** What a scan learnt of a rule parseRuleArgs reads cleanly. */
export interface ScannedArgs {
  target: Target | null;
  /** The text of its first `--comment`, as commentOf(matches) would give it. */
  comment: string | null;
  /** An -s/-d address is IPv6. */
  ipv6: boolean;
}

/** Port options of the tcp, udp, sctp and udplite modules (matches/ports.ts): each value one port range. */
const PORT_OPTIONS: ReadonlySet<string> = new Set(['--sport', '--source-port', '--dport', '--destination-port']);
const PORT_MODULES: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'udplite']);

/** A word ArgReader takes as a value whatever option asks for it: quoted, or neither `!` nor one starting with `-`. */
function isPlainValue(tokens: readonly string[], quoted: readonly boolean[], k: number): boolean {
  if (quoted[k]) return true;
  const t = tokens[k]!;
  return t.length > 0 && t.charCodeAt(0) !== 45 && !(t.length === 1 && t.charCodeAt(0) === 33);
}

/**
 * Tokens [from, count) of `rule` (after `-A CHAIN`); null when the scan cannot vouch for them (the rule may
 * still be fine: read it with parseRuleArgs).
 */
export function scanRuleArgs(rule: RuleTokens, from: number, count: number): ScannedArgs | null {
  try {
    return scan(rule.tokens, rule.quoted, from, count);
  } catch (e) {
    // A value parseRuleArgs would refuse: it says how, with the error it gives.
    if (e instanceof RuleSyntaxError) return null;
    throw e;
  }
}

function scan(tokens: readonly string[], quoted: readonly boolean[], from: number, n: number): ScannedArgs | null {
  let comment: string | null = null;
  let ipv6 = false;
  let i = from;
  while (i < n) {
    if (quoted[i]) return null;
    let t = tokens[i]!;
    let negated = false;
    if (t === '!') {
      negated = true;
      if (++i >= n || quoted[i]) return null;
      t = tokens[i]!;
    }
    const generic = genericOf(t);
    if (generic === undefined) return null;
    i++;
    switch (generic) {
      case 'source':
      case 'destination': {
        if (i >= n || !isPlainValue(tokens, quoted, i)) return null;
        const v = tokens[i++]!;
        if (isIpv4Prefix(v)) break;
        const slash = v.indexOf('/');
        if (isAddress(slash < 0 ? v : v.slice(0, slash)) && parseCidr(v).address.includes(':')) ipv6 = true;
        break;
      }
      case 'in':
      case 'out':
      case 'protocol':
        if (i >= n || !isPlainValue(tokens, quoted, i) || tokens[i] === '') return null;
        i++;
        break;
      case 'fragment':
        break;
      case 'match': {
        if (negated || i >= n || !isPlainValue(tokens, quoted, i)) return null;
        const module = tokens[i++]!;
        const end = moduleEnd(module, tokens, quoted, i, n);
        if (end < 0) return null;
        if (module === 'comment' && comment === null && end > i) comment = tokens[i + 1]!;
        i = end;
        break;
      }
      case 'jump':
      case 'goto': {
        if (negated || i >= n || !isPlainValue(tokens, quoted, i) || tokens[i] === '') return null;
        const name = tokens[i++]!;
        const target = generic === 'goto' ? gotoTarget(name, i, n) : jumpTarget(name, tokens, quoted, i, n);
        return target === null ? null : { target, comment, ipv6 };
      }
      case 'counters':
      case 'family':
        return null;
    }
  }
  return { target: null, comment, ipv6 };
}

/**
 * Where the options of `-m module` starting at `i` end (at the next generic option, or the rule's end); -1
 * for a module, option or value this scan does not vouch for.
 */
function moduleEnd(module: string, tokens: readonly string[], quoted: readonly boolean[], i: number, n: number): number {
  if (module === 'comment') {
    // Each `--comment TEXT` one comment match; a word after TEXT would be read as more of it (a note).
    while (i < n && tokens[i] === '--comment' && !quoted[i]) {
      if (i + 1 >= n || !isPlainValue(tokens, quoted, i + 1)) return -1;
      i += 2;
    }
    return i;
  }
  if (PORT_MODULES.has(module)) {
    while (i < n && !quoted[i]) {
      let k = i;
      if (tokens[k] === '!') k++;
      if (k >= n || quoted[k] || !PORT_OPTIONS.has(tokens[k]!)) break;
      if (k + 1 >= n || !isPlainValue(tokens, quoted, k + 1)) return -1;
      parsePortRange(tokens[k + 1]!);
      i = k + 2;
    }
    return i;
  }
  if (module === 'statistic') {
    // kube-proxy's form only: `--mode random --probability P`.
    if (i + 3 >= n || tokens[i] !== '--mode' || tokens[i + 1] !== 'random' || tokens[i + 2] !== '--probability') return -1;
    if (quoted[i] || quoted[i + 2] || !isPlainValue(tokens, quoted, i + 1) || !isPlainValue(tokens, quoted, i + 3)) return -1;
    parseProbability(tokens[i + 3]!);
    return i + 4;
  }
  return -1;
}

function gotoTarget(chain: string, i: number, n: number): Target | null {
  return i === n ? { kind: 'goto', chain } : null;
}

/** `-j NAME [options]` ending the rule, built as parseRuleArgs builds it (buildTarget). */
function jumpTarget(name: string, tokens: readonly string[], quoted: readonly boolean[], i: number, n: number): Target | null {
  if (name === 'DNAT' && i + 2 === n && tokens[i] === '--to-destination' && !quoted[i]) {
    const to = tokens[i + 1]!;
    const colon = to.indexOf(':');
    const port = colon > 0 ? portNumber(to, colon + 1) : -1;
    if (port >= 0 && parseIpv4(to, colon) !== null) {
      // What the DNAT TargetSpec makes of `ADDRESS:PORT` (parseNatRange), without its option records.
      const address = to.slice(0, colon);
      return { kind: 'dnat', to: [{ minAddress: address, maxAddress: address, ports: { min: port, max: port } }], random: false, persistent: false };
    }
  }
  const spec = TARGETS.get(name);
  if (spec === undefined) return i === n && !EXTENSION_TARGETS.has(name) ? { kind: 'jump', chain: name } : null;
  const opts: RuleOption[] = [];
  while (i < n) {
    const option = tokens[i]!;
    // ArgReader takes a word as an option of the target only when it is `--name` and not a generic option.
    const asOption = !quoted[i] && option.length > 2 && option.startsWith('--') && genericOf(option) === undefined;
    const arity = asOption ? spec.options.get(option) : undefined;
    if (arity === undefined || arity > 1) return null;
    if (arity === 0) {
      opts.push({ name: option, negated: false, values: [] });
      i++;
      continue;
    }
    if (i + 1 >= n || !isPlainValue(tokens, quoted, i + 1)) return null;
    opts.push({ name: option, negated: false, values: [tokens[i + 1]!] });
    i += 2;
  }
  return spec.build(opts);
}

/** `A.B.C.D` or `A.B.C.D/N` (N up to 32 in at most three digits): an IPv4 prefix readCidr takes. */
function isIpv4Prefix(v: string): boolean {
  const slash = v.indexOf('/');
  if (slash < 0) return parseIpv4(v) !== null;
  const bits = v.length - slash - 1;
  if (bits < 1 || bits > 3 || parseIpv4(v, slash) === null) return false;
  let n = 0;
  for (let i = slash + 1; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    n = n * 10 + (c - 48);
  }
  return n <= 32;
}

/** text[from, end) as parsePort reads a number (1 to 5 digits, to 65535); -1 for anything else. */
function portNumber(text: string, from: number): number {
  const digits = text.length - from;
  if (digits < 1 || digits > 5) return -1;
  let n = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= 65535 ? n : -1;
}
