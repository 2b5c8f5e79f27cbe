import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { codeSpans } from '../view-model/code-spans';
import type { Api } from '../../shared/contract/api';
import { CHECKS, findingCards, findingsHeadline, findingsMoreNote, shownFinding, withFindingPage, type FindingCard, type FindingsLoaded } from '../view-model/findings-view';
import { SplitPane } from './split-pane';
import { VirtualGrid, type CopyAction, type GridColumn } from './virtual-grid';

const FINDING_COLUMNS: ReadonlyArray<GridColumn<FindingCard>> = [
  { id: 'severity', label: 'Severity', width: '6.5em', cell: (c) => <span className={`badge severity-${c.severity}`}>{c.badge}</span> },
  { id: 'title', label: 'Finding', width: 'minmax(14em, 3fr)', cell: (c) => <span title={c.title}>{c.title}</span> },
  {
    id: 'where', label: 'Where', width: 'minmax(6em, 1fr)', className: 'mono',
    cell: (c) => {
      const where = [...c.nodes.map((n) => n.name), ...(c.service === null ? [] : [c.service])].join(', ');
      return <span title={where}>{where}</span>;
    },
  },
];

const FINDING_COPY: ReadonlyArray<CopyAction<FindingCard>> = [
  { label: 'Finding', text: (c) => [`${c.badge}: ${c.title}`, c.explanation, ...c.evidence.map((e) => `  ${e.source} ${e.text}`), ...(c.replay === null ? [] : [c.replay.command])].join('\n') },
];

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Findings asked for at once: the first page shows at once, the rest on "Show more". */
const PAGE = 100;

