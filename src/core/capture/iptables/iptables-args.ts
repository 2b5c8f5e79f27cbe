/**
 * Reads the argument list of one iptables rule (`-s 10.0.0.0/8 -p tcp -m tcp --dport 80 -j DNAT ...`)
 * into Match and Target records: the quoting rules of iptables-restore, `!` negation (before the option
 * or, in the old form, between option and value), implicit protocol modules, unknown modules kept whole.
 */
import type { Counters, Match, Target } from '../../netfilter/ruleset';
import { MATCH_MODULES, protocolModule } from './iptables-match';
import { optionWords, type RuleOption } from './matches/match-module';
import { EXTENSION_TARGETS, TARGETS } from './iptables-target';
import { fail, isAddress, normaliseProtocol, parseCidr } from './iptables-values';
import type { RecordPool } from './record-pool';
import { hashRange, hashStep, WORD_HASH_SEED, WordTable } from './word-table';

export interface RuleTokens {
  tokens: string[];
  /** quoted[i]: token i was written in double quotes (so `"-x"` is a value, never an option). */
  quoted: boolean[];
}

/**
 * Splits like iptables-restore: blanks separate words, `"..."` groups (a backslash inside quotes escapes the
 * next character), and a closing quote ends the word.
 */
export function tokenizeRule(text: string, from = 0): RuleTokens {
  const rule: RuleTokens = { tokens: [], quoted: [] };
  tokenizeInto(rule, text, from, text.length);
  return rule;
}

/**
 * The words of text[from, end) into `rule` from index 0, for a buffer reused from rule to rule: returns
 * their number; entries past it are left over from a longer rule. Words found in `words` (options, modules,
 * targets) are its strings; so are chain names found in `chains`, looked up only where a rule names a chain
 * (after `-A`/`-I` and `-j`/`-g`): a dump's tens of thousands of chains make a table too large to probe for
 * every word.
 */
export function tokenizeInto(rule: RuleTokens, text: string, from: number, end: number, words: WordTable | null = null, chains: WordTable | null = null): number {
  const { tokens, quoted } = rule;
  let count = 0;
  let i = from;
  while (i < end) {
    let c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34) {
      let out = '';
      let start = ++i;
      for (;;) {
        if (i >= end) fail('unterminated quote');
        c = text.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 && i + 1 < end) {
          out += text.slice(start, i);
          start = i + 1;
          i += 2;
          continue;
        }
        i++;
      }
      tokens[count] = out + text.slice(start, i);
      quoted[count++] = true;
      i++;
      continue;
    }
    const start = i;
    if (c >= 48 && c <= 57) {
      // Addresses, ports, numbers: no word of the tables starts with a digit worth finding.
      while (i < end && (c = text.charCodeAt(i)) !== 32 && c !== 9 && c !== 34) i++;
      tokens[count] = text.slice(start, i);
      quoted[count++] = false;
      continue;
    }
    if (count === 1 && chains !== null) {
      // The chain a rule is appended to: most often the last rule's (a dump's rules come chain by chain).
      while (i < end && (c = text.charCodeAt(i)) !== 32 && c !== 9 && c !== 34) i++;
      const last = tokens[1];
      if (last !== undefined && last.length === i - start && last.charCodeAt(0) === text.charCodeAt(start) && text.startsWith(last, start)) {
        tokens[count] = last;
      } else {
        const h = hashRange(text, start, i);
        tokens[count] = chains.find(text, start, i, h) ?? words?.find(text, start, i, h) ?? text.slice(start, i);
      }
      quoted[count++] = false;
      continue;
    }
    let h = WORD_HASH_SEED;
    while (i < end) {
      c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 34) break;
      h = hashStep(h, c);
      i++;
    }
    let word: string | undefined;
    if (chains !== null && (count === 1 || (count > 1 && !quoted[count - 1] && namesChain(tokens[count - 1]!)))) word = chains.find(text, start, i, h);
    if (word === undefined && words !== null) word = words.find(text, start, i, h);
    tokens[count] = word ?? text.slice(start, i);
    quoted[count++] = false;
  }
  return count;
}

/** An option followed by a chain name. */
function namesChain(word: string): boolean {
  return word === '-j' || word === '-g' || word === '--jump' || word === '--goto';
}

/** Options read so far for one `-m MODULE`; its `kind` sets it apart from the Match records read in between. */
interface ModuleGroup {
  kind: 'module-group';
  module: string;
  /** The options the module takes, with their number of values; undefined for a module natlens does not know. */
  options: ReadonlyMap<string, number> | undefined;
  opts: RuleOption[];
  /** The words read for it, kept once it is not understood; until then `opts` says the same (rawOf). */
  raw: string[] | null;
  understood: boolean;
}

