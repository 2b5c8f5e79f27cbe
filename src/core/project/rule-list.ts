/**
 * A node's iptables rules as a list, a page at a time, filtered: by chain (a name prefix), target,
 * text, an address (IP or CIDR) or a port. One capture's rules, in table, chain and position order
 * (the newest iptables capture of the node unless one is named), in the order it printed them.
 * Unfiltered, a page is a range of row ids; filtered, the capture's rules are read once in order (to count the matches), the target,
 * address and port tests reading each rule's stored target and matches, never reparsing its text.
 */
import { cidrContains, parseCidr, parseIp, type CidrNumber } from '../common/ip';
import { assertNever } from '../common/assert-never';
import type { CaptureRow, Store } from '../model/store';
import type { Match, NatRange, PortRange, Target } from '../netfilter/ruleset';
import { ModelError } from '../model/model-error';

export interface RuleListFilter {
  /** Chains whose name starts with this (`KUBE-SVC-`, or a whole name). */
  chain?: string;
  /** The target as iptables prints it (`DNAT`, `KUBE-SEP-X`, `ACCEPT`), any case. */
  target?: string;
  /** Text anywhere in the rule, any case. */
  text?: string;
  /** An IP or CIDR: rules whose source, destination or NAT target address covers or overlaps it. */
  address?: string;
  /** A port: rules whose port match or NAT target port range holds it. */
  port?: number;
}

export interface RuleListQuery extends RuleListFilter {
  node: string;
  /** The iptables capture to list; absent: the node's newest. */
  captureId?: number;
  offset: number;
  limit: number;
}

export interface RuleListRow {
  /** Place in the capture's whole list (0-based, as the capture printed them), so a filtered row keeps its number. */
  index: number;
  family: 'ipv4' | 'ipv6';
  table: string;
  chain: string;
  /** 1-based position in its chain. */
  position: number;
  /** The line of the capture it was read from. */
  line: number;
  text: string;
  target: string | null;
  packets: number | null;
  bytes: number | null;
}

export interface RuleListCapture {
  id: number;
  kind: 'iptables-save' | 'iptables-list';
  source: string;
  takenAt: string | null;
}

export interface RuleListPage {
  node: string;
  /** The capture listed; null when the node has no iptables capture. */
  capture: RuleListCapture | null;
  /** The node's iptables captures, newest first: what else could be listed. */
  captures: RuleListCapture[];
  offset: number;
  /** Rules matching the filter. */
  total: number;
  /** Rules in the capture, filtered or not. */
  unfiltered: number;
  rules: RuleListRow[];
}

export class RuleListError extends Error {
  constructor(
    readonly reason: 'unknown-node' | 'unknown-capture' | 'bad-filter',
    message: string,
  ) {
    super(message);
  }
}

const RULESET_KINDS = ['iptables-save', 'iptables-list'] as const;

function listedCapture(c: CaptureRow): RuleListCapture {
  return { id: c.id, kind: c.kind as RuleListCapture['kind'], source: c.firstLine === null ? c.sourceFile : `${c.sourceFile}:${c.firstLine}`, takenAt: c.takenAt };
}

/** The target as `-j`/`-g` names it. */
export function targetName(target: Target | null): string | null {
  if (target === null) return null;
  switch (target.kind) {
    case 'jump':
    case 'goto':
      return target.chain;
    case 'other':
      return target.name;
    case 'accept':
    case 'drop':
    case 'return':
    case 'reject':
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
    case 'mark':
    case 'connmark':
    case 'log':
    case 'trace':
    case 'notrack':
    case 'ct':
      return target.kind.toUpperCase();
    default:
      return assertNever(target);
  }
}

type AddressQuery = { kind: 'ip'; ip: NonNullable<ReturnType<typeof parseIp>> } | { kind: 'cidr'; cidr: CidrNumber };

function readAddress(text: string): AddressQuery {
  const ip = parseIp(text);
  if (ip !== null) return { kind: 'ip', ip };
  const cidr = parseCidr(text);
  if (cidr !== null) return { kind: 'cidr', cidr };
  throw new RuleListError('bad-filter', `"${text}" is neither an IP address nor a CIDR`);
}

function cidrCovers(ruleCidr: { address: string; prefixLength: number }, query: AddressQuery): boolean {
  const net = parseCidr(`${ruleCidr.address}/${ruleCidr.prefixLength}`);
  if (net === null) return false;
  if (query.kind === 'ip') return cidrContains(net, query.ip);
  // Two prefixes overlap when one holds the other's first address and is the shorter.
  const ruleStart = parseIp(ruleCidr.address);
  const queryStart = parseIp(formatCidrStart(query.cidr));
  return (queryStart !== null && cidrContains(net, queryStart)) || (ruleStart !== null && cidrContains(query.cidr, ruleStart));
}

