/** Puts a text on the clipboard and says so (or why not) beside the button. */
import { useState } from 'react';

export function CopyButton({ label, text, testId }: { label: string; text: string; testId: string }) {
  const [said, setSaid] = useState<string | null>(null);
  return (
    <span className="copy-button">
      <button
        type="button"
        title={text}
        data-testid={testId}
        onClick={() =>
          navigator.clipboard.writeText(text).then(
            () => setSaid('Copied'),
            (err: unknown) => setSaid(`Could not copy: ${err instanceof Error ? err.message : String(err)}`),
          )
        }
      >
        {label}
      </button>
      <span className="muted" role="status" aria-live="polite">
        {said}
      </span>
    </span>
  );
}