interface TargetGroup {
  kind: 'target-group';
  name: string;
  goto: boolean;
  options: ReadonlyMap<string, number> | undefined;
  opts: RuleOption[];
  /** As ModuleGroup.raw. */
  raw: string[] | null;
  understood: boolean;
}

/** The words read for a group, `!` and all, as iptables-save wrote them. */
function rawOf(group: ModuleGroup | TargetGroup): string[] {
  return group.raw ?? optionWords(group.opts);
}

function hasWords(group: ModuleGroup | TargetGroup): boolean {
  return group.raw === null ? group.opts.length > 0 : group.raw.length > 0;
}

/** The group's words, kept from now on (a group natlens does not understand gathers words beyond its options). */
function keptWords(group: ModuleGroup | TargetGroup): string[] {
  return (group.raw ??= optionWords(group.opts));
}

export interface RuleArgs {
  matches: Match[];
  target: Target | null;
  /** From `-c PKTS BYTES` inside the rule. */
  counters: Counters | null;
  /** Things the rule reader tolerated but iptables-restore would not (unquoted comment words). */
  notes: string[];
}

export type Generic = 'source' | 'destination' | 'in' | 'out' | 'protocol' | 'fragment' | 'match' | 'jump' | 'goto' | 'counters' | 'family';

const GENERIC: ReadonlyMap<string, Generic> = new Map<string, Generic>([
  ['-s', 'source'], ['--source', 'source'], ['--src', 'source'],
  ['-d', 'destination'], ['--destination', 'destination'], ['--dst', 'destination'],
  ['-i', 'in'], ['--in-interface', 'in'], ['-o', 'out'], ['--out-interface', 'out'],
  ['-p', 'protocol'], ['--protocol', 'protocol'], ['-f', 'fragment'], ['--fragment', 'fragment'],
  ['-m', 'match'], ['--match', 'match'], ['-j', 'jump'], ['--jump', 'jump'], ['-g', 'goto'], ['--goto', 'goto'],
  ['-c', 'counters'], ['--set-counters', 'counters'], ['-4', 'family'], ['--ipv4', 'family'], ['-6', 'family'], ['--ipv6', 'family'],
]);

const DIGITS = /^\d+$/;

/** The words of rules a reader meets again and again, for tokenizeInto. */
export const RULE_WORDS: WordTable = new WordTable([
  '!', '-A', '--append', '-I', '--insert', ...GENERIC.keys(), 'tcp', 'udp', 'icmp', 'all', 'random', 'nth',
  ...[...MATCH_MODULES].flatMap(([name, spec]) => [name, ...spec.options.keys()]),
  ...[...TARGETS].flatMap(([name, spec]) => [name, ...spec.options.keys()]),
  ...EXTENSION_TARGETS,
]);

/** Where the matches of the rule being read are gathered before their exact-size copy. */
const SCRATCH: Match[] = [];
const NO_MATCH: Match = { kind: 'fragment', negated: false };

export function isGenericOption(token: string): boolean {
  return GENERIC.has(token);
}

/** What a generic option (`-s`, `--source`, `-j`...) is; undefined for any other word. */
export function genericOf(token: string): Generic | undefined {
  return GENERIC.get(token);
}

/**
 * Reads the rule's arguments: tokens [from, count), from after `-A CHAIN`; count is less in a reused buffer.
 * With a pool, records equal to those of earlier rules are shared with them.
 */
export function parseRuleArgs(rule: RuleTokens, from: number, count = rule.tokens.length, pool: RecordPool | null = null): RuleArgs {
  return new ArgReader(rule.tokens, rule.quoted, count, from, pool).read();
}

/**
 * The rule being read: its matches and module groups in order, and the groups its options may belong to
 * (innermost last). Shared by every ArgReader and counted by each, not allocated per rule: a
 * 170,000-rule dump allocated ~70 MB of them.
 */
const ITEMS: Array<Match | ModuleGroup> = [];
const CONTEXTS: Array<ModuleGroup | TargetGroup> = [];

class ArgReader {
  private items = 0;
  private contexts = 0;
  private notes: string[] | null = null;
  private target: TargetGroup | null = null;
  private protocol: string | null = null;
  private counters: Counters | null = null;
  private negate = false;
  private lastOption: RuleOption | null = null;
  private lastOwner: ModuleGroup | TargetGroup | null = null;

  constructor(
    private readonly tokens: readonly string[],
    private readonly quoted: readonly boolean[],
    private readonly n: number,
    private i: number,
    private readonly pool: RecordPool | null,
  ) {}

