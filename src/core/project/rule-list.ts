/**
 * A node's iptables rules as a list, a page at a time, filtered: by chain (a name prefix), target,
 * text, an address (IP or CIDR) or a port. One capture's rules, in table, chain and position order
 * (the newest iptables capture of the node unless one is named), in the order it printed them.
 * Rules are stored in deflated chunks (model/rows/rule-chunks.ts): unfiltered, a page inflates only the
 * chunks that hold it, counted by their runs; filtered, the capture's chunks are read once in order (to
 * count the matches), a rule's matches and target read from its text only when a filter needs them.
 */
import { cidrContains, parseCidr, parseIp, type CidrNumber } from '../common/ip';
import { assertNever } from '../common/assert-never';
import type { CaptureRow, Store } from '../model/store';
import { isRulesetKind } from '../records/records';
import type { Match, NatRange, PortRange, Rule, Target } from '../netfilter/ruleset';
import { ModelError } from '../model/model-error';
import { chainPlaces } from '../model/rows/chain-heads';
import { decodeRuleRecord, inflateChunk } from '../model/rows/rule-chunks';
import type { RuleListCapture, RuleListPage, RuleListRow } from '../views/rule-list';

export type { RuleListCapture, RuleListPage, RuleListRow };

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

export class RuleListError extends Error {
  constructor(
    readonly reason: 'unknown-node' | 'unknown-capture' | 'bad-filter',
    message: string,
  ) {
    super(message);
  }
}



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

/**
 * False when a stored rule record cannot mention an address (or a port), read without parsing it: a rule kept
 * as its text gets an address only from -s/--source/--src, -d/--destination/--dst or a NAT target's
 * --to-destination/--to-source, all holding `-s` or `-d`; a port only from options named `…port…` or a NAT
 * target's `--to-…`. A record with its matches as JSON (`j`) is always read.
 */
export function mayMention(record: string, address: boolean, port: boolean): boolean {
  const body = record.indexOf('\t', record.indexOf('\t') + 1) + 1;
  if (body === 0 || record.charCodeAt(body) === 106 /* j */) return true;
  if (address && !record.includes('-s', body) && !record.includes('-d', body)) return false;
  if (port && !record.includes('port', body) && !record.includes('--to-', body)) return false;
  return true;
}

/** A run of a chain's rules in a chunk, with where the chain is. */
interface PageRun {
  first: number;
  count: number;
  position: number;
  chain: string;
  table_name: string;
  family: string;
}

