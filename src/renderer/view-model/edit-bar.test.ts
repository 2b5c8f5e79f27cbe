import { describe, expect, it } from 'vitest';
import { NO_EDIT, nextEditBar, undoable, type EditBar } from './edit-bar';

const rename = { undo: 'u1', summary: 'renamed node a to b', notes: [] };

describe('edit bar', () => {
  it('offers Undo for the edit just done, and not once it is undone', () => {
    let bar: EditBar = nextEditBar(NO_EDIT, { kind: 'start', what: 'Renaming a' });
    expect(undoable(bar)).toBeNull();
    bar = nextEditBar(bar, { kind: 'done', edit: rename });
    expect(undoable(bar)).toBe(rename);
    bar = nextEditBar(bar, { kind: 'start', what: 'Undoing' });
    bar = nextEditBar(bar, { kind: 'undone', summary: 'undid: renamed node a to b' });
    expect(bar).toEqual({ kind: 'undone', summary: 'undid: renamed node a to b' });
    expect(undoable(bar)).toBeNull();
  });

  it('keeps the last edit undoable when the next one is refused', () => {
    let bar: EditBar = nextEditBar(NO_EDIT, { kind: 'done', edit: rename });
    bar = nextEditBar(bar, { kind: 'start', what: 'Merging' });
    bar = nextEditBar(bar, { kind: 'fail', message: 'no node "x"' });
    expect(bar).toEqual({ kind: 'failed', message: 'no node "x"', edit: rename });
    expect(nextEditBar(bar, { kind: 'dismiss' })).toBe(NO_EDIT);
  });
});