function formatCidrStart(cidr: CidrNumber): string {
  return cidr.family === 'ipv4' ? [24, 16, 8, 0].map((s) => (cidr.v4 >>> s) & 255).join('.') : ipv6Text(cidr.v6);
}

function ipv6Text(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

function natRangeHolds(range: NatRange, query: AddressQuery): boolean {
  if (range.minAddress === null) return false;
  const min = parseIp(range.minAddress);
  const max = parseIp(range.maxAddress ?? range.minAddress);
  if (min === null || max === null || min.family !== max.family) return false;
  const within = (ip: NonNullable<ReturnType<typeof parseIp>>): boolean => ip.family === min.family && ip.value >= min.value && ip.value <= max.value;
  if (query.kind === 'ip') return within(query.ip);
  return cidrContains(query.cidr, min) || cidrContains(query.cidr, max);
}

const portIn = (range: PortRange | null, port: number): boolean => range !== null && port >= range.min && port <= range.max;

function natRanges(target: Target | null): NatRange[] {
  return target !== null && (target.kind === 'dnat' || target.kind === 'snat') ? target.to : [];
}

function mentionsAddress(matches: readonly Match[], target: Target | null, query: AddressQuery): boolean {
  for (const m of matches) if ((m.kind === 'source' || m.kind === 'destination') && !m.negated && cidrCovers(m.cidr, query)) return true;
  return natRanges(target).some((r) => natRangeHolds(r, query));
}

function mentionsPort(matches: readonly Match[], target: Target | null, port: number): boolean {
  for (const m of matches) if (m.kind === 'ports' && !m.negated && m.ranges.some((r) => portIn(r, port))) return true;
  if (natRanges(target).some((r) => portIn(r.ports, port))) return true;
  return target !== null && (target.kind === 'masquerade' || target.kind === 'redirect') && portIn(target.ports, port);
}

interface StoredRuleRow {
  id: number;
  family: string;
  table_name: string;
  chain_name: string;
  position: number;
  line: number;
  text: string;
  target: string | null;
  target_kind: string | null;
  target_chain: string | null;
  matches: string;
  packets: number | null;
  bytes: number | null;
}

export function listRules(store: Store, query: RuleListQuery): RuleListPage {
  const nodeId = store.findNode(query.node);
  if (nodeId === null) throw new RuleListError('unknown-node', `there is no node "${query.node}" in this project`);
  const all = store
    .capturesOf(nodeId)
    .filter((c) => (RULESET_KINDS as readonly string[]).includes(c.kind) && c.netns === null)
    .sort((a, b) => b.snapshot - a.snapshot || b.id - a.id);
  const captures = all.map(listedCapture);
  const chosen = query.captureId === undefined ? all[0] : all.find((c) => c.id === query.captureId);
  if (chosen === undefined && query.captureId !== undefined) throw new RuleListError('unknown-capture', `node ${query.node} has no iptables capture ${query.captureId}`);
  const empty = { node: query.node, captures, offset: query.offset, total: 0, unfiltered: 0, rules: [] };
  if (chosen === undefined) return { ...empty, capture: null };

  const address = query.address === undefined || query.address === '' ? null : readAddress(query.address);
  const port = query.port ?? null;
  const target = query.target === undefined || query.target === '' ? null : query.target.toUpperCase();
  const db = store.db;
  // A capture's rules are stored in the order it printed them, almost always as one run of row ids:
  // then a page is a range of ids, whatever its offset. Otherwise they are read through their chains.
  const span = db
    .prepare(
      `SELECT min(r.id) AS first, max(r.id) AS last, count(*) AS n FROM rules r
       WHERE r.chain_id IN (SELECT c.id FROM chains c JOIN rule_tables t ON t.id = c.table_id JOIN rulesets rs ON rs.id = t.ruleset_id WHERE rs.capture_id = ?)`,
    )
    .get(chosen.id) as { first: number | null; last: number | null; n: number };
  const unfiltered = span.n;
  const base = { ...empty, capture: listedCapture(chosen), unfiltered };
  if (unfiltered === 0 || span.first === null || span.last === null) return base;
  const contiguous = span.last - span.first + 1 === unfiltered;
  const columns = `r.id, rs.family, t.name AS table_name, c.name AS chain_name, r.position, r.line, r.text, r.target, r.target_kind, r.target_chain, r.matches, r.packets, r.bytes
    FROM rules r JOIN chains c ON c.id = r.chain_id JOIN rule_tables t ON t.id = c.table_id JOIN rulesets rs ON rs.id = t.ruleset_id`;
  const captureParams = contiguous ? [span.first, span.last] : [chosen.id];

  const parse = <T>(json: string, line: number): T => {
    try {
      return JSON.parse(json) as T;
    } catch (e) {
      throw new ModelError(store.path, `the stored rule of line ${line} is damaged (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  // The target's name from the stored columns; only a target natlens does not model needs its JSON.
  const nameOf = (r: StoredRuleRow): string | null =>
    r.target_kind === null ? null : r.target_chain !== null ? r.target_chain : r.target_kind === 'other' && r.target !== null ? targetName(parse<Target>(r.target, r.line)) : r.target_kind.toUpperCase();
  const row = (r: StoredRuleRow, index: number): RuleListRow => ({
    index,
    family: r.family as RuleListRow['family'],
    table: r.table_name,
    chain: r.chain_name,
    position: r.position,
    line: r.line,
    text: r.text,
    target: nameOf(r),
    packets: r.packets,
    bytes: r.bytes,
  });

  const chainPrefix = query.chain !== undefined && query.chain !== '' ? query.chain : null;
  const text = query.text !== undefined && query.text !== '' ? query.text.toLowerCase() : null;
  if (chainPrefix === null && text === null && target === null && address === null && port === null) {
    const rows = contiguous
      ? (db.prepare(`SELECT ${columns} WHERE r.id BETWEEN ? AND ? ORDER BY r.id`).all(span.first + query.offset, Math.min(span.last, span.first + query.offset + query.limit - 1)) as StoredRuleRow[])
      : (db.prepare(`SELECT ${columns} WHERE rs.capture_id = ? ORDER BY r.id LIMIT ? OFFSET ?`).all(chosen.id, query.limit, query.offset) as StoredRuleRow[]);
    return { ...base, total: unfiltered, rules: rows.map((r, i) => row(r, query.offset + i)) };
  }

  // Filtered: every rule is read once, in order, to count the matches; only the page's are kept. The
  // chains are read first, so the scan reads the rules table alone.
  const chains = new Map<number, { name: string; table: string; family: string }>();
  for (const c of db
    .prepare('SELECT c.id, c.name, t.name AS table_name, rs.family FROM chains c JOIN rule_tables t ON t.id = c.table_id JOIN rulesets rs ON rs.id = t.ruleset_id WHERE rs.capture_id = ?')
    .iterate(chosen.id) as Iterable<{ id: number; name: string; table_name: string; family: string }>) {
    if (chainPrefix === null || c.name.startsWith(chainPrefix)) chains.set(c.id, { name: c.name, table: c.table_name, family: c.family });
  }
  const scan = contiguous
    ? db.prepare('SELECT r.*, r.chain_id FROM rules r WHERE r.id BETWEEN ? AND ? ORDER BY r.id')
    : db.prepare('SELECT r.*, r.chain_id FROM rules r WHERE r.chain_id IN (SELECT c.id FROM chains c JOIN rule_tables t ON t.id = c.table_id JOIN rulesets rs ON rs.id = t.ruleset_id WHERE rs.capture_id = ?) ORDER BY r.id');
  const rules: RuleListRow[] = [];
  let total = 0;
  let index = -1;
  for (const r of scan.iterate(...captureParams) as Iterable<StoredRuleRow & { chain_id: number }>) {
    index++;
    const chain = chains.get(r.chain_id);
    if (chain === undefined) continue;
    if (text !== null && !r.text.toLowerCase().includes(text)) continue;
    if (target !== null && nameOf(r)?.toUpperCase() !== target) continue;
    if (address !== null || port !== null) {
      const matches = parse<Match[]>(r.matches, r.line);
      const parsedTarget = r.target === null ? null : parse<Target>(r.target, r.line);
      if (address !== null && !mentionsAddress(matches, parsedTarget, address)) continue;
      if (port !== null && !mentionsPort(matches, parsedTarget, port)) continue;
    }
    if (total >= query.offset && rules.length < query.limit) rules.push(row({ ...r, family: chain.family, table_name: chain.table, chain_name: chain.name }, index));
    total++;
  }
  return { ...base, total, rules };
}
