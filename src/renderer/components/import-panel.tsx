import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { fileOfItem, isFolderItem, type Api, type ImportItem, type ImportOptions } from '../../shared/contract/api';
import { progressBar, type ImportJob } from '../view-model/import-job';
import { droppedEntry, folderInputItems, planImport, walkDropped, type DroppedEntry, type DroppedFiles } from '../view-model/import-plan';
import { summarizeImport } from '../view-model/import-summary';

interface Props {
  api: Api;
  job: ImportJob;
  disabled: boolean;
  onFiles: (items: ImportItem[], options: ImportOptions) => void;
  /** Cancels the running import: nothing of the file it is reading is stored. */
  onCancel: () => void;
  onDismiss: () => void;
}

/** Several loose files waiting for the name of the node they go to. */
interface Pending {
  items: ImportItem[];
  name: string;
}

/** What a drop holds: the browser walks dropped folders itself; the desktop sends a folder's path and main walks it. */
async function droppedItems(e: DragEvent, shell: 'desktop' | 'web'): Promise<DroppedFiles> {
  if (shell === 'desktop') {
    // A dropped folder is a File whose path is the folder's: marked as a folder so it is not asked a node name.
    const items = [...e.dataTransfer.items].filter((i) => i.kind === 'file');
    const files = [...e.dataTransfer.files];
    return { items: files.map((file, i) => (items[i]?.webkitGetAsEntry()?.isDirectory === true ? { file, folderPath: file.name } : file)), skipped: [] };
  }
  // Entries are read now: the DataTransfer is emptied once the event returns.
  const entries: DroppedEntry[] = [];
  const loose: File[] = [];
  for (const item of [...e.dataTransfer.items]) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    if (entry !== null) entries.push(droppedEntry(entry));
    else {
      const file = item.getAsFile();
      if (file !== null) loose.push(file);
    }
  }
  const walked = await walkDropped(entries);
  return { items: [...walked.items, ...loose], skipped: walked.skipped };
}

export function ImportPanel({ api, job, disabled, onFiles, onCancel, onDismiss }: Props) {
  const shell = api.shell;
  const input = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement | null>(null);
  const [over, setOver] = useState(false);
  const [node, setNode] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const [skipped, setSkipped] = useState<string[]>([]);
  const running = job.kind === 'running';
  const options: ImportOptions = node.trim() === '' ? {} : { node: node.trim() };

  const take = (dropped: DroppedFiles) => {
    setSkipped(dropped.skipped);
    if (dropped.items.length === 0) return;
    const loose = dropped.items.filter((i) => !isFolderItem(i)).map(fileOfItem);
    const plan = planImport(dropped.items, options, loose.length === dropped.items.length ? api.commonFolderOf(loose) : null);
    switch (plan.kind) {
      case 'import':
        setPending(null);
        return onFiles(plan.items, plan.options);
      case 'name-node':
        return setPending({ items: plan.items, name: plan.suggested });
      default: {
        const never: never = plan;
        return never;
      }
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (running || disabled) return;
    void droppedItems(e, shell).then(take);
  };
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    if (pending === null || pending.name.trim() === '') return;
    setPending(null);
    onFiles(pending.items, { folderNode: pending.name.trim() });
  };
  const folderRef = (el: HTMLInputElement | null) => {
    // Not in React's attribute list: set by hand (Chromium and Electron honour it).
    el?.setAttribute('webkitdirectory', '');
    folderInput.current = el;
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
          <strong>Drop captures or folders here</strong>
          <span className="muted">iptables-save, nft list ruleset, ip addr, ip route, conntrack, tcpdump, pcap/pcapng, kubectl, sysctl, kernel TRACE/LOG lines, curl/ping outputs, a whole terminal transcript, or a .tar.gz/.zip of them (a natlens collect tarball is one node). A folder: one node per sub-folder (a nodes/, captures/ or dated sub-folder holding only folders groups them: one node per folder in it); files picked together: one node.</span>
        </div>
        <label className="node-override">
          <span>Node</span>
          <input type="text" value={node} placeholder="auto" title="Leave empty: the shell prompt, folder or file name names the node" onChange={(e) => setNode(e.target.value)} disabled={running} />
        </label>
        <button type="button" className="primary" onClick={() => input.current?.click()} disabled={running || disabled}>
          Import files…
        </button>
        <button type="button" onClick={() => folderInput.current?.click()} disabled={running || disabled}>
          Import folder…
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
            take({ items: files, skipped: [] });
          }}
        />
        <input
          ref={folderRef}
          type="file"
          multiple
          hidden
          data-testid="folder-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            take(folderInputItems(files));
          }}
        />
      </div>
      {pending !== null && (
        <form
          className="import-status import-name"
          data-testid="import-name"
          onSubmit={confirm}
          onKeyDown={(e) => {
            // Escape backs out as Cancel does: nothing is imported.
            if (e.key === 'Escape') {
              e.preventDefault();
              setPending(null);
            }
          }}
          aria-label="Name the node of the picked files"
        >
          <label>
            <span>
              {pending.items.length} files go to one node:{' '}
            </span>
            <input type="text" value={pending.name} placeholder="node name" required maxLength={253} data-testid="import-node-name" onChange={(e) => setPending({ ...pending, name: e.target.value })} autoFocus />
          </label>
          <button type="submit" className="primary" disabled={pending.name.trim() === ''} data-testid="import-name-confirm">
            Import
          </button>
          <button type="button" className="link" data-testid="import-name-each" onClick={() => (setPending(null), onFiles(pending.items, {}))} title="Each file is named by its shell prompt or its file name">
            Name each by its file
          </button>
          <button type="button" className="link" onClick={() => setPending(null)}>
            Cancel
          </button>
          <span className="muted">
            {pending.items.map((i) => fileOfItem(i).name).join(', ')}. A terminal session whose shell prompt names its host stays on that host.
          </span>
        </form>
      )}
      {skipped.length > 0 && (
        <p className="import-status muted" data-testid="import-skipped">
          Left out {skipped.length === 1 ? 'a hidden entry' : `${skipped.length} hidden entries`} (as natlens import does): {skipped.slice(0, 5).join(', ')}
          {skipped.length > 5 ? `, and ${skipped.length - 5} more` : ''}
        </p>
      )}
      <ImportStatus shell={shell} job={job} onCancel={onCancel} onDismiss={onDismiss} />
    </section>
  );
}

function ImportStatus({ shell, job, onCancel, onDismiss }: { shell: 'desktop' | 'web'; job: ImportJob; onCancel: () => void; onDismiss: () => void }) {
  switch (job.kind) {
    case 'idle':
      return null;
    case 'cancelled':
      return (
        <div className="import-status import-cancelled" role="status" data-testid="import-cancelled">
          <span>Import cancelled{job.message === undefined ? '.' : `: ${job.message}`}</span>
          <button type="button" className="link" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      );
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
                    <span className="node">{f.file}</span> {f.nodes !== '' && <span className="kind">→ {f.nodes}</span>} <span className="muted">{f.counts}</span>
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
