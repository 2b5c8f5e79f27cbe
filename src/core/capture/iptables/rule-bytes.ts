/**
 * The dump reader's fast look at a rule line, read from the file's bytes (ASCII) where they lie: no string for the
 * line or any word of it. It knows only the shapes nearly every rule of a kube-proxy dump takes, written as
 * iptables-save writes them (one space between words):
 *
 *   [[PACKETS:BYTES] ]-A CHAIN ( [!] -s|-d IPV4[/N] | [!] -i|-o NAME | -p NAME | -m comment --comment "TEXT"|WORD |
 *     -m tcp|udp|sctp|udplite [--sport|--dport PORT]... | -m statistic --mode random --probability P )*
 *     -j DECLARED-CHAIN | -j ACCEPT|DROP|RETURN | -j DNAT --to-destination IPV4:PORT
 *
 * and gives, as numbers and places in the bytes, what the reader, the store's chunk record and kube-proxy's index
 * take of such a rule: the chain's and target's ordinals in the reader's chain table, the counters, where the text
 * after `-A CHAIN` starts, the first comment, the DNAT destination, and the last destination, protocol and
 * `--dport` (what RuleLexer notes for frontendOfMatches). It vouches only for a subset of what RuleLexer vouches
 * for (rule-lex.ts: what parseRuleArgs reads cleanly); any other line is declined, nothing noted, and the reader
 * reads it as text, so every error, note and unusual form keeps its one reader (rule-bytes.test.ts compares the
 * two on every corpus rule).
 */
import { hashStep, WORD_HASH_SEED, type WordTable } from './word-table';
import { EXTENSION_TARGETS, TARGETS } from './iptables-target';

const SPACE = 32;
const QUOTE = 34;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const COLON = 58;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const COMMENT = ascii('comment --comment ');
const STATISTIC = ascii('statistic --mode random --probability ');
const DNAT = ascii('DNAT --to-destination ');
const DPORT = ascii(' --dport ');
const SPORT = ascii(' --sport ');

export class RuleBytes {
  /** Ordinals in the reader's chain table of the rule's chain and of the chain it jumps to (-1: the target is no jump). */
  chainOrdinal = -1;
  targetOrdinal = -1;
  /** Where `PACKETS:BYTES` of the counters in front is (from -1: none). */
  countersFrom = -1;
  countersTo = -1;
  /** The rule's text (what follows the counters): textFrom to end; the text after `-A CHAIN` starts at argsFrom. */
  textFrom = 0;
  argsFrom = 0;
  end = 0;
  /** The first comment's text, within its quotes (from -1: none). */
  commentFrom = -1;
  commentTo = -1;
  /** `-j ACCEPT`, `-j DROP`, `-j RETURN`: that target (null: a jump or DNAT). */
  verdict: 'accept' | 'drop' | 'return' | null = null;
  /** `-j DNAT --to-destination A:P`: A is dnatFrom to dnatColon; P is dnatPort (-1: the target is a jump). */
  dnatFrom = -1;
  dnatColon = -1;
  dnatPort = -1;
  /** The last `-d` and `-p` values not negated (from -1: none) and the last `--dport` (-1: none), as RuleLexer notes them. */
  dstFrom = -1;
  dstTo = -1;
  protoFrom = -1;
  protoTo = -1;
  dport = -1;
  private lastChain = -1;
  private lastHash = 0;

  /** `chains`: the chains the dump declared, so that names in rules are found by their bytes. */
  constructor(private readonly chains: WordTable) {}

