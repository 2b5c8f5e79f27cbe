/**
 * A rule's dispatch keys (dispatch-index.ts: destination, protocol, destination port) read straight from its
 * iptables-save arguments, without tokens, matches or a rule object: indexing KUBE-SERVICES (10,000 rules) on a
 * miss otherwise parses every rule's text. It reads only the forms kube-proxy writes in its dispatch chains, each
 * exactly as parseRuleArgs would read it (`[!] -s/-d A.B.C.D[/N]`, `[!] -i/-o NAME`, `[!] -p PROTO`,
 * `-m comment --comment TEXT`, `-m tcp|udp|sctp|udplite [!] --dport|--sport PORT ...` with plain decimal ports,
 * `-m statistic --mode random --probability 0.N`, and a final `-j KUBE-...|ACCEPT|DROP|RETURN` or `-g CHAIN`), and
 * answers null for anything else; the caller then parses that rule. Where it answers, its keys are those
 * dispatchKeysOf gives the parsed matches (dispatch-scan.property.test.ts), so the index it builds is the one the
 * parsed rules build. It leans on no reader code (the layers keep simulate apart from capture): what it vouches for
 * is a subset of what the reader takes, which the property test checks against the reader itself.
 */
import { parseIpv4 } from '../common/ip';
import { PROTOCOL_NAMES } from '../netfilter/rule-values';
import { ipv4Key, protoKey, type RuleKeys } from './dispatch-index';

const PORT_MODULES: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'udplite']);
/** Targets that end a rule with no options and are not a chain's name: built as parseRuleArgs builds them. */
const PLAIN_VERDICTS: ReadonlySet<string> = new Set(['ACCEPT', 'DROP', 'RETURN']);

/**
 * A `-j` name read as the parser reads it without options: a verdict above, or a kube-proxy chain (no target or
 * extension of iptables is named `KUBE-...`); other names may be targets that want options, left to the parser.
 */
function plainJump(name: string): boolean {
  return PLAIN_VERDICTS.has(name) || (name.startsWith('KUBE-') && name.length > 5);
}

/** The protocol as the rule reader records it (normaliseProtocol): lower case, a number named by its name. */
function protocolOf(text: string): string {
  const lower = text.toLowerCase();
  return PROTOCOL_NAMES.get(lower) ?? lower;
}

/** A port written in plain decimal (no leading zero, at most 65535): what the scan keys; -1 for any other form. */
function plainPort(v: string): number {
  if (v.length < 1 || v.length > 5 || (v.charCodeAt(0) === 48 && v.length > 1)) return -1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= 65535 ? n : -1;
}

/** kube-proxy's probabilities (`0.33333333349`, `1`): a subset of what parseProbability takes. */
const PROBABILITY = /^(0\.\d{1,20}|1|1\.0{1,20})$/;

/** Tokens of one text as the rule tokenizer (tokenizeInto) splits it, one at a time; null once it cannot vouch. */
class Cursor {
  at = 0;
  /** The last token read: unquoted text [start, end), or quoted (its value unread). */
  start = 0;
  end = 0;
  quoted = false;

  constructor(private readonly text: string) {}

  /** Reads the next token; false at the end of the text. Throws Unvouched on a form whose split it does not mirror. */
  next(): boolean {
    const { text } = this;
    let i = this.at;
    let c = 0;
    while (i < text.length && ((c = text.charCodeAt(i)) === 32 || c === 9)) i++;
    if (i >= text.length) {
      this.at = i;
      return false;
    }
    if (c === 34) {
      // As tokenizeInto: a backslash takes the next character, the quote ends the token.
      i++;
      for (;;) {
        if (i >= text.length) throw UNVOUCHED;
        c = text.charCodeAt(i);
        if (c === 34) break;
        i += c === 92 && i + 1 < text.length ? 2 : 1;
      }
      i++;
      this.quoted = true;
    } else {
      this.start = i;
      while (i < text.length && (c = text.charCodeAt(i)) !== 32 && c !== 9 && c !== 34) i++;
      this.end = i;
      this.quoted = false;
    }
    // A token glued to a quote splits in two there: not a form this reads.
    if (i < text.length && text.charCodeAt(i) === 34) throw UNVOUCHED;
    this.at = i;
    return true;
  }

  is(word: string): boolean {
    return !this.quoted && this.end - this.start === word.length && this.text.startsWith(word, this.start);
  }

  /** The next token as an option's value parseRuleArgs takes (neither quoted here, nor `!`, nor starting with `-`). */
  value(): string {
    if (!this.next() || this.quoted || this.end === this.start) throw UNVOUCHED;
    const c = this.text.charCodeAt(this.start);
    if (c === 45 || (c === 33 && this.end - this.start === 1)) throw UNVOUCHED;
    return this.text.slice(this.start, this.end);
  }
}

class Unvouched {}
const UNVOUCHED = new Unvouched();

/**
 * The dispatch keys of the rule whose arguments (what follows `-A CHAIN`) are `args`, or null when this scan does not
 * vouch for them.
 */
export function scanDispatchKeys(args: string): RuleKeys | null {
  const fast = kubeProxyKeys(args);
  if (fast !== null) return fast;
  try {
    return scan(new Cursor(args));
  } catch (e) {
    if (e === UNVOUCHED) return null;
    throw e;
  }
}

