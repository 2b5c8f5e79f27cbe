/**
 * `iptables [-t TABLE] -S [CHAIN] [-v]` output (also ip6tables, iptables-legacy, iptables-nft) → Ruleset of
 * capture kind `iptables-save`: the same rule syntax, one table per listing. `-P CHAIN POLICY [-c p b]`
 * sets a built-in chain's policy, `-N CHAIN` declares a chain, `-A CHAIN ... [-c p b]` appends a rule.
 *
 * The table comes from the command's `-t` (filter without it). A text without its command (a file) is cut
 * where a `-P` line follows rules (the next table's listing) and each part's table is inferred from its
 * chains and targets, with a warning saying so.
 */
import type { TableName } from '../../netfilter/ruleset';
import { CaptureError } from '../capture-error';
import { RulesetBuilder } from '../../netfilter/ruleset-sink';
import { IptablesSaveReader, type IptablesSaveCapture, type ReaderForm, type RulesetWarning } from './iptables-save';
import { inferTableOf, NAT_CHAIN, NAT_TARGETS } from './iptables-sniff';
import { linesOf, type TextInput } from '../text-input';

export interface IptablesRulesOptions {
  /** From the command's `-t` (filter when it names none); null when the command is not known. */
  table: TableName | null;
  /** One chain (`-S CHAIN`), a grep, an excerpt: rules of chains it never declares are expected. */
  partial: boolean;
  family?: 'ipv4' | 'ipv6';
}

/** The lines of one table's listing, and what its table is inferred from. */
interface Part {
  firstLine: number;
  chains: Set<string>;
  targets: Set<string>;
  sawRule: boolean;
}

/** `-P`/`-N`/`-A CHAIN`, or iptables-save's `:CHAIN POLICY` (a grep of a dump without its `*table` line). */
const LEADING_WORDS = /^\s*(-[PNA]\s+|:)([^\s:]\S*)/;
const JUMP = /\s-[jg]\s+(\S+)/;

/** Targets the nat table refuses (iptables: "the nat table is not intended for filtering") and kube chains only filter has. */
const FILTERING_TARGETS = new Set(['DROP', 'REJECT']);
const FILTER_ONLY_CHAIN = /^KUBE-(?:FIREWALL|FORWARD|PROXY-FIREWALL|EXTERNAL-SERVICES)$/;

/** What one `-A` line says of its table on its own: nat, not nat, or nothing. */
function lineEvidence(chain: string, target: string | null): 'nat' | 'not-nat' | null {
  if ((target !== null && (NAT_TARGETS.has(target) || NAT_CHAIN.test(target))) || NAT_CHAIN.test(chain)) return 'nat';
  if ((target !== null && FILTERING_TARGETS.has(target)) || FILTER_ONLY_CHAIN.test(chain)) return 'not-nat';
  return null;
}

/**
 * Where each table's listing starts: a `-P` (or `:CHAIN`) after a rule or `-N`, or a second one of the same chain. Without the
 * command (`byEvidence`), also an `-A` line that could not be in the table the lines before it show (a write-up's
 * block of kube-proxy's nat rules followed by `-A KUBE-FIREWALL ... -j DROP`).
 */
function partsOf(input: TextInput, byEvidence: boolean): Part[] {
  const parts: Part[] = [];
  let part: Part | null = null;
  let evidence: 'nat' | 'not-nat' | null = null;
  let policies = new Set<string>();
  for (const { line, text } of linesOf(input)) {
    const m = LEADING_WORDS.exec(text);
    if (m === null) continue;
    const [, verbWords, chain] = m as unknown as [string, string, string];
    const verb = verbWords.trim();
    const jump = verb === '-A' ? JUMP.exec(text) : null;
    const says = byEvidence && verb === '-A' ? lineEvidence(chain, jump === null ? null : jump[1]!) : null;
    // iptables-save prints a table's chain lines before its rules: one after a rule opens the next table.
    const declares = verb === '-P' || verb === ':';
    if (part === null || (declares && (part.sawRule || policies.has(chain))) || (says !== null && evidence !== null && says !== evidence)) {
      part = { firstLine: line, chains: new Set(), targets: new Set(), sawRule: false };
      policies = new Set();
      evidence = null;
      parts.push(part);
    }
    evidence ??= says;
    part.chains.add(chain);
    if (declares) policies.add(chain);
    else part.sawRule = true;
    if (jump !== null) part.targets.add(jump[1]!);
  }
  return parts;
}

export function parseIptablesRules(input: TextInput, opts: IptablesRulesOptions): IptablesSaveCapture {
  const parts = partsOf(input, opts.table === null);
  if (parts.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no -P, -N or -A line in iptables -S output');
  const inferred: RulesetWarning[] = [];
  const tables = parts.map((part, i): TableName => {
    if (i === 0 && opts.table !== null) return opts.table;
    const { table, reason } = inferTableOf(part.chains, part.targets);
    inferred.push({ line: part.firstLine, message: `iptables rules without their table (no -t, no *table line): read as table ${table} (${reason})` });
    return table;
  });

  const builder = new RulesetBuilder();
  const form: ReaderForm = { form: 'rules', fragment: opts.partial || opts.table === null, ...(opts.family === undefined ? {} : { family: opts.family }) };
  const reader = new IptablesSaveReader(input.file, input.firstLine, builder, 'shared', form);
  let next = 0;
  const { text } = input;
  let offset = 0;
  for (const { line, text: lineText } of linesOf(input)) {
    const start = text.indexOf(lineText, offset);
    offset = start + lineText.length;
    if (next < parts.length && line === parts[next]!.firstLine) reader.beginTable(tables[next++]!, line);
    reader.line(text, start, start + lineText.length);
  }
  const summary = reader.finish();
  return {
    kind: 'iptables-save',
    ruleset: {
      family: summary.family,
      // One table (or a part of one) at most: never the whole ruleset.
      origin: { format: 'iptables-save', interfacesShown: true, countersShown: summary.countersShown, partial: true },
      tables: builder.tables,
    },
    takenAt: null,
    warnings: [...inferred, ...summary.warnings].sort((a, b) => a.line - b.line),
  };
}
