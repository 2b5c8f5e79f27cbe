/**
 * `iptables -L` listings (`-n`, `-v`, `-x`, `--line-numbers`, `-t TABLE`, one chain, grep-ed fragments)
 * → Ruleset, with Rule.text synthesised as iptables-save would print the rule.
 */
import type { ParsedCapture } from '../../records/records';
import { CaptureError } from '../capture-error';
import { linesOf, type TextInput } from '../text-input';
import { parseExtras } from './iptables-list-extras';
import { isEmptyProtocolModule } from './matches/ports';
import { RuleSyntaxError, fail, isAddress, isProtocolWord, normaliseProtocol, parseCidr } from './iptables-values';
import { iptablesNoteOf, type RulesetWarning } from './iptables-save';
import { inferTableOf } from './iptables-sniff';
import { unwrapListing } from './iptables-list-unwrap';
import { renderRule } from '../../netfilter/rule-text';
import { BUILTIN_CHAINS, type Chain, type Counters, type Match, type Table, type TableName } from '../../netfilter/ruleset';

export interface IptablesListOptions {
  /** A filtered or cut listing (grep, head, one chain): never the whole ruleset. */
  partial: boolean;
  /** From `-t TABLE` when the command line is known; otherwise inferred from the chains and targets. */
  table?: TableName;
  /** From the command (ip6tables or iptables); otherwise from the addresses shown. */
  family?: 'ipv4' | 'ipv6';
}

export type IptablesListCapture = Extract<ParsedCapture, { kind: 'iptables-list' }> & { warnings: RulesetWarning[] };

/** Chain holding rules that appear before any `Chain` header (a grep-ed fragment). */
export const UNKNOWN_CHAIN = '?';

interface Columns {
  num: boolean;
  verbose: boolean;
}

interface RawRule {
  line: number;
  target: string;
  counters: Counters | null;
  basics: Match[];
  extras: string;
}

interface RawChain {
  name: string;
  line: number;
  policy: 'ACCEPT' | 'DROP' | null;
  counters: Counters | null;
  rules: RawRule[];
}

const CHAIN_HEADER = /^Chain (\S+) \((?:policy (ACCEPT|DROP)(?: (\d+[KMGTP]?) packets, (\d+[KMGTP]?) bytes)?|(\d+) references?)\)\s*$/;
/** A 64-bit counter has at most 20 digits; -v without -x shortens it with a unit. */
const COUNTER = /^(\d{1,20})([KMGTP]?)$/;
const UNIT: Readonly<Record<string, number>> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

function counterValue(text: string): number | null {
  const m = COUNTER.exec(text);
  return m === null ? null : Number(m[1]) * UNIT[m[2]];
}

function isOpt(word: string): boolean {
  return word === '--' || word === '-f' || word === '!f';
}

/** Words of a line with the offset just past each one. */
function leadingWords(text: string, max: number): Array<{ word: string; end: number }> {
  const out: Array<{ word: string; end: number }> = [];
  let i = 0;
  while (i < text.length && out.length < max) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') i++;
    out.push({ word: text.slice(start, i), end: i });
  }
  return out;
}

function addressMatch(kind: 'source' | 'destination', text: string): Match | null {
  const negated = text.startsWith('!');
  const v = negated ? text.slice(1) : text;
  if (v === 'anywhere' || v === '0.0.0.0/0' || v === '::/0') return null;
  const slash = v.indexOf('/');
  if (isAddress(slash < 0 ? v : v.slice(0, slash))) return { kind, cidr: parseCidr(v), negated };
  // `iptables -L` without -n prints host names natlens cannot resolve.
  return { kind: 'unsupported', module: 'host', args: [...(negated ? ['!'] : []), kind === 'source' ? '-s' : '-d', v] };
}

function interfaceMatch(kind: 'in-interface' | 'out-interface', text: string): Match | null {
  const negated = text.startsWith('!');
  const name = negated ? text.slice(1) : text;
  if (name === '') fail(`no interface name after "!"`);
  return name === '*' || name === 'any' ? null : { kind, name, negated };
}

/** Reads the fixed columns of a rule line; null when the line is not one. */
/**
 * ip6tables before 1.8.9 printed the `opt` column blank (IPv6 has no fragment flag): with the header known, the
 * `--` it stands for goes back in after the prot column, which is the first word after the counters when the
 * word after it is no protocol (no target), else the second.
 */
