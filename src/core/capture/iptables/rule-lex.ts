/**
 * The dump reader's first look at a rule line, `-A CHAIN args`, read where it lies in the line: its words
 * are places in the text (start, end, quoted), never strings, and only what the reader keeps is cut out (the
 * first comment, a DNAT address, a target's option values). It vouches for the same forms scanRuleArgs does
 * (rule-scan.ts), written the plainest way (no backslash in quotes, IPv4 addresses, decimal ports, module
 * names and targets unquoted), and gives the chain, target and comment that tokenizeInto + scanRuleArgs give;
 * for anything else it answers false and the reader tokenizes the line as before, so errors, notes and
 * unusual forms keep their one reader. A 170,000-rule dump made ~1.7 million word strings before.
 */
import type { Target } from '../../netfilter/ruleset';
import { parseIpv4 } from '../../common/ip';
import { genericOf, RULE_WORDS } from './iptables-args';
import type { RuleOption } from './matches/match-module';
import { EXTENSION_TARGETS, TARGETS } from './iptables-target';
import { parseProbability, RuleSyntaxError } from './iptables-values';
import { hashStep, WORD_HASH_SEED, type WordTable } from './word-table';

/** Words beyond this: read by the tokenizer (kube-proxy's longest rules have ~20). */
const MAX_WORDS = 64;

/** Port options of the tcp, udp, sctp and udplite modules, as scanRuleArgs knows them. */
const PORT_OPTIONS: ReadonlySet<string> = new Set(['--sport', '--source-port', '--dport', '--destination-port']);
const PORT_MODULES: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'udplite']);

export class RuleLexer {
  private readonly starts = new Int32Array(MAX_WORDS);
  private readonly ends = new Int32Array(MAX_WORDS);
  private readonly hashes = new Int32Array(MAX_WORDS);
  private readonly quoted = new Uint8Array(MAX_WORDS);
  private count = 0;
  private text = '';
  /** After a read that vouched: the rule's chain (the table's string when `chains` holds it), target and first comment. */
  chain = '';
  /** The ordinals in `chains` of the rule's chain and of the chain it jumps or goes to; -1: not there (or no such target). */
  chainOrdinal = -1;
  targetOrdinal = -1;
  /** Where the text after `-A CHAIN` starts (an offset from `start`) when the rule is written `-A CHAIN` + the end or a space; else -1. */
  argsFrom = -1;
  target: Target | null = null;
  comment: string | null = null;
  /**
   * What kube-proxy's service index reads of an entry rule's matches (frontendOfMatches), as places in the rule
   * (offsets from `start`): the last destination and protocol not negated (from, to; -1: none) and the last
   * `--dport` not negated (-1: none).
   */
  dstFrom = -1;
  dstTo = -1;
  protoFrom = -1;
  protoTo = -1;
  dport = -1;
  private start = 0;

  /** `chains`: the chains the dump declared, so that chain names in rules are found, not cut out. */
  constructor(private readonly chains: WordTable) {}

  /** text[start, end), a rule line without counters and surrounding blanks; true when vouched for. */
  read(text: string, start: number, end: number): boolean {
    this.text = text;
    this.start = start;
    if (!this.split(start, end) || this.count < 2 || this.quoted[0] === 1 || this.quoted[1] === 1) return false;
    if (this.ends[0] - this.starts[0] !== 2 || text.charCodeAt(this.starts[0]) !== 45 || text.charCodeAt(this.starts[0] + 1) !== 65) return false;
    this.chain = this.ruleChain();
    this.chainOrdinal = this.lastOrdinal;
    // `-A CHAIN` then the end or one space: the rest of the text is the rule's arguments as the store keeps them.
    const afterChain = this.ends[1]! - start;
    this.argsFrom = text.charCodeAt(start + 2) === 32 && this.starts[1] === start + 3 && (this.ends[1] === end || text.charCodeAt(this.ends[1]!) === 32) ? afterChain : -1;
    try {
      return this.args(2);
    } catch (e) {
      // A value parseRuleArgs would refuse: the tokenizing reader says how.
      if (e instanceof RuleSyntaxError) return false;
      throw e;
    }
  }

  /** Words as tokenizeInto cuts them: blanks between, `"..."` one word (a closing quote ends it). */
  private split(start: number, end: number): boolean {
    const { text, starts, ends, hashes, quoted } = this;
    let n = 0;
    let i = start;
    while (i < end) {
      let c = text.charCodeAt(i);
      if (c === 32 || c === 9) {
        i++;
        continue;
      }
      if (n === MAX_WORDS) return false;
      if (c === 34) {
        const from = ++i;
        while (i < end && (c = text.charCodeAt(i)) !== 34) {
          // An escape inside quotes: the tokenizer's.
          if (c === 92) return false;
          i++;
        }
        if (i >= end) return false;
        starts[n] = from;
        ends[n] = i;
        quoted[n++] = 1;
        i++;
        continue;
      }
      const from = i;
      let h = WORD_HASH_SEED;
      while (i < end && (c = text.charCodeAt(i)) !== 32 && c !== 9 && c !== 34) {
        h = hashStep(h, c);
        i++;
      }
      starts[n] = from;
      ends[n] = i;
      hashes[n] = h;
      quoted[n++] = 0;
    }
    this.count = n;
    return true;
  }