/** `revision` changes whenever the project does: the findings are read again from the first page. */
/** `unchecked`: what the checks could not look at for want of captures (uncheckedNote), or null. */
/** `chosen`: the finding the link names (`#/findings/ID`), null for none; `onChoose` puts a choice in the link. */
export function FindingsPanel({ api, revision, empty, scope, unchecked, chosen, onChoose }: { api: Api; revision: unknown; empty: boolean; scope: string; unchecked: string | null; chosen: string | null; onChoose: (id: string) => void }) {
  const [loaded, setLoaded] = useState<FindingsLoaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState<'idle' | 'reading'>('idle');
  // Bumped on every first-page read: a later page asked for before it is not added to the new list.
  const generation = useRef(0);

  useEffect(() => {
    if (empty) return;
    let live = true;
    const asked = ++generation.current;
    setLoaded(null);
    setError(null);
    setMore('idle');
    api.findings({ offset: 0, limit: PAGE }).then(
      (page) => live && asked === generation.current && setLoaded(withFindingPage(null, page)),
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [api, revision, empty]);

  const readMore = (): void => {
    if (loaded === null || loaded.nextOffset === null || more === 'reading') return;
    const asked = generation.current;
    setMore('reading');
    api.findings({ offset: loaded.nextOffset, limit: PAGE }).then(
      (page) => {
        if (asked !== generation.current) return;
        setLoaded((now) => withFindingPage(now, page));
        setMore('idle');
      },
      (err: unknown) => {
        if (asked !== generation.current) return;
        setError(messageOf(err));
        setMore('idle');
      },
    );
  };

  const findings = loaded?.findings ?? null;
  const cards = useMemo(() => (findings === null ? [] : findingCards(findings)), [findings]);
  // The finding shown beside the list: the one the link names, else the first (the most severe).
  const shown = shownFinding(cards, chosen, loaded?.nextOffset ?? null);
  const current = shown.card;
  const moreNote = loaded === null ? null : findingsMoreNote(loaded);
  // A linked finding further down than the pages read so far: read on until it is found or the list ends.
  useEffect(() => {
    if (loaded !== null && shown.kind === 'seek' && more === 'idle') readMore();
  });

  if (empty) return <p className="empty">No findings yet: import captures of your nodes, and natlens checks them for what is wrong or suspicious.</p>;
  if (error !== null) return <p className="banner banner-error" role="alert">{error}</p>;
  if (loaded === null || findings === null) return <p className="muted">Checking the captures, the rules and the flows…</p>;
  if (findings.length === 0) {
    return (
      <div className="empty" data-testid="findings-empty">
        <p>Nothing wrong or suspicious found in {scope}. natlens checked for:</p>
        <ul>
          {CHECKS.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        {unchecked !== null && (
          <p className="banner banner-warn" data-testid="findings-unchecked">
            {unchecked}
          </p>
        )}
      </div>
    );
  }
  return (
    <section className="findings" aria-label="Findings">
      <h2 className="findings-head" data-testid="findings-summary">
        {findingsHeadline(loaded.total, loaded.severities)}
      </h2>
      {unchecked !== null && (
        <p className="findings-more muted" data-testid="findings-unchecked">
          {unchecked}
        </p>
      )}
      {shown.kind === 'missing' && (
        <p className="banner banner-warn" role="status" data-testid="finding-missing">
          The linked finding {shown.id} is not among this project’s findings (any more): the captures changed, or it was fixed. Showing the most severe.
        </p>
      )}
      {moreNote !== null && (
        <p className="findings-more muted" data-testid="findings-more">
          {moreNote}{' '}
          <button type="button" onClick={readMore} disabled={more === 'reading'}>
            {more === 'reading' ? 'Reading…' : 'Show more'}
          </button>
        </p>
      )}
      <SplitPane
        id="findings"
        label="the findings list"
        limits={FINDINGS_SPLIT}
        list={
          <VirtualGrid
            label="Findings"
            testId="findings-table"
            rowTestId="finding-row"
            className="findings-table"
            rows={cards}
            rowKey={(c) => c.key}
            rowHeight={34}
            columns={FINDING_COLUMNS}
            selectedKey={current?.key ?? null}
            onOpen={(c) => onChoose(c.key)}
            copy={FINDING_COPY}
          />
        }
        detail={current === null ? null : <FindingCardView key={current.key} card={current} />}
      />
    </section>
  );
}

/** Titles are long: the list takes a little under half the width. */
const FINDINGS_SPLIT = { initial: 0.45, min: 0.2, max: 0.8 };

function FindingCardView({ card }: { card: FindingCard }) {
  return (
    <article className={`finding finding-${card.severity}`} data-testid="finding" aria-label={card.title}>
      <header className="finding-head">
        <span className={`badge severity-${card.severity}`}>{card.badge}</span>
        <h3>{card.title}</h3>
        <span className="kind">{card.kind}</span>
      </header>
      {(card.nodes.length > 0 || card.service !== null) && (
        <p className="finding-where muted">
          {card.nodes.map((n, i) => (
            <span key={n.name}>
              {i > 0 && ', '}
              <a href={n.href}>{n.name}</a>
            </span>
          ))}
          {card.service !== null && (
            <span className="mono">
              {card.nodes.length > 0 && ' · '}
              {card.service}
            </span>
          )}
        </p>
      )}
      <p className="finding-explanation">
        {codeSpans(card.explanation).map((span, i) => (span.code ? <code key={i}>{span.text}</code> : <Fragment key={i}>{span.text}</Fragment>))}
      </p>
      {card.evidence.length > 0 && (
        <ul className="finding-evidence" data-testid="finding-evidence">
          {card.evidence.map((e) => (
            <li key={e.key} className="mono">
              <a className="evidence-source" href={e.href} title="Show the captures of this file">
                {e.source}
              </a>{' '}
              <span className="evidence-text">{e.text}</span>
            </li>
          ))}
        </ul>
      )}
      {(card.flows.length > 0 || card.replay !== null) && (
        <p className="finding-links">
          {card.flows.length > 0 && (
            <span>
              {card.flows.length === 1 ? 'Flow ' : 'Flows '}
              {card.flows.map((f, i) => (
                <span key={f.id}>
                  {i > 0 && ', '}
                  <a href={f.href} data-testid="finding-flow">
                    #{f.id}
                  </a>
                </span>
              ))}
              {card.moreFlows > 0 && ` and ${card.moreFlows} more`}
            </span>
          )}
          {card.replay !== null && (
            <a href={card.replay.href} className="replay" title={card.replay.command} data-testid="finding-replay">
              Replay
            </a>
          )}
          {card.replay !== null && <code className="muted replay-command">{card.replay.command}</code>}
        </p>
      )}
    </article>
  );
}
