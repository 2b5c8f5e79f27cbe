import { useRef, useState, type DragEvent } from 'react';
import type { ImportOptions } from '../../shared/contract/api';
import { progressBar, type ImportJob } from '../view-model/import-job';
import { summarizeImport } from '../view-model/import-summary';

interface Props {
  shell: 'desktop' | 'web';
  job: ImportJob;
  disabled: boolean;
  onFiles: (files: File[], options: ImportOptions) => void;
  onChoose: (options: ImportOptions) => void;
  /** Cancels the running import: nothing of the file it is reading is stored. */
  onCancel: () => void;
  onDismiss: () => void;
}

export function ImportPanel({ shell, job, disabled, onFiles, onChoose, onCancel, onDismiss }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [node, setNode] = useState('');
  const running = job.kind === 'running';
  const options: ImportOptions = node.trim() === '' ? {} : { node: node.trim() };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = [...e.dataTransfer.files];
    if (!running && !disabled && files.length > 0) onFiles(files, options);
  };
  const pick = () => {
    // The desktop picks through the native dialog (main sees the paths); the browser through <input type=file>.
    if (shell === 'desktop') onChoose(options);
    else input.current?.click();
  };

  return (
    <section className="import-panel" aria-label="Import captures">
      <div
        className={`dropzone${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <div className="dropzone-text">
          <strong>Drop captures here</strong>
          <span className="muted">iptables-save, ip addr, ip route, conntrack, tcpdump, pcap/pcapng, kubectl, a whole terminal transcript, or a .tar.gz/.zip of them (a natlens collect tarball is one node)</span>
        </div>
        <label className="node-override">
          <span>Node</span>
          <input type="text" value={node} placeholder="auto" title="Leave empty: the shell prompt, folder or file name names the node" onChange={(e) => setNode(e.target.value)} disabled={running} />
        </label>
        <button type="button" className="primary" onClick={pick} disabled={running || disabled}>
          Import files…
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length > 0) onFiles(files, options);
          }}
        />
      </div>
      <ImportStatus shell={shell} job={job} onCancel={onCancel} onDismiss={onDismiss} />
    </section>
  );
}

function ImportStatus({ shell, job, onCancel, onDismiss }: { shell: 'desktop' | 'web'; job: ImportJob; onCancel: () => void; onDismiss: () => void }) {
  switch (job.kind) {
    case 'idle':
    case 'cancelled':
      return null;
    case 'running': {
      const bar = progressBar(job, shell);
      return (
        <div className="import-status" data-testid="import-progress">
          {bar?.fraction === null || bar === null ? <progress /> : <progress value={bar.fraction} max={1} />}
          <span className="muted">{bar?.label}</span>
          <button type="button" className="link" data-testid="import-cancel" onClick={onCancel}>
            Cancel
          </button>
        </div>
      );
    }
    case 'failed':
      return (
        <div className="import-status import-failed" role="alert">
          <span>Import failed: {job.message}</span>
          <button type="button" className="link" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      );
    case 'done': {
      const summary = summarizeImport(job.result);
      return (
        <div className={`import-status import-result${summary.ok ? '' : ' has-errors'}`} data-testid="import-result">
          <div className="import-headline">
            <strong>{summary.headline}</strong>
            <button type="button" className="link" onClick={onDismiss}>
              Dismiss
            </button>
          </div>
          {summary.errors.length > 0 && (
            <ul className="problems errors">
              {summary.errors.map((e, i) => (
                <li key={i}>{e}</li>
              ))}
            </ul>
          )}
          {summary.warnings.length > 0 && (
            <ul className="problems warnings">
              {summary.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          )}
          {summary.byNode.length > 0 && (
            <ul className="imported">
              {summary.byNode.map((n) => (
                <li key={n.node}>
                  <span className="node">{n.node}</span> <span className="muted">{n.kinds}</span>
                </li>
              ))}
            </ul>
          )}
          {summary.files.length > 0 && (
            <details className="imported-details" data-testid="import-files" open={summary.files.some((f) => !f.complete)}>
              <summary>What was read, file by file</summary>
              <ul className="imported">
                {summary.files.map((f) => (
                  <li key={f.file} className={f.complete ? undefined : 'incomplete'}>
                    <span className="node">{f.file}</span> <span className="muted">{f.counts}</span>
                    {f.kept.length > 0 && (
                      <ul className="kept-blocks">
                        {f.kept.map((k, i) => (
                          <li key={i} className="muted">
                            {k}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {summary.captures.length > 0 && (
            <details className="imported-details">
              <summary>All {summary.captures.length} captures</summary>
              <ul className="imported">
                {summary.captures.map((c, i) => (
                  <li key={i}>
                    <span className="kind">{c.kind}</span> <span className="node">{c.node}</span>{' '}
                    <span className="muted">
                      {c.source} · {c.records === 1 ? '1 record' : `${c.records} records`}
                    </span>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      );
    }
    default: {
      const never: never = job;
      return never;
    }
  }
}
