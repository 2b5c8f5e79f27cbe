import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { Api } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';
import type { TopologyNodeJson, TopologySummaryJson } from '../../shared/contract/topology-json';
import type { TopologyHighlight } from '../view-model/route';
import { nodeId } from '../view-model/topology-elements';
import { RevisionCache } from '../view-model/revision-cache';
import { homeOfAddress, indexTopology, type TopologyIndex } from '../view-model/topology-index';
import { overviewSummary, tapAction, topologyOverview, type TopologyPath } from '../view-model/topology-overview';
import { pathOfFlow, pathOfTrace } from '../view-model/topology-path';
import { expansionOf, searchTopology, type SearchHit } from '../view-model/topology-search';
import { buildTraceRequest } from '../view-model/trace-form';
import { traceFormOf } from '../view-model/trace-route';
import { TopologyGraph, type GraphData, type GraphFocus } from './topology-graph';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const toggled = (set: ReadonlySet<string>, key: string): Set<string> => {
  const next = new Set(set);
  if (!next.delete(key)) next.add(key);
  return next;
};
const withKey = (set: ReadonlySet<string>, key: string | null): ReadonlySet<string> => (key === null || set.has(key) ? set : new Set(set).add(key));

/** The trace (replayed here) or flow (read here) a `#/topology?...` link names, as a path across nodes. */
async function loadPath(api: Api, highlight: TopologyHighlight, nodes: readonly NodeJson[], homeOf: (ip: string) => string | null): Promise<TopologyPath> {
  switch (highlight.kind) {
    case 'trace': {
      const check = buildTraceRequest(traceFormOf(highlight.trace, nodes), nodes);
      if (!check.ok) throw new Error(`the trace in the link cannot run: ${Object.values(check.errors).join('; ')}`);
      return pathOfTrace(await api.trace(check.request));
    }
    case 'flow':
      return pathOfFlow(await api.flowDetail({ id: highlight.flow, offset: 0, limit: 1000 }), homeOf);
    default: {
      const never: never = highlight;
      return never;
    }
  }
}

/** What the user opened in the overview, kept while another tab shows. */
interface KeptOverview {
  /** Opened nodes' details as read for this revision. */
  details: ReadonlyMap<string, TopologyNodeJson>;
  expandedNodes: ReadonlySet<string>;
  expandedNamespaces: ReadonlySet<string>;
  showLoopback: boolean;
}

const SUMMARY = 'summary';
const OVERVIEW = 'overview';
const EMPTY_DETAILS: ReadonlyMap<string, TopologyNodeJson> = new Map();
/** Read once per project revision, whichever mount of the tab asks first. */
const summaries = new RevisionCache<TopologySummaryJson>();
const overviews = new RevisionCache<KeptOverview>();
const indexes = new WeakMap<TopologySummaryJson, TopologyIndex>();

function indexOf(summary: TopologySummaryJson): TopologyIndex {
  const known = indexes.get(summary);
  if (known !== undefined) return known;
  const index = indexTopology(summary);
  indexes.set(summary, index);
  return index;
}

type OverviewInputs = Parameters<typeof topologyOverview>;
/** The elements last drawn with what they were made from: a mount with the same inputs reuses them. */
let lastOverview: { inputs: OverviewInputs; elements: ReturnType<typeof topologyOverview> } | null = null;

const sameInputs = ([i1, d1, o1]: OverviewInputs, [i2, d2, o2]: OverviewInputs): boolean =>
  i1 === i2 && d1 === d2 && (Object.keys(o1) as Array<keyof typeof o1>).every((k) => Object.is(o1[k], o2[k]));

function overviewOf(...inputs: OverviewInputs): ReturnType<typeof topologyOverview> {
  const last = lastOverview;
  if (last !== null && sameInputs(last.inputs, inputs)) return last.elements;
  const elements = topologyOverview(...inputs);
  lastOverview = { inputs, elements };
  return elements;
}

/** The overview as the tab left it: this revision's, else the last one's openings without its (now stale) details. */
function initialOverview(revision: unknown): KeptOverview {
  const same = overviews.peek(revision, OVERVIEW);
  if (same !== undefined) return same;
  const last = overviews.latest()?.value;
  return { details: EMPTY_DETAILS, expandedNodes: last?.expandedNodes ?? new Set(), expandedNamespaces: last?.expandedNamespaces ?? new Set(), showLoopback: last?.showLoopback ?? false };
}

