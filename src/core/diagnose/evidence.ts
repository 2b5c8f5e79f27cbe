/**
 * Evidence lines as findings cite them: a rule or chain policy with the `file:line` of the capture it
 * was read from, a conntrack entry much as `conntrack -L` printed it, a captured packet.
 */
import type { ConntrackEntry, ConntrackTuple, RouteRecord } from '../records/records';
import { tupleText } from '../flows/flow-timeline';
import type { ObservationView } from '../views/flows';
import { tunnelBeside } from '../views/tunnel-text';
import type { Chain, Rule, Ruleset } from '../netfilter/ruleset';
import type { NodeSnapshot, Step } from '../simulate';
import type { FindingEvidence } from './finding';

/** `file:line`, or the node and place when the ruleset was composed from several files. */
export function rulesetPlace(node: NodeSnapshot, line: number | null, where: string): string {
  if (node.rulesetSource != null && line !== null) return `${node.rulesetSource}:${line}`;
  return line === null ? `${node.name} ${where}` : `${node.name} ${where} (line ${line})`;
}

/** A chain's policy as the capture printed it. */
export function policyText(ruleset: Ruleset, chain: Chain): string {
  const counters = chain.counters ? ` [${chain.counters.packets}:${chain.counters.bytes}]` : '';
  if (ruleset.origin.format === 'nft') {
    return chain.policy === null ? `chain ${chain.name} {` : `chain ${chain.name} { policy ${chain.policy.toLowerCase()}; }`;
  }
  return ruleset.origin.format === 'iptables-save'
    ? `:${chain.name} ${chain.policy ?? '-'}${counters}`
    : `Chain ${chain.name} (policy ${chain.policy ?? '-'}${chain.counters ? ` ${chain.counters.packets} packets, ${chain.counters.bytes} bytes` : ''})`;
}

export function ruleEvidence(node: NodeSnapshot, table: string, rule: Rule): FindingEvidence {
  return { source: rulesetPlace(node, rule.line, table), text: rule.text };
}

export function policyEvidence(node: NodeSnapshot, ruleset: Ruleset, table: string, chain: Chain): FindingEvidence {
  return { source: rulesetPlace(node, chain.line, `${table}/${chain.name}`), text: `${policyText(ruleset, chain)}${ruleset.family === 'ipv6' ? ' (ip6tables)' : ''}` };
}

/** The chain a policy step ended in, found again in the node's ruleset (for its line and counters). */
export function chainOf(node: NodeSnapshot, table: string, chain: string): { ruleset: Ruleset; chain: Chain } | null {
  for (const ruleset of [node.ruleset, node.ruleset6 ?? null]) {
    const found = ruleset?.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain);
    if (ruleset && found) return { ruleset, chain: found };
  }
  return null;
}

/** A replay step (the rule or policy that decided) as evidence. */
export function stepEvidence(node: NodeSnapshot | undefined, step: Step): FindingEvidence {
  if (node === undefined) return { source: `${step.node} ${step.table}/${step.chain}`, text: step.rule ?? `policy ${step.target}` };
  if (step.policy) {
    const found = chainOf(node, step.table, step.chain);
    if (found) return policyEvidence(node, found.ruleset, step.table, found.chain);
    return { source: rulesetPlace(node, null, `${step.table}/${step.chain}`), text: `policy ${step.target}` };
  }
  return { source: rulesetPlace(node, step.line, step.table), text: step.rule ?? step.target };
}

function tupleWords(t: ConntrackTuple): string {
  const ports = t.sport !== null ? ` sport=${t.sport} dport=${t.dport ?? ''}` : t.icmp ? ` type=${t.icmp.type} code=${t.icmp.code} id=${t.icmp.id}` : '';
  return `src=${t.src} dst=${t.dst}${ports}`;
}

/** The entry much as `conntrack -L` printed it. */
export function conntrackText(e: ConntrackEntry): string {
  return [e.proto, e.state, tupleWords(e.original), e.unreplied ? '[UNREPLIED]' : null, tupleWords(e.reply), e.assured ? '[ASSURED]' : null]
    .filter((w): w is string => w !== null && w !== '')
    .join(' ');
}

/** A captured packet or conntrack listing of a flow, one line. */
export function observationEvidence(o: ObservationView): FindingEvidence {
  if (o.kind === 'conntrack') {
    const reply = o.reply ? ` ⇄ ${tupleText(o.reply)}` : '';
    return { source: o.source, text: `${o.node} ${o.stage ?? 'conntrack'} ${tupleText(o.packet)}${reply}${o.unreplied ? ' [UNREPLIED]' : ''}`.replace(/ +/g, ' ') };
  }
  const time = o.time === null ? '' : ` ${o.time.slice(11, 26)}`;
  const tunnel = o.tunnel ? ` ${tunnelBeside(o.tunnel)}` : '';
  return { source: o.source, text: `${o.node} ${o.interface ?? '?'}${time} ${tupleText(o.packet)}${o.tcpFlags ? ` [${o.tcpFlags}]` : ''}${tunnel}` };
}

/**
 * A route as `ip route` prints it (iproute2's order: type, destination — a host route without its
 * prefix length — via, dev, table, proto, scope, src, metric, flags), so it reads as the captured line.
 */
export function ipRouteLine(r: RouteRecord): string {
  const host = (r.family === 'ipv4' && r.dst.endsWith('/32')) || (r.family === 'ipv6' && r.dst.endsWith('/128'));
  const words = [r.type === 'unicast' ? null : r.type, host ? r.dst.slice(0, r.dst.lastIndexOf('/')) : r.dst];
  if (r.via) words.push('via', r.via);
  if (r.dev) words.push('dev', r.dev);
  if (r.table !== 'main') words.push('table', r.table);
  if (r.proto) words.push('proto', r.proto);
  if (r.scope) words.push('scope', r.scope);
  if (r.src) words.push('src', r.src);
  if (r.metric !== null) words.push('metric', String(r.metric));
  for (const h of r.nexthops ?? []) words.push('nexthop', ...(h.via !== null ? ['via', h.via] : []), ...(h.dev !== null ? ['dev', h.dev] : []), 'weight', String(h.weight));
  words.push(...r.flags.filter((f) => /^[a-z]/.test(f)));
  return words.filter((w): w is string => w !== null && w !== '').join(' ');
}
