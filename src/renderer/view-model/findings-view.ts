/**
 * The Findings tab as plain data: each finding's badge, where it is, its evidence, links to its
 * flows and a "Replay" link that opens its trace in the Trace tab (and the same as a command).
 */
import type { FindingJson, FindingPageJson, FindingSeverityJson, FindingTraceJson } from '../../shared/contract/finding-json';
import { formatRoute, type TraceQuery } from './route';

export interface FindingCard {
  key: string;
  severity: FindingSeverityJson;
  badge: string;
  kind: string;
  title: string;
  explanation: string;
  nodes: Array<{ name: string; href: string }>;
  service: string | null;
  /** `href`: the Captures tab narrowed to the file the evidence cites (`file:line` without its line). */
  evidence: Array<{ key: string; source: string; text: string; href: string }>;
  flows: Array<{ id: number; href: string }>;
  /** Flows the finding counts beyond those it lists (a summary of many alike flows). */
  moreFlows: number;
  replay: { href: string; command: string } | null;
}

const BADGES: Record<FindingSeverityJson, string> = { error: 'Error', warning: 'Warning', info: 'Info' };
const RANK: Record<FindingSeverityJson, number> = { error: 0, warning: 1, info: 2 };

/**
 * The finding's replay as the Trace tab opens it. `--follow` is added: the finding's trace starts
 * where the flow was first seen, and what it explains may happen on the next node.
 */
export function findingTraceQuery(trace: FindingTraceJson): TraceQuery {
  return {
    node: trace.node, proto: trace.proto, src: trace.src, dst: trace.dst,
    arrival: 'local' in trace ? { kind: 'local' } : { kind: 'in', iface: trace.in },
    follow: true, snapshot: null, bridgeNetfilter: true,
  };
}

