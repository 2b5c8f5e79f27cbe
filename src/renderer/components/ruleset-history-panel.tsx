import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../../shared/contract/api';
import { RULESET_PAGE, type RulesetTimelinePageJson } from '../../shared/contract/ruleset-timeline-json';
import { rulesetHistoryView, withRulesetPage } from '../view-model/ruleset-history';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A node's "Ruleset history": read when first opened, and again whenever `revision` (the project)
 * changes while open. Rules are shown as text, never as HTML.
 */
export function RulesetHistoryPanel({ api, node, count, revision }: { api: Api; node: string; count: number; revision: unknown }) {
  const [open, setOpen] = useState(false);
  const [timeline, setTimeline] = useState<RulesetTimelinePageJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);

  useEffect(() => {
    if (!open) return;
    let live = true;
    api.rulesetTimeline({ node, offset: 0, limit: RULESET_PAGE }).then(
      (t) => {
        if (!live) return;
        setTimeline(withRulesetPage(null, t));
        setError(null);
      },
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [api, node, open, revision]);

  const next = timeline?.page.nextOffset ?? null;
  const readMore = (): void => {
    if (next === null || reading) return;
    setReading(true);
    api.rulesetTimeline({ node, offset: next, limit: RULESET_PAGE }).then(
      (t) => {
        setTimeline((read) => withRulesetPage(read, t));
        setReading(false);
      },
      (err: unknown) => {
        setError(messageOf(err));
        setReading(false);
      },
    );
  };

  const view = useMemo(() => (timeline === null ? null : rulesetHistoryView(timeline)), [timeline]);

  return (
    <details className="ruleset-history" data-testid="ruleset-history" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Ruleset history ({count === 1 ? '1 iptables capture' : `${count} iptables captures`})</summary>
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {view === null && error === null && <p className="muted">Reading…</p>}
      {view !== null && (
        <>
          <p className="muted" data-testid="ruleset-summary">
            {view.summary}
          </p>
          {view.blocks.map((b) => (
            <section key={b.key} className={`ruleset-snapshot ruleset-${b.status}`} data-testid="ruleset-snapshot" data-capture={b.title}>
              <h4>
                <span className="mono">{b.title}</span> <span className="mono muted">{b.source}</span>
                {b.takenAt !== '' && <span className="muted"> · {b.takenAt}</span>}
              </h4>
              {b.command !== null && <div className="mono muted">$ {b.command}</div>}
              <div className="muted">{b.comparison}{b.status === 'unchanged' ? ': no change' : ''}</div>
              {b.partialNote !== null && <div className="ruleset-partial">{b.partialNote}</div>}
              {b.sections.map((s) => (
                <div key={s.heading} className="ruleset-section">
                  <div className="mono ruleset-heading">{s.heading}</div>
                  <pre className="ruleset-diff">
                    {s.lines.map((l, i) => (
                      <div key={i} className={`diff-${l.tone}`} data-testid={`ruleset-${l.tone}`}>
                        {l.text}
                      </div>
                    ))}
                  </pre>
                </div>
              ))}
            </section>
          ))}
          {next !== null && (
            <button type="button" onClick={readMore} disabled={reading} data-testid="ruleset-more">
              {reading ? 'Reading…' : 'Show more snapshots'}
            </button>
          )}
        </>
      )}
    </details>
  );
}
