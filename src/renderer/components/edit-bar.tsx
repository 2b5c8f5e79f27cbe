import { useCallback, useReducer } from 'react';
import type { Api, EditJson } from '../../shared/contract/api';
import { NO_EDIT, nextEditBar, undoable, type EditBar } from '../view-model/edit-bar';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a project edit, then refreshes the project; the bar offers Undo for the newest one. */
export type RunEdit = (what: string, call: () => Promise<EditJson>) => void;

export function useProjectEdits(api: Api, refresh: () => void): { bar: EditBar; run: RunEdit; undo: () => void; dismiss: () => void } {
  const [bar, dispatch] = useReducer(nextEditBar, NO_EDIT);
  const run = useCallback<RunEdit>(
    (what, call) => {
      dispatch({ kind: 'start', what });
      call()
        .then((edit) => dispatch({ kind: 'done', edit }))
        .catch((err: unknown) => dispatch({ kind: 'fail', message: messageOf(err) }))
        .finally(refresh);
    },
    [refresh],
  );
  const edit = undoable(bar);
  const undo = useCallback(() => {
    if (edit === null) return;
    dispatch({ kind: 'start', what: 'Undoing' });
    api
      .undoEdit({ undo: edit.undo })
      .then((r) => dispatch({ kind: 'undone', summary: r.summary }))
      .catch((err: unknown) => dispatch({ kind: 'fail', message: messageOf(err) }))
      .finally(refresh);
  }, [api, edit, refresh]);
  const dismiss = useCallback(() => dispatch({ kind: 'dismiss' }), []);
  return { bar, run, undo, dismiss };
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The toast after an edit: what was done (with a merge's notes), Undo, Dismiss. A polite live region: screen readers hear it. */
export function EditBarView({ bar, onUndo, onDismiss }: { bar: EditBar; onUndo: () => void; onDismiss: () => void }) {
  const edit = undoable(bar);
  const body = ((): { text: string; notes: string[]; tone: string } | null => {
    switch (bar.kind) {
      case 'none':
        return null;
      case 'working':
        return { text: `${bar.what}…`, notes: [], tone: '' };
      case 'done':
        return { text: `${capitalised(bar.edit.summary)}.`, notes: bar.edit.notes, tone: '' };
      case 'undone':
        return { text: `${capitalised(bar.summary)}.`, notes: [], tone: '' };
      case 'failed':
        return { text: bar.message, notes: [], tone: ' edit-failed' };
      default: {
        const never: never = bar;
        return never;
      }
    }
  })();
  return (
    <div className="edit-bar-region" role="status" aria-live="polite" data-testid="edit-bar-region">
      {body !== null && (
        <div className={`edit-bar${body.tone}`} data-testid="edit-bar">
          <span data-testid="edit-bar-text">{body.text}</span>
          {body.notes.length > 0 && (
            <ul className="edit-notes" data-testid="edit-notes">
              {body.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          )}
          <span className="edit-bar-actions">
            {edit !== null && bar.kind !== 'working' && (
              <button type="button" className="primary" data-testid="edit-undo" onClick={onUndo} title={`Undo: ${edit.summary}`}>
                Undo
              </button>
            )}
            {bar.kind !== 'working' && (
              <button type="button" className="link" onClick={onDismiss}>
                Dismiss
              </button>
            )}
          </span>
        </div>
      )}
    </div>
  );
}
