/**
 * The one list of the UI (nodes, captures, flows): only the rows in view are in the DOM (a million
 * rows scroll as ten), headers sort, the keyboard walks it (arrows, Page, Home/End; Enter opens, Esc
 * closes), and a row copies as text (Ctrl+C: the first copy action; right-click or Shift+F10: all).
 * ARIA grid pattern: the grid holds focus and names the active row with aria-activedescendant.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { isNavigationKey, moveActive, type SortState } from '../view-model/table-model';

export interface GridColumn<T> {
  id: string;
  label: string;
  /** A CSS grid track: `5em`, `minmax(14em, 2fr)`. */
  width: string;
  cell(row: T): ReactNode;
  sortable?: boolean;
  className?: string;
}

export interface CopyAction<T> {
  label: string;
  text(row: T): string;
}

export interface VirtualGridProps<T> {
  label: string;
  testId: string;
  rowTestId: string;
  rows: readonly T[];
  rowKey(row: T): string | number;
  columns: ReadonlyArray<GridColumn<T>>;
  /** Each row's height in pixels: rows are one height, so scrolling needs no measuring. */
  rowHeight: number;
  sort?: SortState | null;
  onSort?(column: string): void;
  selectedKey?: string | number | null;
  onOpen?(row: T): void;
  onClose?(): void;
  copy?: ReadonlyArray<CopyAction<T>>;
  /** The list has more rows than it holds (a server's pages): called as the view nears the end. */
  onNearEnd?(): void;
  /** The rows in view (overscan included) changed: a list that loads pages by position fetches theirs. */
  onRange?(first: number, last: number): void;
  /** All rows, loaded or not (aria-rowcount). */
  totalRows?: number;
  className?: string;
}

interface MenuState {
  index: number;
  x: number;
  y: number;
}

const NEAR_END_ROWS = 30;