function scan(t: Cursor): RuleKeys | null {
  let dst: string | null = null;
  let proto: number | null = null;
  let dport: number | null = null;
  while (t.next()) {
    let negated = false;
    if (t.is('!')) {
      negated = true;
      if (!t.next()) return null;
    }
    if (t.is('-d') || t.is('-s')) {
      const destination = t.is('-d');
      const v = t.value();
      const slash = v.indexOf('/');
      const address = parseIpv4(v, slash < 0 ? v.length : slash);
      // A bare address is the /32 of it (readCidr).
      const bits = slash < 0 ? 32 : prefixBits(v, slash + 1);
      if (address === null || bits < 0) return null;
      if (destination && !negated && dst === null && bits === 32) dst = ipv4Key(address);
    } else if (t.is('-i') || t.is('-o')) {
      t.value();
    } else if (t.is('-p')) {
      const key = protoKey(protocolOf(t.value()));
      if (!negated && proto === null) proto = key;
    } else if (t.is('-m')) {
      if (negated) return null;
      const module = t.value();
      if (module === 'comment') {
        if (!t.next() || !t.is('--comment') || !t.next()) return null;
        if (!t.quoted && !plainAt(t)) return null;
      } else if (PORT_MODULES.has(module)) {
        dport = portOptions(t, dport);
      } else if (module === 'statistic') {
        if (!t.next() || !t.is('--mode') || t.value() !== 'random') return null;
        if (!t.next() || !t.is('--probability')) return null;
        if (!PROBABILITY.test(t.value())) return null;
      } else {
        return null;
      }
    } else if (t.is('-j') || t.is('-g')) {
      const jump = t.is('-j');
      if (negated) return null;
      const name = t.value();
      if (jump && !plainJump(name)) return null;
      // Anything after the target may be its options or more matches: read by the parser.
      return t.next() ? null : { dst, proto, dport };
    } else {
      return null;
    }
  }
  return { dst, proto, dport };
}

/**
 * The keys of the one form kube-proxy writes for each service port in KUBE-SERVICES and KUBE-NODEPORTS, matched with
 * the engine's own string search (a one-off trace runs this cold, 10,000 times):
 * `[ -d A.B.C.D/32] -p tcp|udp|sctp[ -m comment --comment "TEXT"] -m SAME --dport PORT -j NAME`, single spaces, TEXT
 * without a backslash, PORT in plain decimal, NAME a chain, ACCEPT, DROP or RETURN. Null for anything else (the
 * general scan reads it).
 */
function kubeProxyKeys(a: string): RuleKeys | null {
  let i = 0;
  let dst: string | null = null;
  if (a.startsWith(' -d ', 0)) {
    const slash = a.indexOf('/32 ', 4);
    if (slash < 0) return null;
    const address = parseIpv4(a.slice(4, slash));
    if (address === null) return null;
    dst = ipv4Key(address);
    i = slash + 3;
  }
  if (!a.startsWith(' -p ', i)) return null;
  let proto: number;
  let name: string;
  if (a.startsWith('tcp ', i + 4)) {
    proto = 6;
    name = 'tcp';
  } else if (a.startsWith('udp ', i + 4)) {
    proto = 17;
    name = 'udp';
  } else if (a.startsWith('sctp ', i + 4)) {
    proto = 132;
    name = 'sctp';
  } else {
    return null;
  }
  i += 4 + name.length;
  if (a.startsWith(' -m comment --comment "', i)) {
    const open = i + 23;
    const close = a.indexOf('"', open);
    if (close < 0) return null;
    const backslash = a.indexOf('\\', open);
    if (backslash >= 0 && backslash < close) return null;
    i = close + 1;
  }
  if (!a.startsWith(' -m ', i) || !a.startsWith(name, i + 4) || !a.startsWith(' --dport ', i + 4 + name.length)) return null;
  i += 13 + name.length;
  const space = a.indexOf(' ', i);
  if (space < 0 || space - i > 5 || space === i || (a.charCodeAt(i) === 48 && space - i > 1)) return null;
  let port = 0;
  for (let k = i; k < space; k++) {
    const c = a.charCodeAt(k);
    if (c < 48 || c > 57) return null;
    port = port * 10 + (c - 48);
  }
  if (port > 65535 || !a.startsWith(' -j ', space)) return null;
  const target = space + 4;
  if (target >= a.length || a.indexOf(' ', target) >= 0 || a.indexOf('\t', target) >= 0 || a.indexOf('"', target) >= 0) return null;
  if (!plainJump(a.slice(target))) return null;
  return { dst, proto, dport: port };
}

/** The last token is a value parseRuleArgs takes unquoted: not `!`, not starting with `-`. */
function plainAt(t: Cursor): boolean {
  if (t.end === t.start) return false;
  const save = t.at;
  t.at = t.start;
  try {
    t.value();
    return true;
  } catch {
    return false;
  } finally {
    t.at = save;
  }
}

/**
 * The `[!] --dport|--sport PORT` options that follow `-m tcp` (each its own match, in order): the first plain single
 * destination port becomes the key if none is yet. Stops before the first token that is not one of them.
 */
function portOptions(t: Cursor, dport: number | null): number | null {
  for (;;) {
    const at = t.at;
    if (!t.next()) return dport;
    const negated = t.is('!');
    if (negated && !t.next()) return dport;
    const dest = t.is('--dport');
    if (!dest && !t.is('--sport')) {
      t.at = at;
      return dport;
    }
    // Only plain ports are vouched for: ranges and service names are the parser's.
    const port = plainPort(t.value());
    if (port < 0) throw UNVOUCHED;
    if (dest && !negated && dport === null) dport = port;
  }
}

/** The prefix length written from `from` to the end of `v` (1 to 3 digits, at most 32); -1 otherwise. */
function prefixBits(v: string, from: number): number {
  const digits = v.length - from;
  if (digits < 1 || digits > 3) return -1;
  let n = 0;
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= 32 ? n : -1;
}