  /** b[from, end), a line without its line break; true when vouched for. */
  read(b: Uint8Array, from: number, end: number): boolean {
    while (end > from && (b[end - 1] === SPACE || b[end - 1] === 9)) end--;
    let i = from;
    this.countersFrom = -1;
    this.countersTo = -1;
    if (b[i] === 91 /* [ */) {
      const colon = counter(b, i + 1, end);
      if (colon < 0 || b[colon] !== COLON) return false;
      const close = counter(b, colon + 1, end);
      if (close < 0 || b[close] !== 93 /* ] */ || b[close + 1] !== SPACE) return false;
      this.countersFrom = i + 1;
      this.countersTo = close;
      i = close + 2;
    }
    this.textFrom = i;
    if (i + 3 >= end || b[i] !== DASH || b[i + 1] !== 65 /* A */ || b[i + 2] !== SPACE) return false;
    i += 3;
    const chainFrom = i;
    let h = WORD_HASH_SEED;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c === SPACE) break;
      if (!wordByte(c)) return false;
      h = hashStep(h, c);
    }
    const { chains } = this;
    let chain = this.lastChain;
    if (chain < 0 || h !== this.lastHash || !chains.holdsBytes(chain, b, chainFrom, i)) {
      chain = chains.ordinalAtBytes(b, chainFrom, i, h);
      if (chain < 0) return false;
      this.lastChain = chain;
      this.lastHash = h;
    }
    this.chainOrdinal = chain;
    this.argsFrom = i;
    this.end = end;
    this.commentFrom = this.dstFrom = this.protoFrom = this.dport = -1;
    while (i < end) {
      // One space, then `-X ` or `! -X `.
      if (b[i] !== SPACE) return false;
      i++;
      let negated = false;
      if (b[i] === 33 /* ! */) {
        if (b[i + 1] !== SPACE) return false;
        negated = true;
        i += 2;
      }
      if (i + 3 >= end || b[i] !== DASH || b[i + 2] !== SPACE) return false;
      const option = b[i + 1];
      i += 3;
      switch (option) {
        case 115: // s
        case 100: {
          // d
          const to = ipv4Prefix(b, i, end);
          if (to < 0) return false;
          if (option === 100 && !negated) {
            this.dstFrom = i;
            this.dstTo = to;
          }
          i = to;
          break;
        }
        case 105: // i
        case 111: {
          // o: an interface
          i = plainWord(b, i, end);
          if (i < 0) return false;
          break;
        }
        case 112: {
          // p: a protocol name or number, as `-p` prints it
          if (negated) return false;
          const to = lowerWord(b, i, end);
          if (to < 0) return false;
          this.protoFrom = i;
          this.protoTo = to;
          i = to;
          break;
        }
        case 109: // m
          if (negated) return false;
          i = this.module(b, i, end);
          if (i < 0) return false;
          break;
        case 106: // j
          return !negated && this.target(b, i, end);
        default:
          return false;
      }
    }
    // No target: the text path's.
    return false;
  }

  /** `-m MODULE [options]` from its name at i; where it ends, or -1. */
  private module(b: Uint8Array, i: number, end: number): number {
    if (startsWith(b, i, end, COMMENT)) {
      const word = i + COMMENT.length;
      if (b[word] !== QUOTE) {
        // A word iptables-save writes without quotes (letters, digits, `_`, `-`), or kube-proxy's own restore input does.
        const k = plainWord(b, word, end);
        return k < 0 ? -1 : this.noteComment(word, k, k);
      }
      const from = word + 1;
      let k = from;
      for (; k < end; k++) {
        const c = b[k]!;
        if (c === QUOTE) break;
        if (c < SPACE || c === 92 /* \ */ || c > 126) return -1;
      }
      if (k >= end || k === from || (k + 1 < end && b[k + 1] !== SPACE)) return -1;
      return this.noteComment(from, k, k + 1);
    }
    if (startsWith(b, i, end, STATISTIC)) {
      const to = probability(b, i + STATISTIC.length, end);
      return to;
    }
    const to = lowerWord(b, i, end);
    if (to < 0 || !portModule(b, i, to)) return -1;
    i = to;
    for (;;) {
      const dport = startsWith(b, i, end, DPORT);
      if (!dport && !startsWith(b, i, end, SPORT)) return i;
      const from = i + DPORT.length;
      let k = from;
      while (k < end && b[k] !== SPACE) k++;
      const port = decimal(b, from, k);
      if (port < 0) return -1;
      if (dport) this.dport = port;
      i = k;
    }
  }

  /** The comment b[from, to), kept when it is the rule's first; returns `next`, where the module's options end. */
  private noteComment(from: number, to: number, next: number): number {
    if (this.commentFrom < 0) {
      this.commentFrom = from;
      this.commentTo = to;
    }
    return next;
  }

  /** The target from its name at i to the end: a declared chain, ACCEPT, DROP, RETURN, or DNAT to one IPv4 address and port. */
  private target(b: Uint8Array, i: number, end: number): boolean {
    this.dnatFrom = this.dnatColon = this.dnatPort = -1;
    this.targetOrdinal = -1;
    this.verdict = verdictAt(b, i, end);
    if (this.verdict !== null) return true;
    if (startsWith(b, i, end, DNAT)) {
      const from = i + DNAT.length;
      let colon = from;
      while (colon < end && b[colon] !== COLON) colon++;
      if (colon === from || colon >= end || !ipv4(b, from, colon)) return false;
      const port = decimal(b, colon + 1, end);
      if (port < 0) return false;
      this.dnatFrom = from;
      this.dnatColon = colon;
      this.dnatPort = port;
      return true;
    }
    let h = WORD_HASH_SEED;
    for (let k = i; k < end; k++) {
      const c = b[k]!;
      if (!wordByte(c)) return false;
      h = hashStep(h, c);
    }
    const ordinal = this.chains.ordinalAtBytes(b, i, end, h);
    if (ordinal < 0) return false;
    // A name of a target (ACCEPT, MARK, ...) is that target, whatever chains the table declares.
    const name = this.chains.wordAt(ordinal);
    if (TARGETS.has(name) || EXTENSION_TARGETS.has(name)) return false;
    this.targetOrdinal = ordinal;
    return true;
  }
}