export function VirtualGrid<T>(props: VirtualGridProps<T>) {
  const { rows, columns, rowHeight, selectedKey = null, copy = [], onNearEnd, onRange } = props;
  const gridRef = useRef<HTMLDivElement | null>(null);
  const idBase = useId().replace(/:/g, '');
  const [active, setActive] = useState(-1);
  const [menu, setMenu] = useState<MenuState | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const template = columns.map((c) => c.width).join(' ');

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => gridRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    // The sticky header sits above the rows inside the scrolling grid.
    scrollPaddingStart: rowHeight,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length === 0 ? -1 : items[items.length - 1]!.index;
  const firstIndex = items.length === 0 ? -1 : items[0]!.index;

  useEffect(() => {
    if (onRange !== undefined && lastIndex >= 0) onRange(firstIndex, lastIndex);
  }, [firstIndex, lastIndex, onRange]);

  useEffect(() => {
    if (onNearEnd !== undefined && rows.length > 0 && lastIndex >= rows.length - NEAR_END_ROWS) onNearEnd();
  }, [lastIndex, rows.length, onNearEnd]);

  // The URL's selection becomes the keyboard's starting point.
  useEffect(() => {
    if (selectedKey === null) return;
    const index = rows.findIndex((r) => props.rowKey(r) === selectedKey);
    if (index >= 0) setActive(index);
  }, [selectedKey, rows]);

  const activeRow = active >= 0 && active < rows.length ? rows[active]! : null;
  const rowId = (index: number): string => `${idBase}-row-${index}`;

  const writeClipboard = (label: string, text: string): void => {
    navigator.clipboard.writeText(text).then(
      () => setCopied(`Copied ${label.toLowerCase()}: ${text}`),
      (err: unknown) => setCopied(`Could not copy: ${err instanceof Error ? err.message : String(err)}`),
    );
  };

  const openMenuAt = (index: number, x: number, y: number): void => {
    if (copy.length === 0) return;
    setActive(index);
    setMenu({ index, x, y });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (menu !== null) return;
    if (isNavigationKey(e.key)) {
      e.preventDefault();
      const pageRows = Math.max(1, Math.floor((gridRef.current?.clientHeight ?? rowHeight * 10) / rowHeight) - 1);
      const next = moveActive(active, e.key, rows.length, pageRows);
      setActive(next);
      if (next >= 0) virtualizer.scrollToIndex(next, { align: 'auto' });
      return;
    }
    if (e.key === 'Enter' && activeRow !== null && props.onOpen !== undefined) {
      e.preventDefault();
      props.onOpen(activeRow);
      return;
    }
    if (e.key === 'Escape' && props.onClose !== undefined) {
      e.preventDefault();
      props.onClose();
      return;
    }
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'c' && activeRow !== null && copy.length > 0) {
      e.preventDefault();
      writeClipboard(copy[0]!.label, copy[0]!.text(activeRow));
      return;
    }
    if ((e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) && active >= 0) {
      e.preventDefault();
      const box = document.getElementById(rowId(active))?.getBoundingClientRect();
      openMenuAt(active, box?.left ?? 0, box?.bottom ?? 0);
    }
  };

  return (
    <div className={`virtual-grid-wrap ${props.className ?? ''}`}>
      <div
        ref={gridRef}
        className="virtual-grid"
        role="grid"
        aria-label={props.label}
        aria-rowcount={(props.totalRows ?? rows.length) + 1}
        aria-colcount={columns.length}
        aria-activedescendant={activeRow === null ? undefined : rowId(active)}
        tabIndex={0}
        data-testid={props.testId}
        onKeyDown={onKeyDown}
      >
        <div role="rowgroup" className="vg-head">
          <div role="row" aria-rowindex={1} className="vg-row vg-header" style={{ gridTemplateColumns: template }}>
            {columns.map((c) => {
              const sorted = props.sort?.column === c.id ? props.sort.direction : null;
              return (
                <div
                  key={c.id}
                  role="columnheader"
                  className={`vg-cell ${c.className ?? ''}`}
                  aria-sort={c.sortable ? (sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none') : undefined}
                >
                  {c.sortable && props.onSort !== undefined ? (
                    <button type="button" className="vg-sort" tabIndex={-1} onClick={() => props.onSort?.(c.id)} title={`Sort by ${c.label.toLowerCase()}`}>
                      {c.label}
                      <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </div>
              );
            })}
          </div>
        </div>
        <div role="rowgroup" className="vg-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index]!;
            const key = props.rowKey(row);
            const selected = key === selectedKey;
            return (
              <div
                key={key}
                id={rowId(item.index)}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={selected}
                data-testid={props.rowTestId}
                className={`vg-row${selected ? ' selected' : ''}${item.index === active ? ' active' : ''}`}
                style={{ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${item.start}px)` }}
                onClick={() => {
                  setActive(item.index);
                  props.onOpen?.(row);
                }}
                onContextMenu={(e) => {
                  if (copy.length === 0) return;
                  e.preventDefault();
                  openMenuAt(item.index, e.clientX, e.clientY);
                }}
              >
                {columns.map((c) => (
                  <div key={c.id} role="gridcell" className={`vg-cell ${c.className ?? ''}`}>
                    {c.cell(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
      {menu !== null && rows[menu.index] !== undefined && (
        <CopyMenu
          x={menu.x}
          y={menu.y}
          actions={copy.map((a) => ({ label: a.label, text: a.text(rows[menu.index]!) }))}
          onPick={(label, text) => writeClipboard(label, text)}
          onDone={() => {
            setMenu(null);
            gridRef.current?.focus();
          }}
        />
      )}
      <p className="vg-status muted" role="status" aria-live="polite" data-testid={`${props.testId}-status`}>
        {copied}
      </p>
    </div>
  );
}

function CopyMenu({ x, y, actions, onPick, onDone }: { x: number; y: number; actions: Array<{ label: string; text: string }>; onPick(label: string, text: string): void; onDone(): void }) {
  const menuRef = useRef<HTMLDivElement | null>(null);
  const [focus, setFocus] = useState(0);
  useEffect(() => {
    (menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')[focus] ?? null)?.focus();
  }, [focus]);
  useEffect(() => {
    const away = (e: MouseEvent): void => {
      if (!menuRef.current?.contains(e.target as Node)) onDone();
    };
    window.addEventListener('mousedown', away);
    return () => window.removeEventListener('mousedown', away);
  }, [onDone]);
  return (
    <div
      ref={menuRef}
      className="vg-menu"
      role="menu"
      aria-label="Copy as text"
      data-testid="copy-menu"
      style={{ left: x, top: y }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' || e.key === 'Tab') {
          e.preventDefault();
          onDone();
        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          setFocus((f) => (f + (e.key === 'ArrowDown' ? 1 : actions.length - 1)) % actions.length);
        }
      }}
    >
      {actions.map((a) => (
        <button
          key={a.label}
          type="button"
          role="menuitem"
          title={a.text}
          onClick={() => {
            onPick(a.label, a.text);
            onDone();
          }}
        >
          Copy {a.label.toLowerCase()}
        </button>
      ))}
    </div>
  );
}
