import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Api } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';
import type { TraceResultJson } from '../../shared/contract/trace-json';
import type { TraceRequestJson } from '../../shared/contract/trace-request';
import {
  arrivalChoices, buildTraceRequest, describeRequest, initialTraceForm, isTraceProto, LOCAL_ARRIVAL, OTHER_ARRIVAL, PROTO_CHOICES, reconcileTraceForm,
  snapshotChoices, withNode, type TraceField, type TraceForm,
} from '../view-model/trace-form';
import { outcomeCards, outcomesHeadline } from '../view-model/trace-outcome';
import { formatRoute, type TraceQuery } from '../view-model/route';
import { traceFormOf, traceLinkKey, traceQueryKey, traceQueryOf } from '../view-model/trace-route';
import { OutcomeCardView } from './outcome-card';
import { AddToReport } from './add-to-report';
import { CopyButton } from './copy-button';
import { traceCommand } from '../view-model/copy-text';

type Run =
  | { kind: 'idle' }
  | { kind: 'running'; request: TraceRequestJson }
  | { kind: 'done'; request: TraceRequestJson; result: TraceResultJson }
  | { kind: 'failed'; request: TraceRequestJson; message: string };

function FieldError({ errors, field }: { errors: Partial<Record<TraceField, string>>; field: TraceField }) {
  const message = errors[field];
  return message === undefined ? null : (
    <span className="field-error" role="alert">
      {message}
    </span>
  );
}

/**
 * `query`: the trace the URL names (a link, back/forward): it fills the form and runs once per
 * distinct query. A submitted form reports its query through `onTraced`, so the URL follows.
 */
