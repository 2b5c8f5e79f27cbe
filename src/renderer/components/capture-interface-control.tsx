import { useState } from 'react';
import type { Api, CaptureInterfaceJson, CaptureRow } from '../../shared/contract/api';
import { interfaceChoosable, interfaceLabel, typedInterface } from '../view-model/capture-interface';

interface Props {
  api: Api;
  capture: CaptureRow & { interface: CaptureInterfaceJson };
  /** The node's interfaces, offered as choices. */
  choices: readonly string[];
  /** Called after the choice is stored (the flows are stitched again by then). */
  onChanged: () => void;
}

/** A packet capture's interface, and where it is unknown or guessed, a field to choose it. */
export function CaptureInterfaceControl({ api, capture, choices, onChanged }: Props) {
  const iface = capture.interface;
  const [text, setText] = useState(iface.from === 'chosen' ? (iface.name ?? '') : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const listId = `capture-${String(capture.id)}-interfaces`;
  const name = typedInterface(text);

  const store = (value: string | null) => {
    if (typeof capture.id !== 'number') return;
    setBusy(true);
    setError(null);
    api
      .setCaptureInterface({ captureId: capture.id, interface: value })
      .then(() => onChanged())
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => setBusy(false));
  };

  return (
    // Inside a grid row: a click or a key here works the control, never the row (which would open the node).
    <div className="capture-interface" data-testid="capture-interface" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
      <span className="capture-interface-label" data-testid="capture-interface-label" title={interfaceLabel(iface)}>
        {interfaceLabel(iface)}
      </span>
      {interfaceChoosable(iface) && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name !== null) store(name);
          }}
        >
          <input
            data-testid="capture-interface-input"
            aria-label={`Interface of ${capture.source}`}
            list={listId}
            value={text}
            placeholder="eth0"
            size={10}
            onChange={(e) => setText(e.target.value)}
          />
          <datalist id={listId}>
            {choices.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          <button type="submit" data-testid="capture-interface-set" disabled={busy || name === null || (iface.from === 'chosen' && name === iface.name)}>
            Set
          </button>
          {iface.from === 'chosen' && (
            <button type="button" data-testid="capture-interface-clear" disabled={busy} onClick={() => store(null)}>
              Forget
            </button>
          )}
          {error !== null && (
            <span className="error" role="alert" title={error}>
              {error}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