export function listRules(store: Store, query: RuleListQuery): RuleListPage {
  const nodeId = store.findNode(query.node);
  if (nodeId === null) throw new RuleListError('unknown-node', `there is no node "${query.node}" in this project`);
  const all = store
    .capturesOf(nodeId)
    .filter((c) => isRulesetKind(c.kind) && c.netns === null)
    .sort((a, b) => b.snapshot - a.snapshot || b.id - a.id);
  const captures = all.map(listedCapture);
  const chosen = query.captureId === undefined ? all[0] : all.find((c) => c.id === query.captureId);
  if (chosen === undefined && query.captureId !== undefined) throw new RuleListError('unknown-capture', `node ${query.node} has no iptables capture ${query.captureId}`);
  const empty = { node: query.node, captures, offset: query.offset, total: 0, unfiltered: 0, rules: [] };
  if (chosen === undefined) return { ...empty, capture: null };

  const address = query.address === undefined || query.address === '' ? null : readAddress(query.address);
  const port = query.port ?? null;
  const target = query.target === undefined || query.target === '' ? null : query.target.toUpperCase();
  const chainPrefix = query.chain !== undefined && query.chain !== '' ? query.chain : null;
  const text = query.text !== undefined && query.text !== '' ? query.text.toLowerCase() : null;
  const db = store.db;
  // The capture's rules in the order they were stored (the order it printed them): its chunks in id order,
  // each chunk's records in order. The runs of a chunk cover its records, so they count them uninflated.
  const chunks = db
    .prepare(
      `SELECT k.id, (SELECT coalesce(sum(r.count), 0) FROM rule_runs r WHERE r.chunk_id = k.id) AS n FROM rule_chunks k
       WHERE k.ruleset_id IN (SELECT id FROM rulesets WHERE capture_id = ?) ORDER BY k.id`,
    )
    .raw(true)
    .all(chosen.id) as Array<[id: number, n: number]>;
  const unfiltered = chunks.reduce((sum, [, n]) => sum + n, 0);
  const base = { ...empty, capture: listedCapture(chosen), unfiltered };
  if (unfiltered === 0) return base;

  const runRows = db.prepare('SELECT chain_id, first, count, position FROM rule_runs WHERE chunk_id = ? ORDER BY first').raw(true);
  const placeOf = chainPlaces(db, store.path, chosen.id);
  const runsOf = (chunkId: number): PageRun[] =>
    (runRows.all(chunkId) as Array<[number, number, number, number]>).map(([chainId, first, count, position]) => {
      const place = placeOf(chainId) ?? damaged(store.path, `rule chunk ${chunkId} has rules of chain ${chainId}, not of this capture`);
      return { first, count, position, chain: place.chain, table_name: place.table, family: place.family };
    });
  const bodyOf = db.prepare('SELECT body FROM rule_chunks WHERE id = ?').pluck(true);
  const recordsOf = (chunkId: number): string[] => inflateChunk(store.path, chunkId, bodyOf.get(chunkId) as Buffer);
  const row = (rule: Rule, run: PageRun, index: number): RuleListRow => ({
    index,
    family: run.family as RuleListRow['family'],
    table: run.table_name,
    chain: run.chain,
    position: rule.position,
    line: rule.line,
    text: rule.text,
    target: targetName(rule.target),
    packets: rule.counters?.packets ?? null,
    bytes: rule.counters?.bytes ?? null,
  });
  /** Each record of the chunk's runs, with its run and its place in the chunk; `wanted` skips runs unread. */
  function* rulesOf(chunkId: number, wanted: (run: PageRun) => boolean, from = 0, to = Infinity): Generator<[record: string, run: PageRun, k: number]> {
    const runs = runsOf(chunkId).filter((run) => run.first + run.count > from && run.first < to && wanted(run));
    if (runs.length === 0) return;
    const records = recordsOf(chunkId);
    for (const run of runs) {
      if (run.first + run.count > records.length) throw new ModelError(store.path, `rule chunk ${chunkId} holds ${records.length} rules, not ${run.first + run.count}`);
      for (let k = Math.max(run.first, from); k < Math.min(run.first + run.count, to); k++) yield [records[k]!, run, k];
    }
  }
  const decode = (record: string, run: PageRun, k: number): Rule => decodeRuleRecord(store.path, record, run.chain, run.position + k - run.first);

  if (chainPrefix === null && text === null && target === null && address === null && port === null) {
    // Unfiltered: only the chunks holding the page are inflated, whatever its offset.
    const rules: RuleListRow[] = [];
    const end = query.offset + query.limit;
    let start = 0;
    for (const [chunkId, n] of chunks) {
      if (start >= end) break;
      if (start + n > query.offset) {
        for (const [record, run, k] of rulesOf(chunkId, () => true, query.offset - start, end - start)) rules.push(row(decode(record, run, k), run, start + k));
      }
      start += n;
    }
    return { ...base, total: unfiltered, rules };
  }

  // Filtered: every rule is read once, chunk by chunk, to count the matches; only the page's are kept. A
  // chunk whose chains are all filtered out is not inflated; matches and target are read from a rule's text
  // only when the target, address or port filter needs them.
  const rules: RuleListRow[] = [];
  let total = 0;
  let start = 0;
  const lowerTarget = target?.toLowerCase() ?? null;
  for (const [chunkId, n] of chunks) {
    const hits: Array<[Rule, PageRun, number]> = [];
    for (const [record, run, k] of rulesOf(chunkId, (r) => chainPrefix === null || r.chain.startsWith(chainPrefix))) {
      // A record names its target (in its text, or its target JSON): one that does not is no match.
      if (lowerTarget !== null && !record.toLowerCase().includes(lowerTarget)) continue;
      if ((address !== null || port !== null) && !mayMention(record, address !== null, port !== null)) continue;
      const rule = decode(record, run, k);
      if (text !== null && !rule.text.toLowerCase().includes(text)) continue;
      if (target !== null && targetName(rule.target)?.toUpperCase() !== target) continue;
      if (address !== null && !mentionsAddress(rule.matches, rule.target, address)) continue;
      if (port !== null && !mentionsPort(rule.matches, rule.target, port)) continue;
      hits.push([rule, run, start + k]);
    }
    // Runs are read in record order, so a chunk's hits are in index order.
    for (const [rule, run, index] of hits) {
      if (total >= query.offset && rules.length < query.limit) rules.push(row(rule, run, index));
      total++;
    }
    start += n;
  }
  return { ...base, total, rules };
}

function damaged(database: string, what: string): never {
  throw new ModelError(database, what);
}