  /** The option, module or target word k is, when unquoted and one RULE_WORDS knows. */
  private word(k: number): string | undefined {
    return this.quoted[k] === 1 ? undefined : RULE_WORDS.find(this.text, this.starts[k]!, this.ends[k]!, this.hashes[k]!);
  }

  private cut(k: number): string {
    return this.text.slice(this.starts[k], this.ends[k]);
  }

  /** Word k as a chain name: a declared chain's string, else a word's, else cut out; its ordinal in `chains` goes in lastOrdinal. */
  private chainAt(k: number): string {
    const { text, starts, ends, hashes, chains } = this;
    const ordinal = chains.ordinalAt(text, starts[k]!, ends[k]!, hashes[k]!);
    this.lastOrdinal = ordinal;
    if (ordinal >= 0) return chains.wordAt(ordinal);
    return RULE_WORDS.find(text, starts[k]!, ends[k]!, hashes[k]!) ?? this.cut(k);
  }

  private lastOrdinal = -1;

  /**
   * Word 1, the rule's chain, as chainAt reads it; a dump's rules come chain by chain, so a word equal to the last
   * rule's chain is that chain, found without probing the table of ~60,000 names.
   */
  private ruleChain(): string {
    const { text, starts, ends, hashes, chains } = this;
    const ordinal = this.lastChainOrdinal;
    if (ordinal >= 0 && hashes[1] === this.lastChainHash && chains.holds(ordinal, text, starts[1]!, ends[1]!)) {
      this.lastOrdinal = ordinal;
      return chains.wordAt(ordinal);
    }
    const chain = this.chainAt(1);
    this.lastChainOrdinal = this.lastOrdinal;
    this.lastChainHash = hashes[1]!;
    return chain;
  }

  private lastChainOrdinal = -1;
  private lastChainHash = 0;

  /** scanRuleArgs' isPlainValue: quoted, or neither `!` nor starting with `-` (an unquoted word is never empty). */
  private plain(k: number): boolean {
    if (this.quoted[k] === 1) return true;
    const c = this.text.charCodeAt(this.starts[k]!);
    return c !== 45 && !(c === 33 && this.ends[k]! - this.starts[k]! === 1);
  }

  /** Words [from, count) as scanRuleArgs reads them, for the forms this lexer knows. */
  private args(from: number): boolean {
    const n = this.count;
    const { quoted } = this;
    this.comment = null;
    this.target = null;
    this.targetOrdinal = -1;
    this.dstFrom = this.dstTo = this.protoFrom = this.protoTo = this.dport = -1;
    let k = from;
    while (k < n) {
      if (quoted[k] === 1) return false;
      let word = this.word(k);
      let negated = false;
      if (word === '!') {
        negated = true;
        if (++k >= n || quoted[k] === 1) return false;
        word = this.word(k);
      }
      const generic = word === undefined ? undefined : genericOf(word);
      if (generic === undefined) return false;
      k++;
      switch (generic) {
        case 'source':
        case 'destination':
          if (k >= n || quoted[k] === 1 || !this.ipv4Prefix(k)) return false;
          if (generic === 'destination' && !negated) {
            this.dstFrom = this.starts[k]! - this.start;
            this.dstTo = this.ends[k]! - this.start;
          }
          k++;
          break;
        case 'in':
        case 'out':
        case 'protocol':
          if (k >= n || quoted[k] === 1 || !this.plain(k)) return false;
          if (generic === 'protocol' && !negated) {
            this.protoFrom = this.starts[k]! - this.start;
            this.protoTo = this.ends[k]! - this.start;
          }
          k++;
          break;
        case 'fragment':
          break;
        case 'match': {
          if (negated || k >= n || quoted[k] === 1 || !this.plain(k)) return false;
          const module = this.word(k++);
          if (module === undefined) return false;
          k = this.moduleEnd(module, k);
          if (k < 0) return false;
          break;
        }
        case 'jump':
        case 'goto': {
          if (negated || k >= n || quoted[k] === 1 || !this.plain(k)) return false;
          const name = this.chainAt(k++);
          this.targetOrdinal = this.lastOrdinal;
          this.target = generic === 'goto' ? (k === n ? { kind: 'goto', chain: name } : null) : this.jumpTarget(name, k);
          return this.target !== null;
        }
        case 'counters':
        case 'family':
          return false;
      }
    }
    return true;
  }

