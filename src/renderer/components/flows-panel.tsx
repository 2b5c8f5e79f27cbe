import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Api, FlowSortColumn } from '../../shared/contract/api';
import type { FlowDetailJson, FlowPageJson, FlowRowJson } from '../../shared/contract/flow-json';
import { flowTcpdumpFilter, flowTupleCopy } from '../view-model/copy-text';
import { flowDetailView, flowTableRow, type FlowTableRow } from '../view-model/flow-table';
import { formatRoute } from '../view-model/route';
import { nextSort, type SortState } from '../view-model/table-model';
import { FlowDivergencePanel, useFlowDivergence } from './flow-divergence-panel';
import { NatPicturePanel } from './nat-picture';
import { PacketList } from './packet-list';
import { KernelTraceTable } from './kernel-trace-table';
import { SplitPane } from './split-pane';
import { VirtualGrid, type CopyAction, type GridColumn } from './virtual-grid';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rows fetched per request as the list scrolls (MAX_FLOW_PAGE caps it). */
const PAGE = 200;
const ROW_HEIGHT = 46;

interface Loaded {
  rows: FlowRowJson[];
  total: number;
  unfiltered: number | null;
  clock: FlowPageJson['clock'];
}

/**
 * `revision` changes whenever the project does: the list is read again (flows are re-stitched
 * server-side if needed). `selected` is the flow the URL opens (`#/flows/ID`), loaded or not;
 * `filter` the tcpdump-style expression the URL carries, applied by the server.
 */
export function FlowsPanel({ api, revision, selected, filter, onSelect, onFilter }: {
  api: Api;
  revision: unknown;
  selected: number | null;
  filter: string;
  onSelect: (id: number | null) => void;
  onFilter: (filter: string) => void;
}) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<SortState | null>(null);
  const loading = useRef(false);
  // Answers to an older filter or revision are dropped.
  const epoch = useRef(0);

  const fetchPage = useCallback(
    (offset: number, current: Loaded | null) => {
      if (loading.current) return;
      loading.current = true;
      const mine = epoch.current;
      const order = sort === null ? {} : { sort: { column: SORT_COLUMN[sort.column] ?? 'id', direction: sort.direction } };
      api.listFlows({ offset, limit: PAGE, ...(filter.trim() === '' ? {} : { filter }), ...order }).then(
        (p) => {
          if (mine !== epoch.current) return;
          loading.current = false;
          setLoaded({ rows: [...(current?.rows ?? []), ...p.flows], total: p.total, unfiltered: p.unfiltered ?? null, clock: p.clock });
          setError(null);
        },
        (err: unknown) => {
          if (mine !== epoch.current) return;
          loading.current = false;
          setError(messageOf(err));
          setLoaded(current ?? { rows: [], total: 0, unfiltered: null, clock: [] });
        },
      );
    },
    [api, filter, sort],
  );

  useEffect(() => {
    epoch.current++;
    loading.current = false;
    setLoaded(null);
    setError(null);
    fetchPage(0, null);
  }, [fetchPage, revision]);

  const onNearEnd = useCallback(() => {
    if (loaded !== null && loaded.rows.length < loaded.total) fetchPage(loaded.rows.length, loaded);
  }, [loaded, fetchPage]);

  const rows = useMemo(() => (loaded?.rows ?? []).map((f) => ({ json: f, view: flowTableRow(f) })), [loaded]);

  const filterBox = <FlowFilterBox filter={filter} error={error !== null && filter.trim() !== '' ? error : null} onApply={onFilter} />;
  const fmt = (n: number): string => n.toLocaleString('en-US');
  // The toolbar stays in place whatever the body shows, so the filter box keeps its focus across a reload of the list.
  const body = ((): ReactNode => {
    if (loaded === null) return <p className="muted">Stitching flows…</p>;
    if (error !== null && filter.trim() === '') return <p className="banner banner-error" role="alert">{error}</p>;
    if (loaded.total === 0 && loaded.unfiltered === null && selected === null && error === null) {
      return (
        <p className="empty">
          No flows yet. Import packet captures (pcap, tcpdump) or <code>conntrack -L</code> of your nodes; <code>natlens flows</code> prints the same from the command line.
        </p>
      );
    }
    return (
      <SplitPane
        id="flows"
        label="the flow list"
        list={
          <VirtualGrid
            label="Flows"
            testId="flows-table"
            rowTestId="flow-row"
            className="flows-table"
            rows={rows}
            rowKey={(r) => r.json.id}
            rowHeight={ROW_HEIGHT}
            totalRows={loaded.total}
            columns={FLOW_COLUMNS}
            sort={sort}
            onSort={(column) => setSort((s) => nextSort(s, column))}
            selectedKey={selected}
            onOpen={(r) => onSelect(r.json.id)}
            onClose={() => onSelect(null)}
            onNearEnd={onNearEnd}
            copy={FLOW_COPY}
          />
        }
        detail={selected === null ? null : <FlowDetailPane api={api} id={selected} revision={revision} onClose={() => onSelect(null)} />}
      />
    );
  })();
  const reference = loaded !== null && loaded.clock.length > 1 ? (loaded.clock.find((c) => c.node === c.reference)?.node ?? loaded.clock[0]?.reference) : null;
  return (
    <div className="flows">
      <div className="toolbar">
        {filterBox}
        {/* No flows and no filter: the empty state below says so; "No flow matches" would blame a filter there is not. */}
        {loaded !== null && !(loaded.total === 0 && loaded.unfiltered === null) && (
          <span className="summary" data-testid="flows-summary">
            {loaded.total === 0 ? 'No flow matches' : `Flows 1–${fmt(loaded.rows.length)} of ${fmt(loaded.total)}`}
            {loaded.unfiltered !== null && ` matching, ${fmt(loaded.unfiltered)} in all`}
            {reference !== null && ` · clocks aligned on ${reference}`}
          </span>
        )}
      </div>
      {body}
    </div>
  );
}

