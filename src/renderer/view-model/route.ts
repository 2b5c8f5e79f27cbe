/**
 * The view as a URL fragment (CONTRACT.md `## serve`): `#/flows/ID`, `#/nodes/NAME`, `#/findings` (and
 * `#/findings/ID`, one finding chosen),
 * `#/trace?node=N&proto=P&src=S&dst=D&in=I` (or `&local=1`), and one bare route per tab. Parsing
 * never fails: a fragment it cannot read names what is wrong and falls back to the nearest view.
 */
import { TRACE_PROTOS, type TraceProto } from '../../shared/contract/trace-request';
import type { TabId } from './tabs';

/** A submitted trace form, as the link carries it: endpoints stay the text typed (`IP[:PORT]`). */
export interface TraceQuery {
  node: string;
  proto: TraceProto;
  /** Empty with a local arrival: the kernel chooses the source. */
  src: string;
  dst: string;
  arrival: { kind: 'in'; iface: string } | { kind: 'local' };
  follow: boolean;
  /** A ruleset capture id; null: the newest. */
  snapshot: number | null;
  /** br_netfilter assumed on (the default) or explicitly off. */
  bridgeNetfilter: boolean;
}

/** What the topology highlights: a trace's path (`#/topology?trace=<trace link query>`) or a flow's (`?flow=ID`). */
export type TopologyHighlight = { kind: 'trace'; trace: TraceQuery } | { kind: 'flow'; flow: number };

/** `filter`: the text in the tab's filter box (`#/flows?filter=host%2010.40.0.6`); absent or empty: none. */
export type Route =
  | { tab: 'nodes'; node: string | null; filter?: string }
  | { tab: 'findings'; finding: string | null }
  | { tab: 'captures'; filter?: string }
  | { tab: 'topology'; highlight: TopologyHighlight | null }
  | { tab: 'trace'; trace: TraceQuery | null }
  | { tab: 'flows'; flow: number | null; filter?: string }
  | { tab: 'reports' };

/** The tabs whose list has a filter box, and so a `?filter=` in their link. */
export type FilteredTab = 'nodes' | 'captures' | 'flows';

export interface ParsedRoute {
  route: Route;
  /** What could not be read, in one sentence; null when the fragment was read whole. */
  problem: string | null;
}

export const DEFAULT_ROUTE: Route = { tab: 'nodes', node: null };

/** The route a tab opens on by itself. */
export function tabRoute(tab: TabId): Route {
  switch (tab) {
    case 'nodes':
      return { tab, node: null };
    case 'trace':
      return { tab, trace: null };
    case 'flows':
      return { tab, flow: null };
    case 'topology':
      return { tab, highlight: null };
    case 'findings':
      return { tab, finding: null };
    case 'captures':
    case 'reports':
      return { tab };
    default: {
      const never: never = tab;
      return never;
    }
  }
}

// ':' and brackets stay readable in a link (`src=10.40.1.3:40001`); they are safe in a fragment's query.
const encode = (text: string): string => encodeURIComponent(text).replace(/%3A/gi, ':').replace(/%5B/gi, '[').replace(/%5D/gi, ']');

const filterQuery = (filter: string | undefined): string => (filter === undefined || filter.trim() === '' ? '' : `?filter=${encode(filter)}`);

export function formatRoute(route: Route): string {
  switch (route.tab) {
    case 'nodes':
      return (route.node === null ? '#/nodes' : `#/nodes/${encode(route.node)}`) + filterQuery(route.filter);
    case 'flows':
      return (route.flow === null ? '#/flows' : `#/flows/${route.flow}`) + filterQuery(route.filter);
    case 'captures':
      return `#/captures${filterQuery(route.filter)}`;
    case 'trace':
      return route.trace === null ? '#/trace' : `#/trace?${formatTraceQuery(route.trace)}`;
    case 'topology':
      return route.highlight === null ? '#/topology' : `#/topology?${formatHighlight(route.highlight)}`;
    case 'findings':
      return route.finding === null ? '#/findings' : `#/findings/${encode(route.finding)}`;
    case 'reports':
      return '#/reports';
    default: {
      const never: never = route;
      return never;
    }
  }
}

function formatHighlight(h: TopologyHighlight): string {
  switch (h.kind) {
    case 'trace':
      return `trace=${encodeURIComponent(formatTraceQuery(h.trace))}`;
    case 'flow':
      return `flow=${h.flow}`;
    default: {
      const never: never = h;
      return never;
    }
  }
}