  read(): RuleArgs {
    const { tokens, quoted, n } = this;
    while (this.i < n) {
      const k = this.i++;
      const t = tokens[k];
      const q = quoted[k];
      const c0 = t.charCodeAt(0);
      if (c0 === 33 && t.length === 1 && !q) {
        if (this.negate) fail('"!" twice in a row');
        this.negate = true;
        continue;
      }
      const generic = q || c0 !== 45 ? undefined : GENERIC.get(t);
      if (generic !== undefined) {
        this.readGeneric(generic, t);
        continue;
      }
      if (c0 === 45 && t.charCodeAt(1) === 45 && t.length > 2 && !q) this.readOption(t);
      else this.readWord(t);
    }
    if (this.negate) fail('"!" at the end of the rule');
    return { matches: this.buildMatches(), target: buildTarget(this.target, this.pool), counters: this.counters, notes: this.notes ?? [] };
  }

  private isOptionToken(k: number): boolean {
    if (this.quoted[k]) return false;
    const t = this.tokens[k];
    const c = t.charCodeAt(0);
    if (c === 45) return t.charCodeAt(1) === 45 || GENERIC.has(t);
    return c === 33 && t.length === 1;
  }

  private takeValue(option: string): string {
    if (this.i >= this.n || this.isOptionToken(this.i)) fail(`option ${option} needs a value`);
    return this.tokens[this.i++];
  }

  /** An interface, module, target or chain name: unlike an option value (`--comment ""`), never empty. */
  private takeName(option: string): string {
    const name = this.takeValue(option);
    if (name === '') fail(`option ${option} needs a name, not ""`);
    return name;
  }

  /** The old `--option ! value` form. */
  private takeLateNegation(option: string): void {
    const i = this.i;
    if (i < this.n && this.tokens[i] === '!' && !this.quoted[i]) {
      if (this.negate) fail(`option ${option} negated twice`);
      this.negate = true;
      this.i++;
    }
  }

  private readGeneric(generic: Generic, t: string): void {
    this.lastOption = null;
    this.lastOwner = null;
    switch (generic) {
      case 'source':
      case 'destination': {
        this.takeLateNegation(t);
        const v = this.takeValue(t);
        const slash = v.indexOf('/');
        const negated = this.negate;
        let match: Match;
        if (isAddress(slash < 0 ? v : v.slice(0, slash))) match = { kind: generic, cidr: parseCidr(v), negated };
        else match = { kind: 'unsupported', module: 'host', args: negated ? ['!', generic === 'source' ? '-s' : '-d', v] : [generic === 'source' ? '-s' : '-d', v] };
        ITEMS[this.items++] = match;
        break;
      }
      case 'in':
      case 'out': {
        this.takeLateNegation(t);
        ITEMS[this.items++] = { kind: generic === 'in' ? 'in-interface' : 'out-interface', name: this.takeName(t), negated: this.negate };
        break;
      }
      case 'protocol': {
        this.takeLateNegation(t);
        const proto = normaliseProtocol(this.takeValue(t));
        this.protocol = this.negate ? null : proto;
        ITEMS[this.items++] = this.pool === null ? { kind: 'protocol', proto, negated: this.negate } : this.pool.protocol(proto, this.negate);
        break;
      }
      case 'fragment':
        ITEMS[this.items++] = { kind: 'fragment', negated: this.negate };
        break;
      case 'match': {
        if (this.negate) fail('"!" cannot negate -m');
        const module = this.takeName(t);
        const spec = MATCH_MODULES.get(module);
        const group: ModuleGroup = { kind: 'module-group', module, options: spec?.options, opts: [], raw: spec === undefined ? [] : null, understood: spec !== undefined };
        ITEMS[this.items++] = group;
        CONTEXTS[this.contexts++] = group;
        break;
      }
      case 'jump':
      case 'goto': {
        if (this.negate) fail(`"!" cannot negate ${t}`);
        if (this.target !== null) fail('more than one -j/-g');
        const name = this.takeName(t);
        const goto = generic === 'goto';
        this.target = { kind: 'target-group', name, goto, options: goto ? undefined : TARGETS.get(name)?.options, opts: [], raw: null, understood: true };
        CONTEXTS[this.contexts++] = this.target;
        break;
      }
      case 'counters': {
        const p = this.takeValue(t);
        const b = this.takeValue(t);
        if (!DIGITS.test(p) || !DIGITS.test(b)) fail(`bad counters "${p} ${b}"`);
        this.counters = { packets: Number(p), bytes: Number(b) };
        break;
      }
      case 'family':
        break;
    }
    this.negate = false;
  }

