/**
 * The report as a PDF: A4 text pages laid out from the report's blocks, headings and paragraphs in
 * Helvetica, tables and capture text in Courier, page numbers in the footer.
 */
import { assertNever } from '../common/assert-never';
import { A4, writePdf, type PdfOp } from './pdf-document';
import { charWidth, COURIER, HELVETICA, HELVETICA_BOLD, textWidth, winAnsi, type PdfFont } from './pdf-fonts';
import { reportDocument, type Block } from './report-document';
import type { Report } from './report-model';

const MARGIN_X = 50;
const TOP = A4.height - 56;
const BOTTOM = 56;
const WIDTH = A4.width - 2 * MARGIN_X;
const MONO_SIZE = 8;
const TABLE_SIZE = 7;
const TABLE_CHAR = TABLE_SIZE * 0.6;
const TABLE_LEADING = 9;
const MONO_CHAR = MONO_SIZE * 0.6;
const MONO_LEADING = 10;
const HEADING_SIZE: Record<1 | 2 | 3, number> = { 1: 16, 2: 13, 3: 11 };

/**
 * Breaks WinAnsi text into lines no wider than `max`, at spaces where it can, anywhere inside a word
 * longer than a line. One pass over the characters: a 10 MB rule costs linear time.
 */
export function wrapText(text: string, max: number, width: (code: number) => number): string[] {
  const lines: string[] = [];
  let start = 0;
  let lineWidth = 0;
  let lastSpace = -1;
  let widthAtSpace = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const w = width(code);
    if (code === 32 && lineWidth + w > max) {
      lines.push(text.slice(start, i));
      start = i + 1;
      lineWidth = 0;
      lastSpace = -1;
      continue;
    }
    while (lineWidth + w > max && i > start) {
      if (lastSpace >= start) {
        lines.push(text.slice(start, lastSpace));
        lineWidth -= widthAtSpace;
        start = lastSpace + 1;
        lastSpace = -1;
      } else {
        lines.push(text.slice(start, i));
        start = i;
        lineWidth = 0;
      }
    }
    if (code === 32) {
      lastSpace = i;
      widthAtSpace = lineWidth + w;
    }
    lineWidth += w;
  }
  lines.push(text.slice(start));
  return lines;
}

const monoWrap = (text: string, chars: number): string[] => wrapText(text, chars, () => 1);

/** Column widths in characters that fit `total`: natural widths, the widest shrunk first. */
export function columnWidths(columns: readonly string[], rows: readonly string[][], total: number): number[] {
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), Math.max(c.length, 1)));
  const gaps = 2 * (columns.length - 1);
  while (widths.reduce((a, b) => a + b, 0) + gaps > total) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if ((widths[i] ?? 0) > (widths[widest] ?? 0)) widest = i;
    if ((widths[widest] ?? 0) <= 6) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

class Layout {
  readonly pages: PdfOp[][] = [[]];
  private y = TOP;

  private get page(): PdfOp[] {
    return this.pages[this.pages.length - 1] ?? [];
  }

