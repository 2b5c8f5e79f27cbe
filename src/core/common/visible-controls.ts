/**
 * Captured names and text (chain names, comments, node and interface names) can hold terminal escape
 * sequences: raw on a terminal they retitle the window or clear the screen, raw in a Markdown report they
 * reach whoever cats it. Human output shows them as text instead: ESC as `\x1b`, a bidirectional override
 * as `\u202e`. JSON output keeps the exact text.
 */

// C0 controls but tab and newline, DEL, C1 controls; the bidirectional embeddings, overrides and isolates.
const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

export function visibleControls(text: string): string {
  return text.replace(HIDDEN, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
