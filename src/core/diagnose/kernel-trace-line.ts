/** What a kernel trace line says and names: its evidence, its packet in one line, the captured rule it names. */
import type { KernelTraceEvent } from '../records/records';
import type { Chain, Rule, Ruleset } from '../netfilter/ruleset';
import type { NodeSnapshot } from '../simulate';
import type { FindingEvidence } from './finding';

/** A stored trace event and the file it was read from. */
export type SourcedEvent = KernelTraceEvent & { sourceFile: string };

export function lineEvidence(e: SourcedEvent): FindingEvidence {
  return { source: `${e.sourceFile}:${e.line}`, text: e.text };
}

export function packetText(e: KernelTraceEvent): string {
  const p = e.packet;
  const end = (a: string | null, port: number | null): string => (port === null ? a ?? '?' : `${a ?? '?'}:${port}`);
  return `${p.proto ?? 'packet'} ${end(p.src, p.sport)} → ${end(p.dst, p.dport)}`;
}

/**
 * The chain's rule a trace line names: by its 1-based position (the kernel log), else by its text (xtables-monitor
 * prints it with `-t TABLE` in front).
 */
export function ruleAt(rules: readonly Rule[], position: number | null, ruleText: string | null): Rule | null {
  if (position !== null) return rules[position - 1] ?? null;
  const text = ruleText?.replace(/^-t \S+ /, '') ?? null;
  return text === null ? null : rules.find((r) => r.text === text) ?? null;
}

/**
 * The chain a trace line names, in the ruleset of the packet's family (ip6tables' for IPv6, iptables' otherwise): both
 * have chains of the same names.
 */
export function traceChainOf(node: NodeSnapshot, family: 'ipv4' | 'ipv6' | null, table: string, chain: string): { ruleset: Ruleset; chain: Chain } | null {
  const ruleset = family === 'ipv6' ? node.ruleset6 ?? null : node.ruleset;
  const found = ruleset?.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain);
  return ruleset && found ? { ruleset, chain: found } : null;
}