export function TracePanel({ api, nodes, query, onTraced }: { api: Api; nodes: NodeJson[]; query: TraceQuery | null; onTraced: (query: TraceQuery) => void }) {
  const [form, setForm] = useState<TraceForm>(() => initialTraceForm(nodes));
  const [errors, setErrors] = useState<Partial<Record<TraceField, string>>>({});
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const shownQuery = useRef<string | null>(null);
  const latest = useRef(0);

  useEffect(() => setForm((f) => reconcileTraceForm(f, nodes)), [nodes]);

  const start = (request: TraceRequestJson) => {
    const ticket = ++latest.current;
    setRun({ kind: 'running', request });
    api.trace(request).then(
      (result) => ticket === latest.current && setRun({ kind: 'done', request, result }),
      (err: unknown) => ticket === latest.current && setRun({ kind: 'failed', request, message: err instanceof Error ? err.message : String(err) }),
    );
  };

  useEffect(() => {
    if (query === null) return;
    const key = traceLinkKey(query, nodes);
    if (shownQuery.current === key) return;
    shownQuery.current = key;
    const linked = traceFormOf(query, nodes);
    setForm(linked);
    const check = buildTraceRequest(linked, nodes);
    if (!check.ok) {
      latest.current++;
      setErrors(check.errors);
      setRun({ kind: 'idle' });
      return;
    }
    setErrors({});
    start(check.request);
    // `start` is recreated each render; the query alone decides whether this runs.
  }, [query, nodes]);

  const node = nodes.find((n) => n.name === form.node);
  const arrivals = useMemo(() => arrivalChoices(node), [node]);
  const snapshots = useMemo(() => snapshotChoices(node), [node]);
  const edit = (patch: Partial<TraceForm>) => setForm((f) => ({ ...f, ...patch }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const check = buildTraceRequest(form, nodes);
    if (!check.ok) {
      setErrors(check.errors);
      return;
    }
    setErrors({});
    const submitted = traceQueryOf(check.request);
    shownQuery.current = traceQueryKey(submitted);
    start(check.request);
    onTraced(submitted);
  };

  if (nodes.length === 0) {
    return (
      <p className="empty">
        Import a node’s iptables, <code>ip addr</code> and <code>ip route</code> captures to replay packets through them.
      </p>
    );
  }

  return (
    <div className="trace">
      <form className="trace-form" onSubmit={submit} noValidate aria-label="Trace a packet">
        <label className="field">
          <span>Node</span>
          <select value={form.node} title={form.node} onChange={(e) => setForm((f) => withNode(f, nodes, e.target.value))} data-testid="trace-node">
            {nodes.map((n) => (
              <option key={n.name} value={n.name}>
                {n.name}
              </option>
            ))}
          </select>
          <FieldError errors={errors} field="node" />
        </label>
        <label className="field narrow">
          <span>Protocol</span>
          <select value={form.proto} onChange={(e) => isTraceProto(e.target.value) && edit({ proto: e.target.value })} data-testid="trace-proto">
            {PROTO_CHOICES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Source IP[:port]{form.arrival === LOCAL_ARRIVAL ? ' (optional)' : ''}</span>
          <input type="text" className="mono" value={form.src} placeholder={form.arrival === LOCAL_ARRIVAL ? 'chosen as the kernel does' : '10.40.1.3:40001'} spellCheck={false} onChange={(e) => edit({ src: e.target.value })} data-testid="trace-src" />
          <FieldError errors={errors} field="src" />
        </label>
        <label className="field">
          <span>Destination IP[:port]</span>
          <input type="text" className="mono" value={form.dst} placeholder="10.96.0.10:80" spellCheck={false} onChange={(e) => edit({ dst: e.target.value })} data-testid="trace-dst" />
          <FieldError errors={errors} field="dst" />
        </label>
        <label className="field">
          <span>Arrives on</span>
          <select value={form.arrival} title={arrivals.find((c) => c.value === form.arrival)?.label} onChange={(e) => edit({ arrival: e.target.value })} data-testid="trace-in">
            {arrivals.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
          {form.arrival === OTHER_ARRIVAL && (
            <input type="text" className="mono" value={form.otherArrival} placeholder="eth0" spellCheck={false} aria-label="Interface the packet arrives on"
              onChange={(e) => edit({ otherArrival: e.target.value })} data-testid="trace-in-other" />
          )}
          <FieldError errors={errors} field="arrival" />
        </label>
        <label className="field">
          <span>Ruleset</span>
          <select value={form.snapshot} title={snapshots.find((c) => c.value === form.snapshot)?.label} onChange={(e) => edit({ snapshot: e.target.value })} data-testid="trace-snapshot">
            {snapshots.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
          <FieldError errors={errors} field="snapshot" />
        </label>
        <div className="form-actions">
          <label className="check">
            <input type="checkbox" checked={form.follow} onChange={(e) => edit({ follow: e.target.checked })} data-testid="trace-follow" /> Follow onto the next node
          </label>
          <label className="check" title="net.bridge.bridge-nf-call-iptables: captures do not show it. Checked, it is assumed on (as kube-proxy requires) and the result says so; unchecked, bridged frames skip iptables.">
            <input type="checkbox" checked={form.bridgeNetfilter} onChange={(e) => edit({ bridgeNetfilter: e.target.checked })} data-testid="trace-bridge-nf" /> br_netfilter (bridged frames cross iptables)
          </label>
          <button type="submit" className="primary" disabled={run.kind === 'running'} data-testid="trace-run">
            {run.kind === 'running' ? 'Tracing…' : 'Trace'}
          </button>
        </div>
      </form>
      <TraceResult run={run} />
    </div>
  );
}

function TraceResult({ run }: { run: Run }) {
  const cards = useMemo(() => (run.kind === 'done' ? outcomeCards(run.result) : []), [run]);
  switch (run.kind) {
    case 'idle':
      return <p className="muted trace-hint">Replays one packet through the node’s captured netfilter rules and routes, as the kernel would. Each branch (for example a Service’s endpoints) is its own outcome.</p>;
    case 'running':
      return <p className="muted trace-hint">Tracing {describeRequest(run.request)}…</p>;
    case 'failed':
      return (
        <p className="banner banner-error" role="alert" data-testid="trace-error">
          {describeRequest(run.request)}: {run.message}
        </p>
      );
    case 'done':
      return (
        <section className="trace-result" data-testid="trace-result" aria-label="Trace outcomes">
          <header className="trace-result-head">
            <h2>{outcomesHeadline(cards)}</h2>
            <span className="muted mono">{describeRequest(run.request)}</span>
            <AddToReport request={run.request} />
            <a href={formatRoute({ tab: 'topology', highlight: { kind: 'trace', trace: traceQueryOf(run.request) } })} data-testid="trace-on-topology">
              Path on topology
            </a>
            <CopyButton label="Copy as command" text={traceCommand(traceQueryOf(run.request))} testId="copy-trace-command" />
          </header>
          {cards.length === 0 ? (
            <p className="empty">The replay produced no outcome.</p>
          ) : (
            cards.map((card) => <OutcomeCardView key={card.key} card={card} showSteps={cards.length === 1} />)
          )}
        </section>
      );
    default: {
      const never: never = run;
      return never;
    }
  }
}