const shellWord = (w: string): string => (/^[\w@%+=:,./[\]-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The same replay as `natlens trace` takes it. */
export function traceCommand(trace: FindingTraceJson): string {
  const words = ['natlens', 'trace', '--node', trace.node, '--proto', trace.proto, ...(trace.src === '' ? [] : ['--src', trace.src]), '--dst', trace.dst];
  words.push(...('local' in trace ? ['--local'] : ['--in', trace.in]), '--follow');
  return words.map(shellWord).join(' ');
}

/** `nodea/iptables-save.txt:41` → `nodea/iptables-save.txt`, a pcap's packet `nodea/eth0.pcap#4` → `nodea/eth0.pcap`. */
export function evidenceFile(source: string): string {
  return source.replace(/(?::|#)\d+$/, '');
}

export function findingCards(findings: readonly FindingJson[]): FindingCard[] {
  // The server lists them most severe first; kept stable here for a list that arrives otherwise.
  const sorted = findings.map((f, i) => ({ f, i })).sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i);
  return sorted.map(({ f }) => ({
    key: f.id,
    severity: f.severity,
    badge: BADGES[f.severity],
    kind: f.kind,
    title: f.title,
    explanation: f.explanation,
    nodes: f.nodes.map((name) => ({ name, href: formatRoute({ tab: 'nodes', node: name }) })),
    service: f.service,
    evidence: f.evidence.map((e, i) => ({ key: `${i}:${e.source}`, source: e.source, text: e.text, href: formatRoute({ tab: 'captures', filter: evidenceFile(e.source) }) })),
    flows: f.flows.map((id) => ({ id, href: formatRoute({ tab: 'flows', flow: id }) })),
    moreFlows: Math.max(0, (f.flowCount ?? f.flows.length) - f.flows.length),
    replay: f.trace === null ? null : { href: formatRoute({ tab: 'trace', trace: findingTraceQuery(f.trace) }), command: traceCommand(f.trace) },
  }));
}

/** `3 findings: 1 error, 2 warnings`, over all the findings (the pages read so far may hold fewer). */
export function findingsHeadline(total: number, severities: Readonly<Record<FindingSeverityJson, number>>): string {
  if (total === 0) return 'No findings';
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => ({ s, n: severities[s] }))
    .filter((c) => c.n > 0)
    .map((c) => `${c.n} ${c.s === 'info' ? 'info' : c.n === 1 ? c.s : `${c.s}s`}`);
  return `${total === 1 ? '1 finding' : `${total} findings`}: ${counts.join(', ')}`;
}

/** The findings read so far, a page at a time: what the list shows and where the next page starts. */
export interface FindingsLoaded {
  findings: FindingJson[];
  total: number;
  severities: Record<FindingSeverityJson, number>;
  /** Null when every finding is read. */
  nextOffset: number | null;
}

/**
 * Which finding the panel shows for a link's `#/findings/ID`: the one named once it is read, the most severe
 * meanwhile while later pages may still hold it (`seek`: read the next page), or the most severe with a note
 * when every page is read and none is it.
 */
export type ShownFinding =
  | { kind: 'first'; card: FindingCard | null }
  | { kind: 'named'; card: FindingCard }
  | { kind: 'seek'; card: FindingCard | null }
  | { kind: 'missing'; id: string; card: FindingCard | null };

export function shownFinding(cards: readonly FindingCard[], chosen: string | null, nextOffset: number | null): ShownFinding {
  const first = cards[0] ?? null;
  if (chosen === null) return { kind: 'first', card: first };
  const named = cards.find((c) => c.key === chosen);
  if (named !== undefined) return { kind: 'named', card: named };
  return nextOffset === null ? { kind: 'missing', id: chosen, card: first } : { kind: 'seek', card: first };
}

/**
 * `page` added to what was read (null: it is the first page). A page that does not start where the last one
 * ended (the findings changed meanwhile and the list was read again) replaces the list.
 */
export function withFindingPage(loaded: FindingsLoaded | null, page: FindingPageJson): FindingsLoaded {
  const continues = loaded !== null && page.page.offset === loaded.findings.length && page.page.offset > 0;
  return {
    findings: continues ? [...loaded.findings, ...page.findings] : page.findings,
    total: page.page.total,
    severities: page.severities,
    nextOffset: page.page.nextOffset,
  };
}

/** `Showing 100 of 340 findings` while more pages remain; null when all are shown. */
export function findingsMoreNote(loaded: FindingsLoaded): string | null {
  return loaded.nextOffset === null ? null : `Showing ${loaded.findings.length} of ${loaded.total} findings`;
}

const count = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** `2 nodes and 27 captures`: what the empty list was checked over. */
export function checkedScope(nodes: number, captures: number): string {
  return `${count(nodes, 'node')} and ${count(captures, 'capture')}`;
}

// Kubernetes services may also come from cluster-wide kubectl output, which belongs to no node's capture list: not counted.
const RULE_KINDS = new Set(['iptables-save', 'iptables-list', 'nft-ruleset']);
// The kernel's own trace shows packets too: a traced packet can be seen dropped. A probe's output (curl, ping) shows a connection failing.
const TRAFFIC_KINDS = new Set(['pcap', 'tcpdump-text', 'conntrack', 'kernel-trace', 'probe']);

/**
 * What the checks could not look at for want of captures (the kinds of the project's captures), or null when
 * they had rules and traffic to read: "nothing found" over a project of routes alone is not a clean bill.
 */
export function uncheckedNote(kinds: readonly string[]): string | null {
  const rules = kinds.some((k) => RULE_KINDS.has(k));
  const traffic = kinds.some((k) => TRAFFIC_KINDS.has(k));
  if (rules && traffic) return null;
  const missing = [
    ...(rules ? [] : ['no iptables rules, so no drop, hairpin, stale endpoint or mark bit could be found']),
    ...(traffic ? [] : ['no packets or conntrack entries, so no connection could be seen failing']),
  ];
  const ask = [...(rules ? [] : ['iptables-save']), ...(traffic ? [] : ['a tcpdump or conntrack -L'])].join(' and ');
  return `The captures hold ${missing.join('; ')}. Import ${ask} of the nodes to check them.`;
}

/** What natlens looks for: the empty state says so, so "no findings" reads as checked, not as skipped. */
export const CHECKS: readonly string[] = [
  'services without endpoints, and the flows that hit them',
  'drops by a FORWARD or INPUT policy or rule that captured flows met',
  'destinations with no route, or a blackhole or unreachable route',
  'the replay and the captures disagreeing (another DNAT target, another interface)',
  'replies captured on another interface or node than the replay predicts',
  'hairpin traffic without the masquerade the bridge needs',
  'connections to endpoints no longer in the ruleset (stale conntrack)',
  'NATed unicast connections left [UNREPLIED] in conntrack',
  'overlapping pod, bridge and docker subnets',
  'packet mark bits used by more than one owner',
  'a kernel trace (iptables TRACE, xtables-monitor, nft monitor) taking another rule than the replay, ending in a drop, or lost at routing',
  'curl, wget, nc, telnet and ping outputs that failed, each tied to the rule or route that stops its packet (or said to be outside the captures)',
];
