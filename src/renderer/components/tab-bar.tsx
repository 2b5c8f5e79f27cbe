import type { Tab, TabId } from '../view-model/tabs';

export function TabBar({ tabs, current, onSelect }: { tabs: readonly Tab[]; current: TabId; onSelect: (id: TabId) => void }) {
  return (
    <nav className="tab-bar" role="tablist">
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          aria-selected={t.id === current}
          className={`tab${t.id === current ? ' current' : ''}${t.ready ? '' : ' later'}`}
          title={t.note}
          onClick={() => onSelect(t.id)}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );
}