  private readOption(t: string): void {
    const { tokens, n } = this;
    let owner: ModuleGroup | TargetGroup | null = null;
    let arity: number | undefined;
    for (let c = this.contexts - 1; c >= 0; c--) {
      arity = CONTEXTS[c]!.options?.get(t);
      if (arity !== undefined) {
        owner = CONTEXTS[c]!;
        break;
      }
    }
    if (owner === null) {
      const implicit = protocolModule(this.protocol);
      const spec = implicit === null ? undefined : MATCH_MODULES.get(implicit);
      arity = spec?.options.get(t);
      if (implicit !== null && arity !== undefined) {
        const group: ModuleGroup = { kind: 'module-group', module: implicit, options: spec?.options, opts: [], raw: null, understood: true };
        owner = group;
        ITEMS[this.items++] = group;
        CONTEXTS[this.contexts++] = group;
      }
    }
    if (owner === null || arity === undefined) {
      // An option natlens does not know: keep it (and the whole module or target) as unsupported.
      owner = this.innermost();
      if (owner === null) fail(`unknown option ${t}`);
      owner.understood = false;
      keptWords(owner);
      arity = -1;
    }
    if (arity > 0 || (arity < 0 && this.i + 1 < n && !this.isOptionToken(this.i + 1))) this.takeLateNegation(t);
    let values: string[];
    if (arity === 1) {
      values = [this.takeValue(t)];
    } else {
      values = [];
      if (arity < 0) {
        while (this.i < n && !this.isOptionToken(this.i)) values.push(tokens[this.i++]);
      } else {
        for (let v = 0; v < arity; v++) values.push(this.takeValue(t));
      }
    }
    const opt: RuleOption = { name: t, negated: this.negate, values };
    owner.opts.push(opt);
    const raw = owner.raw;
    if (raw !== null) {
      if (this.negate) raw.push('!');
      raw.push(t);
      for (let v = 0; v < values.length; v++) raw.push(values[v]);
    }
    this.lastOption = opt;
    this.lastOwner = owner;
    this.negate = false;
  }

  /** A word that is not an option. */
  private readWord(t: string): void {
    if (this.negate) fail(`"!" before "${t}"`);
    const { lastOption, lastOwner } = this;
    if (lastOption !== null && lastOwner !== null && lastOption.name === '--comment' && lastOption.values.length === 1) {
      // kube-proxy's own test dumps write multi-word comments unquoted; iptables-restore would refuse them.
      lastOption.values[0] += ` ${t}`;
      if (lastOwner.raw !== null) lastOwner.raw[lastOwner.raw.length - 1] = lastOption.values[0];
      this.notes ??= ['unquoted multi-word comment'];
      return;
    }
    if (lastOwner !== null && !lastOwner.understood && lastOption !== null) {
      lastOption.values.push(t);
      keptWords(lastOwner).push(t);
      return;
    }
    const innermost = this.innermost();
    if (innermost !== null && !innermost.understood && lastOption === null) {
      keptWords(innermost).push(t);
      return;
    }
    fail(`unexpected argument "${t}"`);
  }

  private innermost(): ModuleGroup | TargetGroup | null {
    return this.contexts > 0 ? CONTEXTS[this.contexts - 1]! : null;
  }

  private buildMatches(): Match[] {
    const matches = SCRATCH;
    let count = 0;
    for (let i = 0; i < this.items; i++) {
      const item = ITEMS[i]!;
      if (item.kind !== 'module-group') {
        matches[count++] = item;
        continue;
      }
      const spec = item.understood ? MATCH_MODULES.get(item.module) : undefined;
      if (spec === undefined) {
        matches[count++] = { kind: 'unsupported', module: item.module, args: rawOf(item).slice() };
        continue;
      }
      const built = spec.build(item.opts, this.pool);
      for (let b = 0; b < built.length; b++) matches[count++] = built[b];
    }
    // A copy of exactly `count` slots: a pushed-to array keeps room for 17, 100 bytes a rule in a large dump.
    const exact = matches.slice(0, count);
    matches.fill(NO_MATCH, 0, count);
    return exact;
  }
}

function buildTarget(group: TargetGroup | null, pool: RecordPool | null): Target | null {
  if (group === null) return null;
  if (group.goto) {
    if (hasWords(group)) fail(`-g ${group.name} takes no options`);
    return { kind: 'goto', chain: group.name };
  }
  const spec = TARGETS.get(group.name);
  if (spec !== undefined && group.understood) return spec.build(group.opts);
  if (spec === undefined && !hasWords(group) && !EXTENSION_TARGETS.has(group.name)) {
    return pool === null ? { kind: 'jump', chain: group.name } : pool.jump(group.name);
  }
  return { kind: 'other', name: group.name, args: rawOf(group) };
}
