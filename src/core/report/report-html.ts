/** The report as one self-contained HTML file: inline CSS, no script, nothing fetched. All text is escaped. */
import { assertNever } from '../common/assert-never';
import { reportBlocks, type Block } from './report-document';
import { StringSink, type ReportSink } from './report-sink';
import type { Report } from './report-model';

import { escapeHtml } from './report-html-escape';
import { renderNatPictureSvg } from './nat-picture-svg';

export { escapeHtml };

/** The report's one inline style; the UI's Content-Security-Policy allows it by hash for the preview. */
export const REPORT_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 72rem; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #d5dae3; padding-bottom: .3rem; margin-top: 2.2rem; }
h2 { font-size: 1.25rem; margin-top: 1.8rem; }
h3 { font-size: 1.05rem; margin-top: 1.3rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #d5dae3; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
td { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
td code { white-space: pre-wrap; }
pre { background: #f5f7fa; border: 1px solid #d5dae3; padding: .6rem .8rem; overflow-x: auto; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
figure.nat-picture { margin: .6rem 0 1rem; overflow-x: auto; }
figure.nat-picture figcaption { color: #5b6576; font-size: 12px; }
@media print { body { margin: 0; max-width: none; } pre, table { page-break-inside: avoid; } }
`;

/** One block as HTML (exported for the test that compares the streamed document with the blocks joined). */
export function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`;
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const head = `<tr>${b.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
      const code = new Set(b.code ?? []);
      const cell = (c: string, i: number): string => (code.has(i) ? `<td><code>${escapeHtml(c)}</code></td>` : `<td>${escapeHtml(c)}</td>`);
      const rows = b.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
      return `<table>\n<thead>${head}</thead>\n<tbody>\n${rows}\n</tbody>\n</table>`;
    }
    case 'code':
      return `<pre>${b.lines.map(escapeHtml).join('\n')}</pre>`;
    case 'nat-picture':
      return `<figure class="nat-picture">\n${renderNatPictureSvg(b.picture, b.title)}\n<figcaption>${escapeHtml(b.picture.summary)}</figcaption>\n</figure>`;
    default:
      return assertNever(b);
  }
}

/** The document's opening, up to and including `<body>`. */
function htmlHead(report: Report): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(report.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
`;
}

/** The report written into `sink` a block at a time. */
export function writeReportHtml(report: Report, sink: ReportSink): void {
  sink.write(htmlHead(report));
  let first = true;
  for (const block of reportBlocks(report)) {
    sink.write(first ? blockHtml(block) : `\n${blockHtml(block)}`);
    first = false;
  }
  sink.write('\n</body>\n</html>\n');
}

export function renderReportHtml(report: Report): string {
  const sink = new StringSink();
  writeReportHtml(report, sink);
  return sink.text();
}