function withBlankOpt(words: Array<{ word: string; end: number }>, columns: Columns | null): Array<{ word: string; end: number }> | null {
  if (columns === null) return null;
  const lead = (columns.num ? 1 : 0) + (columns.verbose ? 2 : 0);
  const first = words[lead];
  const second = words[lead + 1];
  if (first === undefined || second === undefined) return null;
  const protAt = isProtocolWord(first.word) && !isProtocolWord(second.word) ? lead : lead + 1;
  if (!isProtocolWord(words[protAt]!.word)) return null;
  return [...words.slice(0, protAt + 1), { word: '--', end: words[protAt]!.end }, ...words.slice(protAt + 1)];
}

function ruleColumns(text: string, columns: Columns | null): { rule: Omit<RawRule, 'line'>; verbose: boolean } | null {
  let words = leadingWords(text, 12);
  let optAt = words.findIndex((w, k) => k >= 1 && isOpt(w.word));
  if (optAt < 1) {
    const filled = withBlankOpt(words, columns);
    if (filled === null) return null;
    words = filled;
    optAt = words.findIndex((w, k) => k >= 1 && isOpt(w.word));
  }
  const leading = words.slice(0, optAt - 1).map((w) => w.word);
  let target = '';
  let verbose: boolean;
  if (columns !== null) {
    const expected = (columns.num ? 1 : 0) + (columns.verbose ? 2 : 0);
    if (leading.length === expected + 1) target = leading.pop() ?? '';
    else if (leading.length !== expected) return null;
    verbose = columns.verbose;
  } else {
    if (leading.length > 0 && counterValue(leading[leading.length - 1]) === null) target = leading.pop() ?? '';
    if (leading.length > 3 || leading.some((w) => counterValue(w) === null)) return null;
    verbose = leading.length >= 2;
  }
  const rest = words.slice(optAt + 1);
  const needed = verbose ? 4 : 2;
  if (rest.length < needed) return null;
  const basics: Match[] = [];
  const push = (m: Match | null): void => {
    if (m !== null) basics.push(m);
  };
  const prot = words[optAt - 1].word;
  const protNeg = prot.startsWith('!');
  const proto = normaliseProtocol(protNeg ? prot.slice(1) : prot);
  if (proto !== 'all') basics.push({ kind: 'protocol', proto, negated: protNeg });
  const opt = words[optAt].word;
  if (opt !== '--') basics.push({ kind: 'fragment', negated: opt === '!f' });
  let k = 0;
  if (verbose) {
    push(interfaceMatch('in-interface', rest[k++].word));
    push(interfaceMatch('out-interface', rest[k++].word));
  }
  const src = addressMatch('source', rest[k++].word);
  const dst = addressMatch('destination', rest[k].word);
  // iptables-save order: -s -d -i -o -p -f.
  const ordered = [src, dst, ...basics.filter((m) => m.kind === 'in-interface' || m.kind === 'out-interface'), ...basics.filter((m) => m.kind === 'protocol' || m.kind === 'fragment')];
  let counters: Counters | null = null;
  if (verbose) {
    const c = leading.slice(leading.length - 2);
    const packets = counterValue(c[0]);
    const bytes = counterValue(c[1]);
    if (packets === null || bytes === null) fail(`bad counters "${c[0]} ${c[1]}"`.slice(0, 80));
    counters = { packets, bytes };
  }
  return {
    rule: { target, counters, basics: ordered.filter((m): m is Match => m !== null), extras: text.slice(rest[k].end).trim() },
    verbose,
  };
}

/** The columns of a rule line, an address or protocol they cannot hold becoming a CaptureError at its line. */
function columnsOrError(text: string, columns: Columns | null, place: { file: string; line: number }): ReturnType<typeof ruleColumns> {
  try {
    return ruleColumns(text, columns);
  } catch (e) {
    if (e instanceof RuleSyntaxError) throw new CaptureError(place, e.reason);
    throw e;
  }
}

function inferTable(chains: RawChain[]): TableName {
  const names = new Set(chains.map((c) => c.name));
  const targets = new Set(chains.flatMap((c) => c.rules.map((r) => r.target)));
  return inferTableOf(names, targets).table;
}

