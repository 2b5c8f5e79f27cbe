/** The bar that follows a project edit (rename, merge, delete, move): what was done, its notes, and Undo — as a pure reducer. */
import type { EditJson } from '../../shared/contract/api';

export type EditBar =
  | { kind: 'none' }
  /** `edit`: the newest edit before this one, still undoable if this one is refused. */
  | { kind: 'working'; what: string; edit: EditJson | null }
  /** The newest edit: the only one Undo can take back. */
  | { kind: 'done'; edit: EditJson }
  | { kind: 'undone'; summary: string }
  | { kind: 'failed'; message: string; /** Still undoable after a failed undo or a refused edit. */ edit: EditJson | null };

export type EditBarEvent =
  | { kind: 'start'; what: string }
  | { kind: 'done'; edit: EditJson }
  | { kind: 'undone'; summary: string }
  | { kind: 'fail'; message: string }
  | { kind: 'dismiss' };

export const NO_EDIT: EditBar = { kind: 'none' };

/** The edit Undo would take back, if any. */
export function undoable(bar: EditBar): EditJson | null {
  switch (bar.kind) {
    case 'done':
    case 'failed':
    case 'working':
      return bar.edit;
    case 'none':
    case 'undone':
      return null;
    default: {
      const never: never = bar;
      return never;
    }
  }
}

export function nextEditBar(bar: EditBar, event: EditBarEvent): EditBar {
  const previous = undoable(bar);
  switch (event.kind) {
    case 'start':
      return { kind: 'working', what: event.what, edit: previous };
    case 'done':
      return { kind: 'done', edit: event.edit };
    case 'undone':
      return { kind: 'undone', summary: event.summary };
    case 'fail':
      return { kind: 'failed', message: event.message, edit: previous };
    case 'dismiss':
      return NO_EDIT;
    default: {
      const never: never = event;
      return never;
    }
  }
}
