/**
 * `nft list ruleset` (also `nft -a`, `-n`/`-nn`, `nft list table ...`, `nft list chain ...`, and greps of them)
 * → the rulesets iptables-nft wrote, one per family: `table ip|ip6 raw|mangle|nat|filter|security` whose base
 * chains are iptables' built-in chains. Each rule keeps the text nft printed; its words are translated by
 * nft-rule.ts. Any other table (firewalld's `table inet firewalld`, kube-proxy's nftables mode `table ip
 * kube-proxy`, a hand-written `table inet filter`) is native nftables, not modelled: one warning naming it, its
 * base chains' hooks and priorities, and the rulesets of the families it filters marked partial.
 */
import type { CaptureNote, ParsedCapture } from '../../records/records';
import { BUILTIN_CHAINS, TABLE_NAMES, type Chain, type Rule, type Ruleset, type Table, type TableName } from '../../netfilter/ruleset';
import { CaptureError, clipText } from '../capture-error';
import { lineTicker, linesOf, type TextInput } from '../text-input';
import { RuleSyntaxError } from '../iptables/iptables-values';
import { nftWords, translateNftRule } from './nft-rule';

export type NftRulesetCapture = Extract<ParsedCapture, { kind: 'nft-ruleset' }> & { warnings: CaptureNote[] };

export interface NftRulesetOptions {
  /** One table or chain (`nft list table|chain`), a grep, an excerpt: never the whole ruleset. */
  partial: boolean;
}