/**
 * `revision` changes whenever the project does (after an import or an edit): the graph is read again. Coming back
 * to the tab within one revision reads nothing: the summary, the opened nodes and the drawn graph are kept.
 */
export function TopologyPanel({ api, revision, nodes, highlight }: { api: Api; revision: unknown; nodes: readonly NodeJson[]; highlight: TopologyHighlight | null }) {
  const [initial] = useState(() => initialOverview(revision));
  const [summary, setSummary] = useState<TopologySummaryJson | null>(() => summaries.peek(revision, SUMMARY) ?? null);
  const [error, setError] = useState<string | null>(null);
  const [details, setDetails] = useState<ReadonlyMap<string, TopologyNodeJson>>(initial.details);
  const [expandedNodes, setExpandedNodes] = useState<ReadonlySet<string>>(initial.expandedNodes);
  const [expandedNamespaces, setExpandedNamespaces] = useState<ReadonlySet<string>>(initial.expandedNamespaces);
  const [showLoopback, setShowLoopback] = useState(initial.showLoopback);
  const [selection, setSelection] = useState<GraphData | null>(null);
  const [fitSignal, setFitSignal] = useState(0);
  const [focus, setFocus] = useState<GraphFocus | null>(null);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [path, setPath] = useState<{ path: TopologyPath | null; problem: string | null }>({ path: null, problem: null });

  // The revision the details belong to: a new one drops them (the nodes may have changed).
  const [detailsRevision, setDetailsRevision] = useState(revision);
  if (!Object.is(detailsRevision, revision)) {
    setDetailsRevision(revision);
    setDetails(overviews.peek(revision, OVERVIEW)?.details ?? EMPTY_DETAILS);
  }
  useEffect(() => {
    overviews.set(revision, OVERVIEW, { details, expandedNodes, expandedNamespaces, showLoopback });
  }, [revision, details, expandedNodes, expandedNamespaces, showLoopback]);

  useEffect(() => {
    let live = true;
    summaries
      .load(revision, SUMMARY, () => api.topologySummary({}))
      .then((t) => {
        if (!live) return;
        setSummary(t);
        setError(null);
      })
      .catch((err: unknown) => live && setError(messageOf(err)));
    return () => {
      live = false;
    };
  }, [api, revision]);

  // Opened nodes whose details are not here yet: one request for all of them. Only nodes the summary has: one
  // opened before an edit or in another project may be gone, and asking for it again would never end.
  useEffect(() => {
    const missing = [...expandedNodes].filter((n) => !details.has(n) && summary?.nodes.some((s) => s.name === n) === true);
    if (missing.length === 0) return undefined;
    let live = true;
    api
      .topologyNodes({ names: missing })
      .then((list) => live && setDetails((prev) => new Map([...prev, ...list.map((n): [string, TopologyNodeJson] => [n.name, n])])))
      .catch((err: unknown) => live && setError(messageOf(err)));
    return () => {
      live = false;
    };
  }, [api, expandedNodes, details, summary]);

  const index = useMemo(() => (summary === null ? null : indexOf(summary)), [summary]);

  useEffect(() => {
    if (highlight === null || index === null) {
      setPath({ path: null, problem: null });
      return undefined;
    }
    let live = true;
    loadPath(api, highlight, nodes, (ip) => homeOfAddress(index, ip))
      .then((p) => {
        if (!live) return;
        setPath({ path: p, problem: null });
        setFocus((f) => ({ ids: p.nodes.map(nodeId), seq: (f?.seq ?? 0) + 1 }));
      })
      .catch((err: unknown) => live && setPath({ path: null, problem: messageOf(err) }));
    return () => {
      live = false;
    };
  }, [api, highlight, nodes, index]);

  const elements = useMemo(
    () => (index === null ? [] : overviewOf(index, details, { expandedNodes, expandedNamespaces, showLoopback, path: path.path })),
    [index, details, expandedNodes, expandedNamespaces, showLoopback, path.path],
  );
  const line = useMemo(() => (index === null ? '' : overviewSummary(index, elements)), [index, elements]);

  const go = (hit: SearchHit): void => {
    const open = expansionOf(hit);
    setExpandedNodes((s) => withKey(s, open.node));
    setExpandedNamespaces((s) => withKey(s, open.namespace));
    setFocus((f) => ({ ids: [hit.focus], seq: (f?.seq ?? 0) + 1 }));
  };
  const search = (event: FormEvent): void => {
    event.preventDefault();
    if (index === null) return;
    const found = searchTopology(index, query);
    setHits(found);
    const first = found[0];
    if (first !== undefined) go(first);
  };
  const onTap = (data: GraphData | null): void => {
    setSelection(data);
    if (data === null) return;
    const action = tapAction(data);
    switch (action.kind) {
      case 'toggle-node':
        return setExpandedNodes((s) => toggled(s, action.node));
      case 'toggle-namespace':
        return setExpandedNamespaces((s) => toggled(s, action.namespace));
      case 'select':
        return undefined;
      default: {
        const never: never = action;
        return never;
      }
    }
  };

  if (error !== null) return <p className="banner banner-error" role="alert">{error}</p>;
  if (summary === null || index === null) return <p className="muted">Loading topology…</p>;
  if (summary.nodes.length === 0) {
    return (
      <p className="empty">
        Nothing to draw yet. Import <code>ip addr</code>, <code>ip route</code> and iptables captures of your nodes above.
      </p>
    );
  }
  return (
    <div className="topology">
      <div className="toolbar">
        <span className="summary" data-testid="topology-summary">
          {line}
        </span>
        <form className="topology-search" role="search" onSubmit={search}>
          <input type="search" aria-label="Find an IP, pod, service or node" placeholder="IP, pod, service or node" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="topology-search" />
          <button type="submit">Find</button>
        </form>
        <label className="check">
          <input type="checkbox" checked={showLoopback} onChange={(e) => setShowLoopback(e.target.checked)} /> Show loopback
        </label>
        <button type="button" onClick={() => { setExpandedNodes(new Set()); setExpandedNamespaces(new Set()); }} disabled={expandedNodes.size === 0 && expandedNamespaces.size === 0}>
          Collapse all
        </button>
        <button type="button" onClick={() => setFitSignal((n) => n + 1)}>
          Fit
        </button>
      </div>
      {hits !== null && (
        <p className="topology-hits" data-testid="topology-hits" role="status">
          {hits.length === 0 ? `Nothing named or addressed “${query}”.` : hits.length === 1 ? `Found ${hits[0]?.label}.` : `${hits.length} matches; showing ${hits[0]?.label}. `}
          {hits.length > 1 &&
            hits.slice(1, 6).map((h) => (
              <button key={h.focus} type="button" className="link" onClick={() => go(h)}>
                {h.label}
              </button>
            ))}
        </p>
      )}
      {path.problem !== null && <p className="banner banner-warn" role="alert">The path to highlight could not be drawn: {path.problem}.</p>}
      {path.path !== null && (
        <p className="topology-path" data-testid="topology-path">
          Highlighted: {path.path.label} across {path.path.nodes.join(' → ')} <a href="#/topology">clear</a>
        </p>
      )}
      <div className="topology-body">
        <TopologyGraph elements={elements} source={summary} onTap={onTap} fitSignal={fitSignal} focus={focus} />
        <aside className="details-panel" data-testid="topology-details" aria-label="Details">
          {selection === null ? (
            <>
              <h3>Details</h3>
              <p className="muted">Click a node to open it, a service namespace to list its services; click anything for its details. Zoom in for labels.</p>
              <ul className="legend">
                <li><span className="swatch route" /> routes into another node’s pod network</li>
                <li><span className="swatch veth" /> veth pair</li>
                <li><span className="swatch endpoint" /> service → endpoint</li>
                <li><span className="swatch namespace" /> namespace captured on the node</li>
              </ul>
            </>
          ) : (
            <>
              <h3>{selection.title}</h3>
              <dl>
                {selection.details.map((row, i) => (
                  <div key={i} className="detail-row">
                    <dt>{row.label}</dt>
                    <dd className="mono">{row.value}</dd>
                  </div>
                ))}
              </dl>
            </>
          )}
        </aside>
      </div>
    </div>
  );
}
