import type { AssumptionRow, OutcomeCard } from '../view-model/trace-outcome';
import { PacketText } from './packet-text';

export function OutcomeCardView({ card, showSteps }: { card: OutcomeCard; showSteps: boolean }) {
  return (
    <article className={`outcome tone-${card.tone}`} data-testid="trace-outcome" aria-label={`${card.share} ${card.verdictLabel}`}>
      <header className="outcome-head">
        <div className="share" title={`probability ${card.share}`}>
          <div className="share-bar">
            <span style={{ width: `${card.fraction * 100}%` }} />
          </div>
          <span className="share-text">{card.share}</span>
        </div>
        <span className={`verdict verdict-${card.tone}`}>{card.verdictLabel}</span>
        {card.uncertain && card.verdict !== 'unknown' && (
          <span className="verdict verdict-unknown">{card.assumptions.length > 0 ? 'rests on assumptions' : 'partial captures'}</span>
        )}
        <p className="outcome-summary" data-testid="outcome-summary">
          {card.summary}
        </p>
      </header>

      {(card.reason !== null || card.caveats.length > 0) && (
        <div className={`outcome-notes${card.verdict === 'unknown' ? ' is-unknown' : ''}`}>
          {card.reason !== null && (
            <p className="reason">
              <strong>Why: </strong>
              {card.reason}
            </p>
          )}
          {card.caveats.length > 0 && (
            <ul className="caveats">
              {card.caveats.map((c, i) => (
                <li key={i}>{c}</li>
              ))}
            </ul>
          )}
        </div>
      )}

      {card.assumptions.length > 0 && (
        <div className="outcome-assumptions" data-testid="outcome-assumptions">
          <strong>Assuming what the captures do not show</strong>
          <AssumptionList rows={card.assumptionsOnPath} />
          {card.assumptionsOfSet.length > 0 && (
            <details data-testid="outcome-assumptions-of-set">
              <summary>
                and {card.assumptionsOfSet.length} more that the other outcomes of this set rest on (the set&apos;s shares sum to 100% under all of them)
              </summary>
              <AssumptionList rows={card.assumptionsOfSet} />
            </details>
          )}
        </div>
      )}

      <dl className="outcome-facts">
        {card.service !== null && (
          <div>
            <dt>Service</dt>
            <dd className="mono">{card.service}</dd>
          </div>
        )}
        {card.egress !== null && (
          <div>
            <dt>Leaves</dt>
            <dd className="mono">{card.egress}</dd>
          </div>
        )}
        {card.marks !== null && (
          <div>
            <dt>Marks</dt>
            <dd className="mono">{card.marks}</dd>
          </div>
        )}
      </dl>

      {card.hops.length > 0 && (
        <table className="grid hops">
          <thead>
            <tr>
              <th>Node</th>
              <th>In → out</th>
              <th>Packet before</th>
              <th>Packet after</th>
            </tr>
          </thead>
          <tbody>
            {card.hops.map((h) => (
              <tr key={h.key}>
                <td className="node">{h.node}</td>
                <td className="mono">{h.path}</td>
                <td>
                  <PacketText packet={h.before} />
                </td>
                <td>
                  <PacketText packet={h.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {card.steps.length > 0 && (
        <details className="steps" open={showSteps}>
          <summary>
            Rule by rule · {card.steps.length} {card.steps.length === 1 ? 'step' : 'steps'}
          </summary>
          <ol className="step-list">
            {card.steps.map((s) => (
              <li key={s.key} className={`step${s.policy ? ' policy' : ''}${s.nat !== null ? ' nat' : ''}`}>
                <div className="step-where">
                  <span className="node">{s.node}</span>
                  <span className="kind">{s.where}</span>
                  {s.line !== null && <span className="muted line">line {s.line}</span>}
                  <span className={`target target-${s.target.toLowerCase()}`}>{s.target}</span>
                </div>
                <code className="rule">{s.text}</code>
                {s.nat !== null && (
                  <div className="nat-step">
                    <span className="kind">{s.nat.kind}</span>
                    <PacketText packet={s.nat.before} />
                    <span className="arrow">⇒</span>
                    <PacketText packet={s.nat.after} />
                    {s.nat.note !== null && <span className="muted">{s.nat.note}</span>}
                  </div>
                )}
                {s.note !== null && <p className="step-note">{s.note}</p>}
              </li>
            ))}
          </ol>
        </details>
      )}
    </article>
  );
}

function AssumptionList({ rows }: { rows: readonly AssumptionRow[] }) {
  return (
    <ul>
      {rows.map((a) => (
        <li key={a.key}>
          <span className="assumed">{a.assumed}</span>
          <span className="muted"> — {a.about}</span>
          {(a.rule !== null || a.source !== null) && (
            <div className="assumption-where">
              {a.rule !== null && <code className="rule">{a.rule}</code>}
              {a.source !== null && <span className="muted line">{a.source}</span>}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
