/** The report as Markdown: tables with escaped pipes, capture text in fences that its backticks cannot close. */
import { assertNever } from '../common/assert-never';
import { visibleControls } from '../common/visible-controls';
import { reportBlocks, type Block } from './report-document';
import { StringSink, type ReportSink } from './report-sink';
import type { Report } from './report-model';

/** Inline text: Markdown's emphasis, link, code and HTML characters taken literally. */
export function escapeMarkdown(text: string): string {
  return visibleControls(text).replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

/** A table cell: also no line breaks (a newline would end the row). */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdown(text).replace(/\r\n|\r|\n/g, '<br>');
}

/**
 * A table cell holding capture text as a code span: delimited by one backtick more than its longest
 * run, padded when it starts or ends with one, pipes escaped (GitHub's tables split at them even in
 * code spans and drop the backslash), line breaks as spaces (a code span cannot hold one).
 */
export function markdownCodeCell(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ');
  if (flat === '') return '';
  let longest = 0;
  for (const run of flat.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ')) ? ' ' : '';
  return `${ticks}${pad}${flat.replace(/\|/g, '\\|')}${pad}${ticks}`;
}

function fence(lines: readonly string[]): string {
  let longest = 2;
  for (const line of lines) for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(longest + 1);
}

export function blockMarkdown(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${escapeMarkdown(b.text)}`;
    case 'paragraph':
      return escapeMarkdown(b.text);
    case 'list':
      return b.items.map((i) => `- ${escapeMarkdown(i)}`).join('\n');
    case 'table': {
      const code = new Set(b.code ?? []);
      const row = (cells: readonly string[], header = false): string =>
        `| ${cells.map((c, i) => (!header && code.has(i) ? markdownCodeCell(c) : escapeMarkdownCell(c))).join(' | ')} |`;
      return [row(b.columns, true), `|${b.columns.map(() => ' --- ').join('|')}|`, ...b.rows.map((r) => row(r))].join('\n');
    }
    case 'code': {
      const f = fence(b.lines);
      return [`${f}text`, ...b.lines.map(visibleControls), f].join('\n');
    }
    case 'nat-picture':
      return '';
    default:
      return assertNever(b);
  }
}

/** The report written into `sink` a block at a time: blocks apart by a blank line, blocks with no Markdown left out. */
export function writeReportMarkdown(report: Report, sink: ReportSink): void {
  let first = true;
  for (const block of reportBlocks(report)) {
    const text = blockMarkdown(block);
    if (text === '') continue;
    sink.write(first ? text : `\n\n${text}`);
    first = false;
  }
  sink.write('\n');
}

export function renderReportMarkdown(report: Report): string {
  const sink = new StringSink();
  writeReportMarkdown(report, sink);
  return sink.text();
}
