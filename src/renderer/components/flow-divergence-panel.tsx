import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../../shared/contract/api';
import type { FlowDivergenceJson } from '../../shared/contract/flow-divergence-json';
import { divergenceModel, type Segment } from '../view-model/divergence-view';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function Packet({ segments }: { segments: Segment[] }) {
  return (
    <span className="mono">
      {segments.map((s, i) => (s.changed ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
    </span>
  );
}

export interface FlowDivergenceState {
  view: FlowDivergenceJson | null;
  error: string | null;
}

/** The flow's divergence answer, asked once for the detail's picture and its table. */
export function useFlowDivergence(api: Api, id: number, revision: unknown): FlowDivergenceState {
  const [view, setView] = useState<FlowDivergenceJson | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setView(null);
    setError(null);
    api.flowDivergence({ id }).then(
      (v) => live && setView(v),
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [api, id, revision]);
  return { view, error };
}

/** A flow's replayed path beside its captured sightings (flow detail, under the hop timeline). */
export function FlowDivergencePanel({ state }: { state: FlowDivergenceState }) {
  const { view, error } = state;
  const model = useMemo(() => (view === null ? null : divergenceModel(view)), [view]);

  return (
    <section className="divergence" data-testid="flow-divergence" aria-label="Replay beside the captures">
      <h3>Replay beside the captures</h3>
      {error !== null && <p className="banner banner-error">{error}</p>}
      {model === null && error === null && <p className="muted">Replaying the first packet…</p>}
      {model?.kind === 'not-replayed' && <p className="muted">The first packet cannot be replayed: {model.reason}.</p>}
      {model?.kind === 'replayed' && (
        <>
          <p className={`divergence-headline ${model.diverges ? 'diverges' : 'agrees'}`} data-testid="divergence-headline">
            {model.headline}
          </p>
          <p className="muted">
            Replayed from {model.start} ({model.why}).{' '}
            {model.traceHref !== null && (
              <a href={model.traceHref} data-testid="divergence-trace">
                Open in Trace
              </a>
            )}
          </p>
          {model.outcome !== null && <p className="muted">{model.outcome}</p>}
          {model.lines.length > 0 && (
            <table className="grid divergence-table" data-testid="divergence-rows">
              <thead>
                <tr>
                  <th>Hop</th>
                  <th>Replay predicts</th>
                  <th>Captures show</th>
                  <th>Match</th>
                </tr>
              </thead>
              <tbody>
                {model.lines.map((l) => (
                  <tr key={l.key} className={`divergence-${l.status}${l.first ? ' first-divergence' : ''}`} data-testid="divergence-row" data-status={l.status}>
                    <td className="node">{l.hop}</td>
                    <td>
                      {l.predicted !== null && (
                        <>
                          <div className="muted">{l.predicted.where}</div>
                          <Packet segments={l.predicted.packet} />
                        </>
                      )}
                    </td>
                    <td title={l.captured?.explanation}>
                      {l.captured !== null && (
                        <>
                          <div className="muted">
                            {l.captured.where} · {l.captured.packets === 1 ? '1 packet' : `${l.captured.packets} packets`}
                          </div>
                          <Packet segments={l.captured.packet} />
                        </>
                      )}
                    </td>
                    <td>
                      <span className={`badge match-${l.status}`}>{l.label}</span>
                      {l.first && (
                        <div className="first-mark" data-testid="first-divergence">
                          first difference
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {model.notes.length > 0 && (
            <ul className="caveats">
              {model.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
