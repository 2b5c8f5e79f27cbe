import { useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Api, CaptureRow } from '../../shared/contract/api';
import type { RunEdit } from './edit-bar';

type NodeMode = 'idle' | 'rename' | 'merge';

/** Rename, merge into another node, delete: every one undoable from the edit bar, so none asks "are you sure". */
export function NodeEditControls({ api, node, others, onEdit }: { api: Api; node: string; others: readonly string[]; onEdit: RunEdit }) {
  const [mode, setMode] = useState<NodeMode>('idle');
  const [name, setName] = useState(node);
  const [into, setInto] = useState(others[0] ?? '');
  const rename = (e: FormEvent) => {
    e.preventDefault();
    const to = name.trim();
    if (to === '' || to === node) return setMode('idle');
    setMode('idle');
    onEdit(`Renaming ${node}`, () => api.renameNode({ node, to }));
  };
  const merge = (e: FormEvent) => {
    e.preventDefault();
    if (into === '') return;
    setMode('idle');
    onEdit(`Merging ${node} into ${into}`, () => api.mergeNodes({ node, into }));
  };
  switch (mode) {
    case 'rename':
      return (
        <form className="node-edit" onSubmit={rename} data-testid="node-rename-form">
          <label>
            <span className="visually-hidden">New name of node {node}</span>
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} autoFocus data-testid="node-rename-input" maxLength={253} />
          </label>
          <button type="submit" className="primary">
            Rename
          </button>
          <button type="button" className="link" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </form>
      );
    case 'merge':
      return (
        <form className="node-edit" onSubmit={merge} data-testid="node-merge-form">
          <label>
            <span>Merge {node} into</span>{' '}
            <select value={into} onChange={(e) => setInto(e.target.value)} data-testid="node-merge-target">
              {others.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={into === ''}>
            Merge
          </button>
          <button type="button" className="link" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </form>
      );
    case 'idle':
      return (
        <span className="node-edit" role="group" aria-label={`Change node ${node}`}>
          <button type="button" className="link" data-testid="node-rename" onClick={() => (setName(node), setMode('rename'))}>
            Rename
          </button>
          {others.length > 0 && (
            <button type="button" className="link" data-testid="node-merge" onClick={() => (setInto(others[0] ?? ''), setMode('merge'))}>
              Merge…
            </button>
          )}
          <button type="button" className="link danger" data-testid="node-delete" onClick={() => onEdit(`Deleting ${node}`, () => api.deleteNode({ node }))}>
            Delete
          </button>
        </span>
      );
    default: {
      const never: never = mode;
      return never;
    }
  }
}

type CaptureMode = 'idle' | 'rename' | 'move';

/**
 * A capture row's Rename, Move to (another node) and Delete; clicks and keys stay here instead of opening the row.
 * The node list of Move to is made only when asked for: 200 nodes in every visible row is thousands of options.
 */
export function CaptureEditControls({ api, capture, nodes, onEdit }: { api: Api; capture: CaptureRow; nodes: readonly string[]; onEdit: RunEdit }) {
  const [mode, setMode] = useState<CaptureMode>('idle');
  const [name, setName] = useState('');
  const id = typeof capture.id === 'number' ? capture.id : null;
  if (id === null) return null;
  const label = capture.label ?? '';
  const rename = (e: FormEvent) => {
    e.preventDefault();
    setMode('idle');
    // An empty name takes the name away; the capture goes by its source again.
    if (name.trim() !== label) onEdit(`Renaming capture ${id}`, () => api.renameCapture({ captureId: id, to: name.trim() }));
  };
  const stop = { onClick: (e: { stopPropagation(): void }) => e.stopPropagation(), onKeyDown: (e: { stopPropagation(): void }) => e.stopPropagation() };
  const escape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') setMode('idle');
  };
  switch (mode) {
    case 'rename':
      return (
        <form className="capture-edit" onSubmit={rename} data-testid="capture-rename-form" {...stop}>
          <label>
            <span className="visually-hidden">Name of capture {id} ({capture.source}); empty for none</span>
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} onKeyDown={escape} autoFocus maxLength={253} placeholder={capture.source} data-testid="capture-rename-input" />
          </label>
          <button type="submit" className="primary">
            Rename
          </button>
        </form>
      );
    case 'move':
      return (
        <div className="capture-edit" {...stop}>
          <select
            aria-label={`Move capture ${id} (${capture.source}) to node`}
            data-testid="capture-move"
            value=""
            autoFocus
            onKeyDown={escape}
            onBlur={() => setMode('idle')}
            onChange={(e) => {
              const node = e.target.value;
              if (node === '') return;
              setMode('idle');
              onEdit(`Moving capture ${id} to ${node}`, () => api.moveCapture({ captureId: id, node }));
            }}
          >
            <option value="">Move to…</option>
            {nodes
              .filter((n) => n !== capture.node)
              .map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
          </select>
        </div>
      );
    case 'idle':
      return (
        <div className="capture-edit" {...stop}>
          <button type="button" className="link" data-testid="capture-rename" aria-label={`Rename capture ${id} (${capture.source})`} onClick={() => (setName(label), setMode('rename'))}>
            Rename
          </button>
          {nodes.some((n) => n !== capture.node) && (
            <button type="button" className="link" data-testid="capture-move-open" aria-label={`Move capture ${id} (${capture.source}) to another node`} onClick={() => setMode('move')}>
              Move…
            </button>
          )}
          <button type="button" className="link danger" data-testid="capture-delete" aria-label={`Delete capture ${id} (${capture.source})`} onClick={() => onEdit(`Deleting capture ${id}`, () => api.deleteCapture({ captureId: id }))}>
            Delete
          </button>
        </div>
      );
    default: {
      const never: never = mode;
      return never;
    }
  }
}