type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
const FAMILIES: readonly NftFamily[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

interface BaseChain {
  type: string;
  hook: string;
  priority: string;
  policy: 'ACCEPT' | 'DROP';
}

interface RawChain {
  name: string;
  line: number;
  base: BaseChain | null;
  rules: Array<{ line: number; text: string }>;
}

interface RawTable {
  family: NftFamily;
  name: string;
  line: number;
  chains: RawChain[];
  /** Named sets, maps, flowtables, ... (`set NAME {`): iptables-nft makes none. */
  objects: string[];
}

const TABLE_LINE = /^table\s+(\S+)\s+(\S+)\s*\{\s*(?:#.*)?$/;
const CHAIN_LINE = /^chain\s+(\S+)\s*\{\s*(?:#.*)?$/;
const OBJECT_LINE = /^(set|map|flowtable|counter|quota|limit|ct\s+helper|ct\s+timeout|ct\s+expectation|secmark|synproxy)\s+(\S+)\s*\{/;
const BASE_LINE = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+device\s+\S+)?\s+priority\s+([^;]+);\s*(?:policy\s+(accept|drop);)?\s*(?:comment\s+"[^"]*"\s*)?(?:#.*)?$/;
/** The lines nft prints on stderr for an iptables-nft table (pasted with 2>&1): they hold no rule. */
const NFT_WARNING = /^# Warning: (?:table \S+ \S+ is managed by iptables-nft, do not touch!|iptables-legacy tables present)/;

/** The hook of each iptables built-in chain. */
const HOOK_OF_CHAIN: Readonly<Record<string, string>> = {
  PREROUTING: 'prerouting', INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', POSTROUTING: 'postrouting',
};

export function parseNftRuleset(input: TextInput, opts: NftRulesetOptions): NftRulesetCapture {
  const { file } = input;
  const warnings: CaptureNote[] = [];
  const tables: RawTable[] = [];
  let table: RawTable | null = null;
  let chain: RawChain | null = null;
  /** Depth inside a named object's block (`set NAME { ... }`), whose lines are skipped. */
  let objectDepth = 0;
  let cut = false;
  const error = (line: number, reason: string): never => {
    throw new CaptureError({ file, line }, reason);
  };
  const tick = lineTicker(input.onLines);

  for (const { line, text: raw } of linesOf(input)) {
    tick(line);
    const text = raw.trim();
    if (text === '') continue;
    if (objectDepth > 0) {
      objectDepth += braceDepth(text);
      continue;
    }
    if (text.startsWith('#')) {
      if (!NFT_WARNING.test(text)) warnings.push({ line, message: `nft: comment line not read: "${clipText(text)}"` });
      continue;
    }
    if (text === '}') {
      if (chain !== null) chain = null;
      else if (table !== null) table = null;
      else if (opts.partial) cut = true;
      else error(line, 'nft: "}" closes no table or chain');
      continue;
    }
    const t = TABLE_LINE.exec(text);
    if (t !== null) {
      if (table !== null) {
        if (!opts.partial) error(line, `nft: table ${t[1]} ${t[2]} opens inside table ${table.family} ${table.name} (line ${table.line}), which is not closed`);
        cut = true;
      }
      const family = t[1] as NftFamily;
      if (!FAMILIES.includes(family)) error(line, `nft: unknown table family "${t[1]}"`);
      table = { family, name: t[2]!, line, chains: [], objects: [] };
      tables.push(table);
      chain = null;
      continue;
    }
    if (/^table\s/.test(text)) error(line, `nft: a table line nft would not print: "${clipText(text)}"`);
    const ch = CHAIN_LINE.exec(text);
    if (ch !== null) {
      if (table === null) {
        if (!opts.partial) error(line, 'nft: a chain outside any table');
        warnings.push({ line, message: `nft: chain ${ch[1]} without its table line (a grep?): not read` });
        cut = true;
        objectDepth = 1;
        continue;
      }
      if (chain !== null) {
        if (!opts.partial) error(line, `nft: chain ${ch[1]} opens inside chain ${chain.name} (line ${chain.line}), which is not closed`);
        cut = true;
      }
      chain = { name: ch[1]!, line, base: null, rules: [] };
      table.chains.push(chain);
      continue;
    }
    if (/^chain\s/.test(text)) error(line, `nft: a chain line nft would not print: "${clipText(text)}"`);
    const obj = OBJECT_LINE.exec(text);
    if (obj !== null && chain === null) {
      if (table === null) error(line, `nft: ${obj[1]} ${obj[2]} outside any table`);
      table!.objects.push(`${obj[1]} ${obj[2]}`);
      objectDepth = braceDepth(text);
      continue;
    }
    if (chain === null) {
      if (table === null && !opts.partial) error(line, `nft: a line outside any table: "${clipText(text)}"`);
      if (table !== null && !opts.partial && !/^(flags|comment)\s/.test(text)) error(line, `nft: a line outside any chain of table ${table.family} ${table.name}: "${clipText(text)}"`);
      warnings.push({ line, message: `nft: line outside any chain (nft prints a rule under its \`chain NAME {\` line; a grep that drops it leaves no chain to put the rule in): not read: "${clipText(text)}"` });
      cut = true;
      continue;
    }
    if (text.startsWith('type ') && chain.rules.length === 0 && chain.base === null) {
      const b = BASE_LINE.exec(text);
      if (b === null) error(line, `nft: unreadable base chain line "${clipText(text)}"`);
      chain.base = { type: b![1]!, hook: b![2]!, priority: b![3]!.trim(), policy: b![4] === 'drop' ? 'DROP' : 'ACCEPT' };
      continue;
    }
    if (/^(comment|policy|devices?)\s/.test(text) && chain.rules.length === 0) continue;
    chain.rules.push({ line, text });
  }
  if (table !== null && !opts.partial) error(table.line, `nft: table ${table.family} ${table.name} is not closed before the end of the output`);
  if (table !== null) cut = true;
  return build(input, tables, warnings, opts.partial || cut);
}

/** Braces a line opens minus those it closes. */
function braceDepth(text: string): number {
  let depth = 0;
  for (const ch of text) {
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
  }
  return depth;
}

/** A table iptables-nft wrote: an iptables table name in family ip or ip6, every base chain a built-in chain on its own hook. */
function iptablesTableOf(t: RawTable): TableName | null {
  if ((t.family !== 'ip' && t.family !== 'ip6') || !(TABLE_NAMES as readonly string[]).includes(t.name) || t.objects.length > 0) return null;
  const name = t.name as TableName;
  for (const c of t.chains) {
    if (c.base === null) continue;
    if (!BUILTIN_CHAINS[name].includes(c.name) || HOOK_OF_CHAIN[c.name] !== c.base.hook) return null;
  }
  return name;
}

function build(input: TextInput, tables: RawTable[], warnings: CaptureNote[], partial: boolean): NftRulesetCapture {
  const { file } = input;
  const byFamily = new Map<'ipv4' | 'ipv6', Table[]>();
  const partialFamilies = new Set<'ipv4' | 'ipv6'>();
  let countersShown = false;
  for (const t of tables) {
    const name = iptablesTableOf(t);
    if (name === null) {
      warnings.push({ line: t.line, message: nativeTableMessage(t) });
      for (const f of familiesFiltered(t.family)) partialFamilies.add(f);
      continue;
    }
    const family = t.family === 'ip' ? 'ipv4' : 'ipv6';
    const chains = t.chains.map((c): Chain => {
      const rules = c.rules.map((r, k): Rule => {
        let translated;
        try {
          translated = translateNftRule(nftWords(r.text), family);
        } catch (e) {
          if (e instanceof RuleSyntaxError) throw new CaptureError({ file, line: r.line }, `nft rule: ${e.reason}: "${clipText(r.text)}"`);
          throw e;
        }
        if (translated.unread.length > 0) {
          warnings.push({
            line: r.line,
            message: `nft rule words natlens does not read: "${clipText(translated.unread.join(' '), 60)}" (kept as an unsupported match: the replay answers unknown at this rule)`,
          });
        }
        for (const note of translated.notes) warnings.push({ line: r.line, message: `nft rule: ${note}` });
        if (translated.counters !== null) countersShown = true;
        return { position: k + 1, text: r.text, line: r.line, counters: translated.counters, matches: translated.matches, target: translated.target };
      });
      return { name: c.name, builtin: c.base !== null, policy: c.base?.policy ?? null, counters: null, line: c.line, rules };
    });
    const list = byFamily.get(family) ?? [];
    const same = list.find((x) => x.name === name);
    if (same !== undefined) throw new CaptureError({ file, line: t.line }, `nft: table ${t.family} ${t.name} listed twice (first at line ${same.line})`);
    list.push({ name, line: t.line, chains });
    byFamily.set(family, list);
  }
  const rulesets: Ruleset[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const list = byFamily.get(family);
    if (list === undefined) continue;
    list.sort((a, b) => TABLE_NAMES.indexOf(a.name) - TABLE_NAMES.indexOf(b.name));
    rulesets.push({
      family,
      origin: { format: 'nft', interfacesShown: true, countersShown, partial: partial || partialFamilies.has(family) },
      tables: list,
    });
  }
  // Only native tables: the IPv4 ruleset is known to hold no iptables table, and to be filtered by what is not read.
  if (rulesets.length === 0 && tables.length > 0) {
    rulesets.push({ family: 'ipv4', origin: { format: 'nft', interfacesShown: true, countersShown: false, partial: true }, tables: [] });
  }
  if (rulesets.length === 0) {
    throw new CaptureError({ file, line: input.firstLine }, 'nft: no table in the output (rule lines without their `table`/`chain` lines cannot be placed; `grep -E \'table|chain|...\'` keeps them)');
  }
  return { kind: 'nft-ruleset', rulesets, takenAt: null, warnings: warnings.sort((a, b) => a.line - b.line) };
}

function familiesFiltered(family: NftFamily): Array<'ipv4' | 'ipv6'> {
  switch (family) {
    case 'ip':
      return ['ipv4'];
    case 'ip6':
      return ['ipv6'];
    case 'inet':
    case 'bridge':
    case 'netdev':
      return ['ipv4', 'ipv6'];
    case 'arp':
      return [];
    default: {
      const never: never = family;
      return never;
    }
  }
}

function nativeTableMessage(t: RawTable): string {
  const bases = t.chains.filter((c) => c.base !== null);
  const hooks = bases.map((c) => `${c.name} (${c.base!.hook}, priority ${c.base!.priority}${c.base!.policy === 'DROP' ? ', policy drop' : ''})`);
  const holds = [
    bases.length > 0 ? `base chains ${hooks.join(', ')}` : 'no base chain',
    ...(t.objects.length > 0 ? [`${t.objects.length} named object(s): ${clipText(t.objects.join(', '), 60)}`] : []),
  ].join('; ');
  const effect = bases.length > 0 ? ': a packet the replay passes there may be dropped or rewritten by it' : '';
  return `native nftables table ${t.family} ${t.name} (not written by iptables-nft): ${holds}; not read${effect}`;
}