export function parseIptablesList(input: TextInput, opts: IptablesListOptions): IptablesListCapture {
  const groups: RawChain[][] = [[]];
  let current: RawChain | null = null;
  let columns: Columns | null = null;
  let verboseSeen = false;
  let fragment = false;
  let elided = false;
  let sawRule = false;
  const err = (line: number, reason: string): CaptureError => new CaptureError({ file: input.file, line }, reason);
  const warnings: RulesetWarning[] = [];

  for (const { line, text } of unwrapListing(linesOf(input))) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('# ')) {
      const note = iptablesNoteOf(trimmed);
      if (note === null) throw err(line, `not an iptables -L line: "${trimmed.slice(0, 60)}"`);
      warnings.push({ line, message: note });
      continue;
    }
    if (trimmed.startsWith('Chain ')) {
      const m = CHAIN_HEADER.exec(trimmed);
      if (m === null) throw err(line, `bad chain header "${trimmed.slice(0, 60)}"`);
      let group = groups[groups.length - 1];
      if (group.some((c) => c.name === m[1])) {
        group = [];
        groups.push(group);
      }
      const packets = m[3] === undefined ? null : counterValue(m[3]);
      const bytes = m[4] === undefined ? null : counterValue(m[4]);
      current = {
        name: m[1], line, policy: m[2] === 'ACCEPT' || m[2] === 'DROP' ? m[2] : null,
        counters: packets === null || bytes === null ? null : { packets, bytes }, rules: [],
      };
      group.push(current);
      columns = null;
      continue;
    }
    const first = trimmed.split(/\s+/, 1)[0];
    if ((first === 'target' || first === 'pkts' || first === 'num') && /\bsource\b/.test(trimmed) && /\bdestination\b/.test(trimmed)) {
      const heads = trimmed.split(/\s+/);
      columns = { num: heads[0] === 'num', verbose: heads.includes('pkts') };
      continue;
    }
    if (/^(\.\.\.?|…)$/.test(trimmed)) {
      elided = true;
      continue;
    }
    if (text.length > 10000) throw err(line, 'line too long for an iptables -L listing');
    const parsed = columnsOrError(text, columns, { file: input.file, line });
    if (parsed === null) {
      if (text.includes('\0')) throw err(line, 'binary data, not an iptables -L listing');
      throw err(line, `not an iptables -L rule line: "${trimmed.slice(0, 60)}"`);
    }
    sawRule = true;
    if (parsed.verbose) verboseSeen = true;
    if (current === null) {
      fragment = true;
      current = { name: UNKNOWN_CHAIN, line, policy: null, counters: null, rules: [] };
      groups[groups.length - 1].push(current);
    }
    current.rules.push({ line, ...parsed.rule });
  }
  if (!sawRule && groups[0].length === 0) throw err(input.firstLine, 'no chain or rule in iptables -L listing');

  const declared = new Set(groups.flatMap((g) => g.map((c) => c.name)));
  const tables: Table[] = groups.map((group, gi) => {
    const name = gi === 0 && opts.table !== undefined ? opts.table : inferTable(group);
    const chains: Chain[] = group.map((raw) => ({
      name: raw.name,
      builtin: BUILTIN_CHAINS[name].includes(raw.name),
      policy: raw.policy,
      counters: raw.counters,
      line: raw.line,
      rules: raw.rules.map((r, i) => {
        try {
          const extras = parseExtras(r.extras, r.target, declared.has(r.target));
          const shown = [...r.basics, ...extras.matches];
          const matches = shown.filter((m) => !isEmptyProtocolModule(m));
          return { position: i + 1, text: renderRule(raw.name, shown, extras.target), line: r.line, counters: r.counters, matches, target: extras.target };
        } catch (e) {
          if (e instanceof RuleSyntaxError) throw err(r.line, e.reason);
          throw e;
        }
      }),
    }));
    return { name, line: group[0]?.line ?? input.firstLine, chains };
  });

  const v6 = tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.matches.some((m) => (m.kind === 'source' || m.kind === 'destination') && m.cidr.address.includes(':')))));
  const ipv6Any = /(^|\s)::\/0(\s|$)/m.test(input.text.slice(0, 20000));
  return {
    kind: 'iptables-list',
    ruleset: {
      family: opts.family ?? (v6 || ipv6Any ? 'ipv6' : 'ipv4'),
      origin: {
        format: 'iptables-list',
        interfacesShown: verboseSeen,
        countersShown: verboseSeen,
        partial: opts.partial || fragment || elided,
      },
      tables,
    },
    takenAt: null,
    warnings,
  };
}
