import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Api } from '../../shared/contract/api';
import type { ReportFileJson, ReportFormat } from '../../shared/contract/report-file-json';
import { REPORT_BUTTONS, reportBlob, reportSummaryLine } from '../view-model/report-download';
import { reportTraces, type ReportTraceItem } from '../view-model/report-traces';
import { previewKey, previewWhileBuilding, type Preview } from '../view-model/report-preview';
import { RevisionCache } from '../view-model/revision-cache';
import { describeRequest } from '../view-model/trace-form';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Long enough for the browser (or Electron's save dialog) to take the bytes; FileSaver.js waits as long.
const REVOKE_AFTER_MS = 40_000;

/** Saves the bytes through the browser's download: works in web mode and in the sandboxed Electron page alike. */
function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/** HTML previews by project revision and traces: a switch back to the tab shows the last one without building it again. */
const previews = new RevisionCache<ReportFileJson>();
const keyOf = (project: string | null, traces: readonly ReportTraceItem[]): string => previewKey(project, traces.map((t) => t.key));

/**
 * `revision` changes whenever the project does (after an import or an edit): the preview is built again, and the
 * last one of the same `project` (its file) stays on screen, marked as being updated, until it arrives.
 * `exportRequest` grows with each File › Export Report… (desktop): the focus moves to the first export button.
 */
export function ReportsPanel({ api, revision, project, empty, exportRequest = 0 }: { api: Api; revision: unknown; project: string | null; empty: boolean; exportRequest?: number }) {
  const actions = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (exportRequest > 0) actions.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
  }, [exportRequest]);
  const [preview, setPreview] = useState<Preview | null>(() => {
    const key = keyOf(project, reportTraces.snapshot());
    const cached = previews.peek(revision, key);
    if (cached !== undefined) return { file: cached, key, current: true };
    const last = previews.latest();
    return previewWhileBuilding(last === undefined ? undefined : { key: last.key, file: last.value }, project);
  });
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [busy, setBusy] = useState<ReportFormat | null>(null);
  const [error, setError] = useState<string | null>(null);
  const traces = useSyncExternalStore(reportTraces.subscribe, reportTraces.snapshot);

  useEffect(() => {
    if (empty) return;
    let live = true;
    const key = keyOf(project, traces);
    const cached = previews.peek(revision, key);
    if (cached !== undefined) {
      setPreview({ file: cached, key, current: true });
      return undefined;
    }
    setPreview((shown) => previewWhileBuilding(shown, project));
    previews
      .load(revision, key, () => api.report({ format: 'html', traces: traces.map((t) => t.request) }))
      .then((file) => {
        if (!live) return;
        setPreview({ file, key, current: true });
        setPreviewError(null);
      })
      .catch((err: unknown) => live && setPreviewError(messageOf(err)));
    return () => {
      live = false;
    };
  }, [api, revision, project, empty, traces]);

  const download = useCallback(
    (format: ReportFormat) => {
      setBusy(format);
      setError(null);
      const request = { format, traces: traces.map((t) => t.request) };
      // Web mode streams the file (GET /api/report); the desktop saves the operation's answer, which also refreshes the preview.
      const saved = api.downloadReport !== undefined
        ? api.downloadReport(request).then((d) => saveBlob(d.blob, d.fileName))
        : api.report(request).then((file) => {
          saveBlob(reportBlob(file), file.fileName);
          if (format !== 'html') return;
          const key = keyOf(project, traces);
          previews.set(revision, key, file);
          setPreview({ file, key, current: true });
        });
      saved
        .catch((err: unknown) => setError(messageOf(err)))
        .finally(() => setBusy(null));
    },
    [api, revision, project, traces],
  );

  return (
    <div className="reports">
      <p className="reports-intro">
        A report of the whole project for colleagues: the findings first, each with the capture lines that show it, the
        replay that explains it and what would fix it; the Kubernetes services with the kube-proxy rules behind them; the
        NAT flows with their hop timelines (the first 200); every node; the captures and how each was known; and the
        traces you added.
        The same report as <code>natlens report</code>; HTML is one self-contained page with no scripts.
      </p>
      <div className="toolbar reports-actions" ref={actions}>
        {REPORT_BUTTONS.map((b) => (
          <button key={b.format} type="button" title={b.title} disabled={empty || busy !== null} onClick={() => download(b.format)} data-testid={`report-${b.format}`}>
            {busy === b.format ? `${b.label}…` : b.label}
          </button>
        ))}
        {preview !== null && (
          <span className="summary" data-testid="report-summary">
            {reportSummaryLine(preview.file.summary)}
          </span>
        )}
        {preview !== null && !preview.current && !empty && previewError === null && (
          <span className="muted" role="status" data-testid="report-updating">
            Updating the preview…
          </span>
        )}
      </div>
      <section className="report-traces" aria-label="Traces in the report" data-testid="report-traces">
        {traces.length === 0 ? (
          <p className="muted">No traces added: run one on the Trace tab and choose “Add to report” to replay it in the report.</p>
        ) : (
          <>
            <p className="muted" data-testid="report-traces-head">
              {traces.length === 1 ? 'This trace is replayed in the report:' : `These ${traces.length} traces are replayed in the report:`}
            </p>
            <ul>
              {traces.map((t) => (
                <li key={t.key}>
                  <span className="mono">{describeRequest(t.request)}</span>{' '}
                  <button type="button" onClick={() => reportTraces.remove(t.key)} aria-label={`Remove ${describeRequest(t.request)} from the report`}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      {error !== null && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {empty ? (
        <p className="empty">Nothing to report yet. Import captures of your nodes above.</p>
      ) : previewError !== null ? (
        <p className="banner banner-error" role="alert">
          {previewError}
        </p>
      ) : preview === null ? (
        <p className="muted">Building the report…</p>
      ) : (
        // An empty sandbox: the report runs no script and reaches nothing, whatever it holds.
        <iframe className="report-preview" title="Report preview" sandbox="" srcDoc={preview.file.content} data-testid="report-preview" />
      )}
    </div>
  );
}
