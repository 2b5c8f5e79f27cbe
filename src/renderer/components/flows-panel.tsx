import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../../shared/contract/api';
import type { FlowDetailJson, FlowPageJson } from '../../shared/contract/flow-json';
import { FLOW_PAGE_SIZE, flowDetailView, flowTableRows, pageInfo } from '../view-model/flow-table';
import { formatRoute } from '../view-model/route';
import { FlowDivergencePanel } from './flow-divergence-panel';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `revision` changes whenever the project does: the page is read again (flows are re-stitched
 * server-side if needed). `selected` is the flow the URL opens (`#/flows/ID`), on this page or not.
 */
export function FlowsPanel({ api, revision, selected, onSelect }: { api: Api; revision: unknown; selected: number | null; onSelect: (id: number | null) => void }) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<FlowPageJson | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.listFlows({ offset, limit: FLOW_PAGE_SIZE }).then(
      (p) => {
        if (!live) return;
        setPage(p);
        setError(null);
      },
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [api, offset, revision]);

  const rows = useMemo(() => (page === null ? [] : flowTableRows(page)), [page]);

  if (error !== null) return <p className="banner banner-error" role="alert">{error}</p>;
  if (page === null) return <p className="muted">Stitching flows…</p>;
  if (page.total === 0 && selected === null) {
    return <p className="empty">No flows yet. Import packet captures (pcap, tcpdump) or `conntrack -L` of your nodes; `natlens flows` prints the same from the command line.</p>;
  }
  const info = pageInfo(page.total, page.offset, page.flows.length);
  return (
    <div className="flows">
      <div className="toolbar">
        <span className="summary" data-testid="flows-summary">
          Flows {info.label}
          {page.clock.length > 1 && ` · clocks aligned on ${page.clock.find((c) => c.node === c.reference)?.node ?? page.clock[0]?.reference}`}
        </span>
        <button type="button" disabled={info.prevOffset === null} onClick={() => info.prevOffset !== null && setOffset(info.prevOffset)}>
          Previous
        </button>
        <button type="button" disabled={info.nextOffset === null} onClick={() => info.nextOffset !== null && setOffset(info.nextOffset)}>
          Next
        </button>
      </div>
      <div className="flows-body">
        <div className="flows-table-wrap">
          <table className="grid flows-table" data-testid="flows-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Proto</th>
                <th>Original → reply</th>
                <th>NAT</th>
                <th>Service</th>
                <th className="num">Packets</th>
                <th>First seen</th>
                <th>Evidence</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} className={r.id === selected ? 'selected' : ''} onClick={() => onSelect(r.id)} aria-selected={r.id === selected} data-testid="flow-row">
                  <td className="muted">
                    <a href={formatRoute({ tab: 'flows', flow: r.id })} onClick={(e) => e.stopPropagation()}>
                      {r.id}
                    </a>
                  </td>
                  <td>{r.proto}</td>
                  <td className="mono">
                    <div>{r.original}</div>
                    <div className="muted">{r.reply}</div>
                  </td>
                  <td>
                    {r.nat.map((n) => (
                      <span key={n} className="badge nat">
                        {n}
                      </span>
                    ))}
                  </td>
                  <td className="mono">{r.service}</td>
                  <td className="num">{r.packets}</td>
                  <td className="mono" title={r.firstSeenFull}>
                    {r.firstSeen}
                  </td>
                  <td>
                    <span className={`badge evidence-${r.evidence}`} title={r.evidenceNote}>
                      {r.evidence}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {selected !== null && <FlowDetailPane api={api} id={selected} revision={revision} onClose={() => onSelect(null)} />}
      </div>
    </div>
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
          <h3>Hop timeline</h3>
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
                  <td className="mono">{h.iface}</td>
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
          <FlowDivergencePanel api={api} id={id} revision={revision} />
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
          {view.notes.length > 0 && (
            <ul className="caveats">
              {view.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          )}
          <p className="muted">{view.observations}</p>
        </>
      )}
    </section>
  );
}
