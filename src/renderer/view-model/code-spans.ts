/**
 * Text as findings write it for Markdown reports, `commands` in backticks, cut into plain and code spans for the UI,
 * which would otherwise show the backticks themselves. An unpaired backtick is left as text.
 */
export interface TextSpan {
  code: boolean;
  text: string;
}

export function codeSpans(text: string): TextSpan[] {
  const parts = text.split('`');
  if (parts.length % 2 === 0) return [{ code: false, text }];
  return parts.map((part, i) => ({ code: i % 2 === 1, text: part })).filter((s) => s.text !== '');
}
