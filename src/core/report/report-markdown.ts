/** The report as Markdown: tables with escaped pipes, capture text in fences that its backticks cannot close. */
import { assertNever } from '../common/assert-never';
import { visibleControls } from '../common/visible-controls';
import { reportDocument, type Block } from './report-document';
import type { Report } from './report-model';

/** Inline text: Markdown's emphasis, link, code and HTML characters taken literally. */
export function escapeMarkdown(text: string): string {
  return visibleControls(text).replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

/** A table cell: also no line breaks (a newline would end the row). */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdown(text).replace(/\r\n|\r|\n/g, '<br>');
}

function fence(lines: readonly string[]): string {
  let longest = 2;
  for (const line of lines) for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(longest + 1);
}

function blockMarkdown(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${escapeMarkdown(b.text)}`;
    case 'paragraph':
      return escapeMarkdown(b.text);
    case 'list':
      return b.items.map((i) => `- ${escapeMarkdown(i)}`).join('\n');
    case 'table': {
      const row = (cells: readonly string[]): string => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
      return [row(b.columns), `|${b.columns.map(() => ' --- ').join('|')}|`, ...b.rows.map(row)].join('\n');
    }
    case 'code': {
      const f = fence(b.lines);
      return [`${f}text`, ...b.lines.map(visibleControls), f].join('\n');
    }
    default:
      return assertNever(b);
  }
}

export function renderReportMarkdown(report: Report): string {
  return `${reportDocument(report).map(blockMarkdown).join('\n\n')}\n`;
}
