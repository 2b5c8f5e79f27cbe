/**
 * The ARIA tab pattern: one tab in the Tab order (the current one), arrows and Home/End move between
 * tabs and open them, and each tab names the one panel it controls.
 */
import { useRef, type KeyboardEvent } from 'react';
import type { Tab, TabId } from '../view-model/tabs';

export const TAB_PANEL_ID = 'tab-panel';
export const tabElementId = (id: TabId): string => `tab-${id}`;

export function TabBar({ tabs, current, onSelect }: { tabs: readonly Tab[]; current: TabId; onSelect: (id: TabId) => void }) {
  const listRef = useRef<HTMLDivElement | null>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    // From the focused tab, not `current`: keys pressed faster than the page re-renders still step one tab each.
    const focused = tabs.findIndex((t) => tabElementId(t.id) === (e.target as HTMLElement).id);
    const index = focused >= 0 ? focused : tabs.findIndex((t) => t.id === current);
    const last = tabs.length - 1;
    const next = e.key === 'ArrowRight' ? (index + 1) % tabs.length : e.key === 'ArrowLeft' ? (index + last) % tabs.length : e.key === 'Home' ? 0 : e.key === 'End' ? last : null;
    if (next === null) return;
    e.preventDefault();
    const tab = tabs[next]!;
    onSelect(tab.id);
    listRef.current?.querySelector<HTMLButtonElement>(`#${tabElementId(tab.id)}`)?.focus();
  };
  return (
    <div className="tab-bar" role="tablist" aria-label="Views" ref={listRef} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.id}
          id={tabElementId(t.id)}
          type="button"
          role="tab"
          aria-selected={t.id === current}
          aria-controls={TAB_PANEL_ID}
          tabIndex={t.id === current ? 0 : -1}
          className={`tab${t.id === current ? ' current' : ''}${t.ready ? '' : ' later'}`}
          title={t.note}
          onClick={() => onSelect(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