interface FlowGridRow {
  json: FlowRowJson;
  view: FlowTableRow;
}

const FLOW_COPY: ReadonlyArray<CopyAction<FlowGridRow>> = [
  { label: 'Tuple', text: (r) => flowTupleCopy(r.json) },
  { label: 'tcpdump filter', text: (r) => flowTcpdumpFilter(r.json) },
  { label: 'Link', text: (r) => `${window.location.origin}${window.location.pathname}${formatRoute({ tab: 'flows', flow: r.json.id })}` },
];

/** The list's sortable columns as the server sorts them: over every (matching) flow, not the pages loaded. */
const SORT_COLUMN: Readonly<Record<string, FlowSortColumn>> = { id: 'id', proto: 'proto', service: 'service', packets: 'packets', first: 'first-seen' };

const FLOW_COLUMNS: ReadonlyArray<GridColumn<FlowGridRow>> = [
  { id: 'id', label: '#', width: '4.5em', sortable: true, className: 'muted', cell: (r) => r.view.id },
  { id: 'proto', label: 'Proto', width: '5.5em', sortable: true, cell: (r) => r.view.proto },
  {
    id: 'tuple',
    label: 'Original → reply',
    // The longest IPv4 tuple, `255.255.255.255:65535 → 255.255.255.255:65535`, whole.
    width: 'minmax(28em, 3fr)',
    className: 'mono',
    cell: (r) => (
      <>
        <div>{r.view.original}</div>
        <div className="muted">{r.view.reply}</div>
      </>
    ),
  },
  {
    id: 'nat',
    label: 'NAT',
    // Room for two badges (DNAT and SNAT) side by side.
    width: '9.5em',
    cell: (r) =>
      r.view.nat.map((n) => (
        <span key={n} className="badge nat">
          {n}
        </span>
      )),
  },
  { id: 'service', label: 'Service', width: 'minmax(8em, 1.5fr)', sortable: true, className: 'mono', cell: (r) => <span title={r.view.service}>{r.view.service}</span> },
  { id: 'packets', label: 'Packets', width: '7em', sortable: true, className: 'num', cell: (r) => r.view.packets },
  { id: 'first', label: 'First seen', width: '11em', sortable: true, className: 'mono', cell: (r) => <span title={r.view.firstSeenFull}>{r.view.firstSeen}</span> },
  {
    id: 'evidence',
    label: 'Evidence',
    width: '8.5em',
    cell: (r) => (
      <span className={`badge evidence-${r.view.evidence}`} title={r.view.evidenceNote}>
        {r.view.evidence}
      </span>
    ),
  },
];

/** The display filter, applied on Enter as in Wireshark: typing alone never reloads a million flows. */
function FlowFilterBox({ filter, error, onApply }: { filter: string; error: string | null; onApply: (filter: string) => void }) {
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  return (
    <form
      className="filter-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft.trim());
      }}
    >
      <label htmlFor="flow-filter">Filter</label>
      <input
        id="flow-filter"
        type="text"
        className={`mono${error === null ? '' : ' invalid'}`}
        value={draft}
        placeholder="host 10.40.0.6 and port 8080"
        spellCheck={false}
        aria-invalid={error !== null}
        aria-describedby={error === null ? undefined : 'flow-filter-error'}
        data-testid="flow-filter"
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && draft !== '') {
            e.preventDefault();
            setDraft('');
            onApply('');
          }
        }}
      />
      <button type="submit">Apply</button>
      {error !== null && (
        <span id="flow-filter-error" className="filter-error" role="alert" data-testid="flow-filter-error">
          {error}
        </span>
      )}
    </form>
  );
}