function parseHighlight(query: string): { ok: true; highlight: TopologyHighlight } | { ok: false; problem: string } {
  const params = new URLSearchParams(query);
  const keys = [...params.keys()];
  if (keys.length !== 1 || (keys[0] !== 'trace' && keys[0] !== 'flow')) return { ok: false, problem: 'takes one of trace=... or flow=ID' };
  const value = params.get(keys[0]) ?? '';
  if (keys[0] === 'flow') {
    return /^[1-9]\d{0,15}$/.test(value) && Number.isSafeInteger(Number(value)) ? { ok: true, highlight: { kind: 'flow', flow: Number(value) } } : { ok: false, problem: `has flow=${value}, not a flow number` };
  }
  const parsed = parseTraceQuery(value);
  return parsed.ok ? { ok: true, highlight: { kind: 'trace', trace: parsed.query } } : { ok: false, problem: `has a trace that ${parsed.problem}` };
}

function formatTraceQuery(q: TraceQuery): string {
  const pairs: Array<[string, string]> = [['node', q.node], ['proto', q.proto]];
  if (q.src !== '') pairs.push(['src', q.src]);
  pairs.push(['dst', q.dst]);
  pairs.push(q.arrival.kind === 'in' ? ['in', q.arrival.iface] : ['local', '1']);
  if (q.follow) pairs.push(['follow', '1']);
  if (q.snapshot !== null) pairs.push(['snapshot', String(q.snapshot)]);
  if (!q.bridgeNetfilter) pairs.push(['bridge-nf', 'off']);
  return pairs.map(([k, v]) => `${k}=${encode(v)}`).join('&');
}

const ok = (route: Route): ParsedRoute => ({ route, problem: null });
const bad = (route: Route, problem: string): ParsedRoute => ({ route, problem });

/** Reads `location.hash` (with or without its `#`). An empty fragment is the default view. */
export function parseRoute(hash: string): ParsedRoute {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text === '' || text === '/') return ok(DEFAULT_ROUTE);
  if (!text.startsWith('/')) return bad(DEFAULT_ROUTE, `the link #${text} is not a natlens view (they start with #/)`);
  const q = text.indexOf('?');
  const path = q < 0 ? text.slice(1) : text.slice(1, q);
  const query = q < 0 ? null : text.slice(q + 1);
  const slash = path.indexOf('/');
  const head = slash < 0 ? path : path.slice(0, slash);
  const rest = slash < 0 ? null : path.slice(slash + 1);
  let arg: string | null;
  try {
    arg = rest === null || rest === '' ? null : decodeURIComponent(rest);
  } catch {
    return bad(tabOr(head), `the link #${text} is not correctly encoded`);
  }
  const filtered = head === 'nodes' || head === 'captures' || head === 'flows';
  if (head !== 'trace' && head !== 'topology' && !filtered && query !== null) return bad(tabOr(head), `the link #${text} has a query (only #/trace, #/topology, #/nodes, #/captures and #/flows take one)`);
  let filter: { filter?: string } = {};
  if (filtered && query !== null) {
    const read = parseFilterQuery(query);
    if (!read.ok) return bad(tabOr(head), `the link #${text} ${read.problem}`);
    filter = read.filter === '' ? {} : { filter: read.filter };
  }
  switch (head) {
    case 'nodes':
      return ok({ tab: 'nodes', node: arg, ...filter });
    case 'flows': {
      if (arg === null) return ok({ tab: 'flows', flow: null, ...filter });
      const id = /^[1-9]\d{0,15}$/.test(arg) ? Number(arg) : NaN;
      return Number.isSafeInteger(id) ? ok({ tab: 'flows', flow: id, ...filter }) : bad({ tab: 'flows', flow: null, ...filter }, `"${arg}" is not a flow number`);
    }
    case 'captures':
      return arg === null ? ok({ tab: 'captures', ...filter }) : bad({ tab: 'captures', ...filter }, `#/captures opens nothing by name ("${arg}")`);
    case 'trace': {
      if (arg !== null) return bad({ tab: 'trace', trace: null }, `#/trace opens nothing by name ("${arg}"): a trace is its query`);
      if (query === null || query === '') return ok({ tab: 'trace', trace: null });
      const parsed = parseTraceQuery(query);
      return parsed.ok ? ok({ tab: 'trace', trace: parsed.query }) : bad({ tab: 'trace', trace: null }, `the trace link ${parsed.problem}`);
    }
    case 'topology': {
      if (arg !== null) return bad({ tab: 'topology', highlight: null }, `#/topology opens nothing by name ("${arg}")`);
      if (query === null || query === '') return ok({ tab: 'topology', highlight: null });
      const parsed = parseHighlight(query);
      return parsed.ok ? ok({ tab: 'topology', highlight: parsed.highlight }) : bad({ tab: 'topology', highlight: null }, `the topology link ${parsed.problem}`);
    }
    case 'findings':
      return ok({ tab: 'findings', finding: arg });
    case 'reports':
      return arg === null ? ok({ tab: head }) : bad({ tab: head }, `#/${head} opens nothing by name ("${arg}")`);
    default:
      return bad(DEFAULT_ROUTE, `there is no view #/${head}`);
  }
}