const ACCEPT = ascii('ACCEPT');
const DROP = ascii('DROP');
const RETURN = ascii('RETURN');

/** b[i, end) is ACCEPT, DROP or RETURN: that target's kind; else null. */
function verdictAt(b: Uint8Array, i: number, end: number): 'accept' | 'drop' | 'return' | null {
  const n = end - i;
  if (n === 4) return startsWith(b, i, end, DROP) ? 'drop' : null;
  if (n === 6) return startsWith(b, i, end, ACCEPT) ? 'accept' : startsWith(b, i, end, RETURN) ? 'return' : null;
  return null;
}

/** A byte of an unquoted word the tokenizer reads as one: printable ASCII but the space and `"`. */
function wordByte(c: number): boolean {
  return c > SPACE && c < 127 && c !== QUOTE;
}

/**
 * An unquoted option value from i, as RuleLexer's `plain` takes one: any word but one starting with `-`, or `!` alone;
 * where it ends (a space or the end), or -1.
 */
function plainWord(b: Uint8Array, i: number, end: number): number {
  let to = i;
  for (; to < end; to++) {
    const c = b[to]!;
    if (c === SPACE) break;
    if (!wordByte(c)) return -1;
  }
  return to === i || b[i] === DASH || (to === i + 1 && b[i] === 33) ? -1 : to;
}

function startsWith(b: Uint8Array, i: number, end: number, word: Uint8Array): boolean {
  const n = word.length;
  if (i + n > end) return false;
  for (let k = 0; k < n; k++) if (b[i + k] !== word[k]) return false;
  return true;
}

/** A counter from i: 1 to 15 digits, no leading zero but `0` alone (so it prints back as it reads); where it ends, or -1. */
function counter(b: Uint8Array, i: number, end: number): number {
  const from = i;
  while (i < end && b[i]! >= 48 && b[i]! <= 57) i++;
  const n = i - from;
  if (n === 0 || n > 15 || (n > 1 && b[from] === 48)) return -1;
  return i;
}

/** A word of lower-case letters and digits from i (a protocol, a module); where it ends (a space or the end), or -1. */
function lowerWord(b: Uint8Array, i: number, end: number): number {
  const from = i;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === SPACE) break;
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return -1;
  }
  return i === from ? -1 : i;
}

/** b[from, to) is tcp, udp, sctp or udplite: the modules whose port options RuleLexer reads. */
function portModule(b: Uint8Array, from: number, to: number): boolean {
  const n = to - from;
  const c = b[from];
  if (n === 3) return (c === 116 && b[from + 1] === 99 && b[from + 2] === 112) || (c === 117 && b[from + 1] === 100 && b[from + 2] === 112);
  if (n === 4) return c === 115 && b[from + 1] === 99 && b[from + 2] === 116 && b[from + 3] === 112;
  return n === 7 && c === 117 && b[from + 1] === 100 && b[from + 2] === 112 && b[from + 3] === 108 && b[from + 4] === 105 && b[from + 5] === 116 && b[from + 6] === 101;
}

/** `0.DIGITS`, `0`, `1` or `1.ZEROS` from i (a probability parseProbability takes); where it ends, or -1. */
function probability(b: Uint8Array, i: number, end: number): number {
  const first = b[i];
  if (i >= end || (first !== 48 && first !== 49)) return -1;
  i++;
  if (i < end && b[i] === DOT) {
    const from = ++i;
    while (i < end && b[i]! >= 48 && b[i]! <= (first === 48 ? 57 : 48)) i++;
    if (i === from) return -1;
  }
  return i === end || b[i] === SPACE ? i : -1;
}

/** b[from, to) as 1 to 5 decimal digits up to 65535 (RuleLexer's `number`); -1 for anything else. */
function decimal(b: Uint8Array, from: number, to: number): number {
  if (to - from < 1 || to - from > 5) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v <= 65535 ? v : -1;
}

/** b[from, to) is a dotted quad parseIpv4 takes (no leading zero in an octet). */
function ipv4(b: Uint8Array, from: number, to: number): boolean {
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === DOT) {
      if (digits === 0 || dots === 3) return false;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return false;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

/** `A.B.C.D` or `A.B.C.D/N` from i (RuleLexer's ipv4Prefix); where it ends (a space or the end), or -1. */
function ipv4Prefix(b: Uint8Array, i: number, end: number): number {
  let to = i;
  let slash = -1;
  for (; to < end; to++) {
    const c = b[to];
    if (c === SPACE) break;
    if (c === SLASH && slash < 0) slash = to;
  }
  if (slash < 0) return ipv4(b, i, to) ? to : -1;
  const bits = to - slash - 1;
  if (bits < 1 || bits > 3 || !ipv4(b, i, slash)) return -1;
  const n = decimal(b, slash + 1, to);
  return n >= 0 && n <= 32 ? to : -1;
}