function FlowDetailPane({ api, id, revision, onClose }: { api: Api; id: number; revision: unknown; onClose: () => void }) {
  const [detail, setDetail] = useState<FlowDetailJson | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setDetail(null);
    setError(null);
    api.flowDetail({ id }).then(
      (d) => live && setDetail(d),
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [api, id, revision]);

  const view = useMemo(() => (detail === null ? null : flowDetailView(detail)), [detail]);
  const divergence = useFlowDivergence(api, id, revision);

  return (
    <section className="flow-detail" data-testid="flow-detail" aria-label={`Flow ${id}`}>
      {error !== null && (
        <p className="banner banner-error" role="alert" data-testid="flow-detail-error">
          Flow {id} cannot be shown: {error}.{' '}
          <a href={formatRoute({ tab: 'flows', flow: null })}>Back to the flows</a>
        </p>
      )}
      {view === null ? (
        error === null && <p className="muted">Loading flow {id}…</p>
      ) : (
        <>
          <header className="flow-detail-head">
            <h2 className="mono">{view.title}</h2>
            {view.nat.map((n) => (
              <span key={n} className="badge nat">
                {n}
              </span>
            ))}
            <a href={formatRoute({ tab: 'topology', highlight: { kind: 'flow', flow: id } })} data-testid="flow-on-topology">
              Path on topology
            </a>
            <button type="button" className="link close" onClick={onClose} aria-label="Close flow">
              Close
            </button>
          </header>
          <dl className="outcome-facts">
            {view.facts.map((f) => (
              <div key={f.label}>
                <dt>{f.label}</dt>
                <dd className="mono">{f.value}</dd>
              </div>
            ))}
          </dl>
          {view.tcp.length > 0 && (
            <p className="tcp-events">
              <span className="kind">TCP</span> {view.tcp.join(' · ')}
            </p>
          )}
          {view.tcpWarning !== null && <p className="banner banner-warn">{view.tcpWarning}</p>}
          {detail !== null && <NatPicturePanel detail={detail} divergence={divergence.view} />}
          <h3>Hop timeline</h3>
          {view.hops.length === 0 ? (
            <p className="muted" data-testid="flow-no-hops">
              {view.noHops}
            </p>
          ) : (
            <table className="grid hop-timeline" data-testid="flow-hops">
              <thead>
                <tr>
                  <th>At</th>
                  <th>Node</th>
                  <th>Interface</th>
                  <th>Direction</th>
                  <th>Tuple as captured</th>
                  <th>Stage</th>
                  <th className="num">Packets</th>
                </tr>
              </thead>
              <tbody>
                {view.hops.map((h) => (
                  <tr key={h.key} title={h.explanation}>
                    <td className="mono muted">{h.at}</td>
                    <td className="node">{h.node}</td>
                    <td className="mono">
                      {h.iface}
                      {h.tunnel !== '' && <span className="muted" title={h.tunnelFull}> in {h.tunnel}</span>}
                    </td>
                    <td>{h.direction}</td>
                    <td className="mono">{h.tuple}</td>
                    <td>
                      {h.stage !== null && <span className={`badge stage-${h.stage.startsWith('pre') || h.stage.endsWith('after de-NAT') ? 'plain' : 'nat'}`}>{h.stage}</span>}
                      <div className="muted explanation">{h.explanation}</div>
                    </td>
                    <td className="num mono">{h.packets}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {detail !== null && <PacketList api={api} detail={detail} />}
          <FlowDivergencePanel state={divergence} />
          {view.rewrites.length > 0 && (
            <>
              <h3>Rewrites</h3>
              <ol className="step-list">
                {view.rewrites.map((r) => (
                  <li key={r.key} className="step nat">
                    <div className="step-where">
                      <span className="node">{r.node}</span>
                      <span className="kind">{r.where}</span>
                      <span className="muted line">{r.evidence}</span>
                      <span className={`target target-${r.kind.toLowerCase()}`}>{r.kind}</span>
                    </div>
                    <div className="nat-step mono">
                      {r.before} <span className="arrow">⇒</span> {r.after}
                    </div>
                    {r.rule !== null && <code className="rule">{r.rule}</code>}
                    {r.note !== null && <p className="step-note">{r.note}</p>}
                  </li>
                ))}
              </ol>
            </>
          )}
          {view.conntrack.length > 0 && (
            <>
              <h3>Conntrack</h3>
              <ul className="plain-list mono">
                {view.conntrack.map((c, i) => (
                  <li key={i}>{c}</li>
                ))}
              </ul>
            </>
          )}
          {detail !== null && <KernelTraceTable detail={detail} />}
          {view.notes.length > 0 && (
            <ul className="caveats">
              {view.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