  newPage(): void {
    this.pages.push([]);
    this.y = TOP;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  room(height: number): void {
    if (this.y - height < BOTTOM && this.y < TOP) this.newPage();
  }

  gap(points: number): void {
    this.y -= points;
  }

  text(x: number, text: string, font: PdfFont, size: number, leading: number, background?: number): void {
    this.room(leading);
    this.y -= leading;
    if (background !== undefined) this.page.push({ kind: 'rect', x: MARGIN_X, y: this.y - 2.5, width: WIDTH, height: leading, gray: background });
    if (text !== '') this.page.push({ kind: 'text', x, y: this.y, font, size, text });
  }

  rule(gray: number): void {
    this.page.push({ kind: 'rect', x: MARGIN_X, y: this.y - 3, width: WIDTH, height: 0.6, gray });
  }

  get atTop(): boolean {
    return this.y === TOP;
  }
}

function heading(l: Layout, level: 1 | 2 | 3, text: string): void {
  const size = HEADING_SIZE[level];
  if (!l.atTop) l.gap(level === 1 ? 14 : 9);
  // Keep a heading with at least a few lines of what follows it.
  l.room(size * 1.3 + 4 * MONO_LEADING);
  for (const line of wrapText(winAnsi(text), WIDTH, (c) => charWidth(c, HELVETICA_BOLD, size))) l.text(MARGIN_X, line, HELVETICA_BOLD, size, size * 1.3);
  if (level === 1) l.rule(0.7);
  l.gap(4);
}

function paragraph(l: Layout, text: string, indent = 0): void {
  const size = 10;
  for (const line of wrapText(winAnsi(text), WIDTH - indent, (c) => charWidth(c, HELVETICA, size))) l.text(MARGIN_X + indent, line, HELVETICA, size, 13);
}

function list(l: Layout, items: readonly string[]): void {
  for (const item of items) paragraph(l, `\u2022 ${item}`, 8);
  l.gap(4);
}

function code(l: Layout, lines: readonly string[]): void {
  const chars = Math.floor((WIDTH - 8) / MONO_CHAR);
  l.gap(2);
  for (const line of lines) {
    // Continuation lines are indented two characters, so everything wraps two short of the width.
    monoWrap(winAnsi(line), chars - 2).forEach((part, i) => {
      l.text(MARGIN_X + 4, i === 0 ? part : `  ${part}`, COURIER, MONO_SIZE, MONO_LEADING, 0.94);
    });
  }
  l.gap(6);
}

function table(l: Layout, columns: readonly string[], rows: readonly string[][]): void {
  const total = Math.floor(WIDTH / TABLE_CHAR);
  const cols = columns.map(winAnsi);
  const body = rows.map((r) => r.map(winAnsi));
  const widths = columnWidths(cols, body, total);
  const lineOf = (cells: readonly string[][], k: number): string =>
    cells.map((c, i) => (c[k] ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const rowLines = (row: readonly string[]): string[] => {
    const cells = widths.map((w, i) => monoWrap(row[i] ?? '', w));
    const height = Math.max(...cells.map((c) => c.length));
    return Array.from({ length: height }, (_, k) => lineOf(cells, k));
  };
  const header = rowLines(cols);
  const drawHeader = (): void => {
    for (const line of header) l.text(MARGIN_X, line, COURIER, TABLE_SIZE, TABLE_LEADING, 0.88);
  };
  l.gap(2);
  l.room(TABLE_LEADING * (header.length + 2));
  drawHeader();
  for (const row of body) {
    const lines = rowLines(row);
    const before = l.pages.length;
    l.room(TABLE_LEADING * lines.length);
    if (l.pages.length !== before) drawHeader();
    for (const line of lines) l.text(MARGIN_X, line, COURIER, TABLE_SIZE, TABLE_LEADING);
  }
  l.gap(8);
}

function drawBlock(l: Layout, b: Block): void {
  switch (b.kind) {
    case 'heading':
      return heading(l, b.level, b.text);
    case 'paragraph':
      paragraph(l, b.text);
      return l.gap(4);
    case 'list':
      return list(l, b.items);
    case 'table':
      return table(l, b.columns, b.rows);
    case 'code':
      return code(l, b.lines);
    default:
      return assertNever(b);
  }
}

export function renderReportPdf(report: Report): Uint8Array {
  const layout = new Layout();
  for (const block of reportDocument(report)) drawBlock(layout, block);
  const pages = layout.pages;
  const title = winAnsi(`${report.title} - ${report.generatedAt}`);
  pages.forEach((ops, i) => {
    const label = `Page ${i + 1} of ${pages.length}`;
    ops.push({ kind: 'text', x: MARGIN_X, y: 30, font: HELVETICA, size: 8, text: title, gray: 0.4 });
    ops.push({ kind: 'text', x: A4.width - MARGIN_X - textWidth(label, HELVETICA, 8), y: 30, font: HELVETICA, size: 8, text: label, gray: 0.4 });
  });
  return writePdf(pages, { title: report.title, creationDate: report.generatedAt });
}