function tabOr(head: string): Route {
  switch (head) {
    case 'nodes':
    case 'findings':
    case 'captures':
    case 'topology':
    case 'trace':
    case 'flows':
    case 'reports':
      return tabRoute(head);
    default:
      return DEFAULT_ROUTE;
  }
}

function parseFilterQuery(query: string): { ok: true; filter: string } | { ok: false; problem: string } {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(query);
  } catch {
    return { ok: false, problem: 'is not correctly encoded' };
  }
  for (const key of params.keys()) {
    if (key !== 'filter') return { ok: false, problem: `has an unknown field "${key}" (only filter=)` };
  }
  if (params.getAll('filter').length > 1) return { ok: false, problem: 'gives "filter" more than once' };
  return { ok: true, filter: params.get('filter') ?? '' };
}

/** The same view with another filter (empty: none). */
export function withFilter(route: Route & { tab: FilteredTab }, filter: string): Route {
  const { filter: _old, ...rest } = route;
  return filter.trim() === '' ? rest : { ...rest, filter };
}

const KNOWN_KEYS = new Set(['node', 'proto', 'src', 'dst', 'in', 'local', 'follow', 'snapshot', 'bridge-nf']);

type TraceQueryParse = { ok: true; query: TraceQuery } | { ok: false; problem: string };

/**
 * The form's own checks (endpoint syntax, the node's interfaces) run when the trace is shown, so a
 * link with a typo still fills the form and says what to fix; here only what makes it no trace at all.
 */
function parseTraceQuery(query: string): TraceQueryParse {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(query);
  } catch {
    return { ok: false, problem: 'is not correctly encoded' };
  }
  const fail = (problem: string): TraceQueryParse => ({ ok: false, problem });
  for (const key of params.keys()) {
    if (!KNOWN_KEYS.has(key)) return fail(`has an unknown field "${key}"`);
    if (params.getAll(key).length > 1) return fail(`gives "${key}" more than once`);
  }
  const get = (key: string): string => (params.get(key) ?? '').trim();
  const node = get('node');
  if (node === '') return fail('names no node');
  const proto = get('proto').toLowerCase() || 'tcp';
  if (!isProto(proto)) return fail(`has protocol "${proto}" (tcp, udp or icmp)`);
  const dst = get('dst');
  if (dst === '') return fail('names no destination');
  const iface = get('in');
  const local = params.has('local') ? flag(get('local')) : false;
  if (local === null) return fail(`has local=${get('local')} (1 or 0)`);
  if ((iface !== '') === local) return fail('needs exactly one of in=IFACE and local=1');
  const src = get('src');
  if (!local && src === '') return fail('names no source (only a local packet may leave it out)');
  const follow = params.has('follow') ? flag(get('follow')) : false;
  if (follow === null) return fail(`has follow=${get('follow')} (1 or 0)`);
  let snapshot: number | null = null;
  if (params.has('snapshot')) {
    const s = get('snapshot');
    if (!/^[1-9]\d{0,15}$/.test(s) || !Number.isSafeInteger(Number(s))) return fail(`has snapshot=${s}, not a capture number`);
    snapshot = Number(s);
  }
  const bridge = params.has('bridge-nf') ? get('bridge-nf').toLowerCase() : 'on';
  if (bridge !== 'on' && bridge !== 'off') return fail(`has bridge-nf=${bridge} (on or off)`);
  return {
    ok: true,
    query: {
      node, proto, src, dst, arrival: local ? { kind: 'local' } : { kind: 'in', iface }, follow, snapshot, bridgeNetfilter: bridge === 'on',
    },
  };
}

const isProto = (p: string): p is TraceProto => (TRACE_PROTOS as readonly string[]).includes(p);

function flag(value: string): boolean | null {
  return value === '1' || value === 'true' ? true : value === '0' || value === 'false' ? false : null;
}

/** Two routes show the same view. */
export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}