  /** Where `-m module`'s options starting at word k end; -1 for what this lexer leaves to the tokenizer. */
  private moduleEnd(module: string, k: number): number {
    const n = this.count;
    const { quoted } = this;
    if (module === 'comment') {
      const first = k;
      while (k < n && quoted[k] === 0 && this.word(k) === '--comment') {
        if (k + 1 >= n || !this.plain(k + 1)) return -1;
        k += 2;
      }
      if (this.comment === null && k > first) this.comment = this.cut(first + 1);
      return k;
    }
    if (PORT_MODULES.has(module)) {
      while (k < n && quoted[k] === 0) {
        let j = k;
        if (this.word(j) === '!') j++;
        if (j >= n || quoted[j] === 1) break;
        const option = this.word(j);
        if (option === undefined || !PORT_OPTIONS.has(option)) break;
        if (j + 1 >= n || quoted[j + 1] === 1) return -1;
        const port = this.port(j + 1);
        if (port < 0) return -1;
        if (j === k && (option === '--dport' || option === '--destination-port')) this.dport = port;
        k = j + 2;
      }
      return k;
    }
    if (module === 'statistic') {
      // kube-proxy's form only: `--mode random --probability P`.
      if (k + 3 >= n || quoted[k] === 1 || quoted[k + 1] === 1 || quoted[k + 2] === 1 || quoted[k + 3] === 1) return -1;
      if (this.word(k) !== '--mode' || this.word(k + 1) !== 'random' || this.word(k + 2) !== '--probability' || !this.plain(k + 3)) return -1;
      parseProbability(this.cut(k + 3));
      return k + 4;
    }
    return -1;
  }

  /** `-j NAME [options]` from word k to the end, as scanRuleArgs builds it; null: the tokenizer's. */
  private jumpTarget(name: string, k: number): Target | null {
    const n = this.count;
    if (name === 'DNAT' && k + 2 === n && this.word(k) === '--to-destination' && this.quoted[k + 1] === 0) {
      // `ADDRESS:PORT`, what the DNAT TargetSpec makes of it without its option records.
      const { text } = this;
      const from = this.starts[k + 1]!;
      const to = this.ends[k + 1]!;
      const colon = text.indexOf(':', from);
      if (colon <= from || colon >= to) return null;
      const port = this.number(colon + 1, to);
      if (port < 0 || parseIpv4(text, colon, from) === null) return null;
      const address = text.slice(from, colon);
      return { kind: 'dnat', to: [{ minAddress: address, maxAddress: address, ports: { min: port, max: port } }], random: false, persistent: false };
    }
    const spec = TARGETS.get(name);
    if (spec === undefined) return k === n && !EXTENSION_TARGETS.has(name) ? { kind: 'jump', chain: name } : null;
    const opts: RuleOption[] = [];
    while (k < n) {
      // A word is the target's option only when it is `--name` and no generic option (ArgReader's rule).
      const option = this.word(k);
      const asOption = option !== undefined && option.length > 2 && option.startsWith('--') && genericOf(option) === undefined;
      const arity = asOption ? spec.options.get(option) : undefined;
      if (arity === undefined || arity > 1) return null;
      if (arity === 0) {
        opts.push({ name: option!, negated: false, values: [] });
        k++;
        continue;
      }
      if (k + 1 >= n || !this.plain(k + 1)) return null;
      opts.push({ name: option!, negated: false, values: [this.cut(k + 1)] });
      k += 2;
    }
    return spec.build(opts);
  }

  /** Word k is `A.B.C.D` or `A.B.C.D/N` (N up to 32 in at most three digits). */
  private ipv4Prefix(k: number): boolean {
    const { text } = this;
    const from = this.starts[k]!;
    const to = this.ends[k]!;
    const slash = text.indexOf('/', from);
    if (slash < 0 || slash >= to) return parseIpv4(text, to, from) !== null;
    const bits = to - slash - 1;
    if (bits < 1 || bits > 3 || parseIpv4(text, slash, from) === null) return false;
    const n = this.number(slash + 1, to);
    return n >= 0 && n <= 32;
  }

  /** Word k as a port parsePortRange takes alone (1 to 5 digits, to 65535); -1 otherwise (then the tokenizer reads it). */
  private port(k: number): number {
    return this.number(this.starts[k]!, this.ends[k]!);
  }

  /** text[from, to) as 1 to 5 decimal digits up to 65535; -1 for anything else. */
  private number(from: number, to: number): number {
    if (to - from < 1 || to - from > 5) return -1;
    let v = 0;
    for (let i = from; i < to; i++) {
      const c = this.text.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      v = v * 10 + (c - 48);
    }
    return v <= 65535 ? v : -1;
  }
}
