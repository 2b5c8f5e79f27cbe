/**
 * A list with its detail beside it, the whole width of the window, split by a separator that is
 * dragged with the pointer or moved with the keyboard (WAI-ARIA window splitter: role=separator,
 * arrows, Shift+arrows, Home/End, Enter resets). The split is kept per view (`id`) in localStorage.
 * Without a detail the list takes the whole width.
 */
import { useCallback, useId, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { DEFAULT_LIMITS, readSplit, SPLIT_STORAGE_PREFIX, splitAfterKey, splitAtPointer, splitPercent, type SplitLimits } from '../view-model/split-pane';

function storedSplit(id: string, limits: SplitLimits): number {
  try {
    return readSplit(window.localStorage.getItem(SPLIT_STORAGE_PREFIX + id), limits);
  } catch {
    return limits.initial;
  }
}

function keepSplit(id: string, fraction: number): void {
  try {
    window.localStorage.setItem(SPLIT_STORAGE_PREFIX + id, fraction.toFixed(3));
  } catch {
    // Storage refused: the split holds until the page reloads.
  }
}

export function SplitPane({ id, label, list, detail, limits = DEFAULT_LIMITS }: { id: string; label: string; list: ReactNode; detail: ReactNode | null; limits?: SplitLimits }) {
  const [fraction, setFraction] = useState(() => storedSplit(id, limits));
  const container = useRef<HTMLDivElement | null>(null);
  const dragging = useRef(false);
  const listId = useId();

  const apply = useCallback(
    (next: number) => {
      setFraction(next);
      keepSplit(id, next);
    },
    [id],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const next = splitAfterKey(fraction, e.key, e.shiftKey, limits);
    if (next === null) return;
    e.preventDefault();
    apply(next);
  };
  const follow = (e: PointerEvent<HTMLDivElement>): number => {
    const box = container.current?.getBoundingClientRect();
    return box === undefined ? fraction : splitAtPointer(fraction, e.clientX, box.left, box.width, limits);
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.focus();
    dragging.current = true;
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>): void => {
    if (dragging.current) setFraction(follow(e));
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>): void => {
    if (!dragging.current) return;
    dragging.current = false;
    e.currentTarget.releasePointerCapture(e.pointerId);
    apply(follow(e));
  };

  if (detail === null) {
    return (
      <div className="split split-single" data-testid={`${id}-split`}>
        <div className="split-list">{list}</div>
      </div>
    );
  }
  const percent = splitPercent(fraction);
  return (
    <div ref={container} className="split" data-testid={`${id}-split`} style={{ gridTemplateColumns: `minmax(0, ${fraction}fr) 8px minmax(0, ${1 - fraction}fr)` }}>
      <div className="split-list" id={listId}>
        {list}
      </div>
      <div
        role="separator"
        tabIndex={0}
        className="split-handle"
        aria-orientation="vertical"
        aria-label={`Resize ${label}`}
        aria-controls={listId}
        aria-valuemin={splitPercent(limits.min)}
        aria-valuemax={splitPercent(limits.max)}
        aria-valuenow={percent}
        aria-valuetext={`${label}: ${percent}% of the width`}
        title="Drag, or focus and use the arrow keys, to resize (Enter resets)"
        data-testid={`${id}-splitter`}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      />
      <div className="split-detail">{detail}</div>
    </div>
  );
}
