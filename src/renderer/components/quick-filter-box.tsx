/**
 * A list's filter box: the list follows each keystroke (the rows are all in the page), the link
 * (`?filter=`) takes the text on Enter or when the box loses focus, so typing makes no history.
 */
import { useEffect, useId, useState } from 'react';

export function QuickFilterBox({ filter, placeholder, testId, onDraft, onApply }: {
  filter: string;
  placeholder: string;
  testId: string;
  onDraft: (text: string) => void;
  onApply: (text: string) => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const change = (text: string): void => {
    setDraft(text);
    onDraft(text);
  };
  return (
    <form
      className="filter-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft.trim());
      }}
    >
      <label htmlFor={id}>Filter</label>
      <input
        id={id}
        type="text"
        value={draft}
        placeholder={placeholder}
        spellCheck={false}
        data-testid={testId}
        onChange={(e) => change(e.target.value)}
        onBlur={() => draft.trim() !== filter && onApply(draft.trim())}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && draft !== '') {
            e.preventDefault();
            change('');
            onApply('');
          }
        }}
      />
    </form>
  );
}
