import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../../shared/contract/api';
import type { TopologyJson } from '../../shared/contract/topology-json';
import { graphSummary, topologyElements } from '../view-model/topology-elements';
import { TopologyGraph, type GraphSelection } from './topology-graph';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `revision` changes whenever the project does (after an import): the graph is read again. */
export function TopologyPanel({ api, revision, visible }: { api: Api; revision: unknown; visible: boolean }) {
  const [topology, setTopology] = useState<TopologyJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showLoopback, setShowLoopback] = useState(false);
  const [selection, setSelection] = useState<GraphSelection | null>(null);
  const [fitSignal, setFitSignal] = useState(0);

  useEffect(() => {
    let live = true;
    api
      .topology({})
      .then((t) => {
        if (!live) return;
        setTopology(t);
        setError(null);
      })
      .catch((err: unknown) => live && setError(messageOf(err)));
    return () => {
      live = false;
    };
  }, [api, revision]);

  const elements = useMemo(() => (topology === null ? [] : topologyElements(topology, { showLoopback })), [topology, showLoopback]);
  const summary = useMemo(() => graphSummary(elements), [elements]);

  if (error !== null) return <p className="banner banner-error" role="alert">{error}</p>;
  if (topology === null) return <p className="muted">Loading topology…</p>;
  if (topology.nodes.length === 0) {
    return <p className="empty">Nothing to draw yet. Import `ip addr`, `ip route` and iptables captures of your nodes above.</p>;
  }
  return (
    <div className="topology">
      <div className="toolbar">
        <span className="summary" data-testid="topology-summary">
          {summary}
        </span>
        <label className="check">
          <input type="checkbox" checked={showLoopback} onChange={(e) => setShowLoopback(e.target.checked)} /> Show loopback
        </label>
        <button type="button" onClick={() => setFitSignal((n) => n + 1)}>
          Fit
        </button>
      </div>
      <div className="topology-body">
        <TopologyGraph elements={elements} onSelect={setSelection} fitSignal={fitSignal} visible={visible} />
        <aside className="details-panel" data-testid="topology-details" aria-label="Details">
          {selection === null ? (
            <>
              <h3>Details</h3>
              <p className="muted">Click a node, interface, route or service.</p>
              <ul className="legend">
                <li><span className="swatch route" /> route to another node’s address</li>
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
