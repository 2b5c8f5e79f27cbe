/**
 * The report as a PDF (pdfkit): A4 pages laid out from the report's blocks, headings and paragraphs
 * in DejaVu Sans, tables and capture text in DejaVu Sans Mono, any character DejaVu lacks in a fallback
 * font (pdf-fonts.ts), page numbers in the footer. The fonts are embedded (subset), so the file shows
 * the same text on any viewer.
 */
import { pdfDocumentClass } from './pdf-engine';
import { assertNever } from '../common/assert-never';
import { pdfFonts, textRuns, type PdfFonts, type PdfStyle } from './pdf-fonts';
import { reportBlocks, type Block } from './report-document';
import { BytesSink, type ReportSink } from './report-sink';
import type { Report } from './report-model';

const A4 = { width: 595.28, height: 841.89 };
const MARGIN_X = 50;
const TOP = 56;
const BOTTOM = A4.height - 56;
const WIDTH = A4.width - 2 * MARGIN_X;
const MONO_SIZE = 8;
const MONO_LEADING = 10;
const TABLE_SIZE = 7;
const TABLE_LEADING = 9;
const CELL_GAP = 6;
const HEADING_SIZE: Record<1 | 2 | 3, number> = { 1: 16, 2: 13, 3: 11 };

/**
 * Breaks text into lines no wider than `max`, at spaces where it can, anywhere inside a word longer
 * than a line, never inside a character (a surrogate pair). One pass: a 10 MB rule costs linear time.
 */
export function wrapText(text: string, max: number, width: (codePoint: number) => number): string[] {
  const lines: string[] = [];
  let start = 0;
  let lineWidth = 0;
  let lastSpace = -1;
  let widthAtSpace = 0;
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i) ?? 0;
    const step = code > 0xffff ? 2 : 1;
    const w = width(code);
    if (code === 32 && lineWidth + w > max) {
      lines.push(text.slice(start, i));
      start = i + 1;
      lineWidth = 0;
      lastSpace = -1;
      i += step;
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
    i += step;
  }
  lines.push(text.slice(start));
  return lines;
}

/** Column widths that fit `total`: natural widths, the widest shrunk first, none below `min`. */
export function columnWidths(natural: readonly number[], total: number, min: number): number[] {
  const widths = [...natural];
  const sum = (): number => widths.reduce((a, b) => a + b, 0);
  while (sum() > total) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if ((widths[i] ?? 0) > (widths[widest] ?? 0)) widest = i;
    const w = widths[widest] ?? 0;
    if (w <= min) break;
    const second = Math.max(min, ...widths.filter((_, i) => i !== widest));
    widths[widest] = Math.max(second, w - (sum() - total), min);
    if (widths[widest] === w) widths[widest] = Math.max(min, w - 1);
  }
  return widths;
}

/** Draws runs of text in the right fonts, measuring each character once per font and size. */
class Pen {
  private readonly widths = new Map<string, number>();

  constructor(readonly doc: PDFKit.PDFDocument, private readonly fonts: PdfFonts) {}

  private runs(text: string, style: PdfStyle) {
    return textRuns(text, style, this.fonts);
  }

  charWidth(style: PdfStyle, size: number): (codePoint: number) => number {
    return (cp) => {
      const ch = String.fromCodePoint(cp);
      const key = `${style}|${size}|${ch}`;
      let w = this.widths.get(key);
      if (w === undefined) {
        w = 0;
        for (const run of this.runs(ch, style)) w += this.doc.font(run.font).fontSize(size).widthOfString(run.text);
        this.widths.set(key, w);
      }
      return w;
    };
  }

  /** The sum of the characters' advances (kerning left out: the layout only needs to stay inside its width). */
  width(text: string, style: PdfStyle, size: number): number {
    const of = this.charWidth(style, size);
    let w = 0;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i) ?? 0;
      w += of(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    return w;
  }

  wrap(text: string, max: number, style: PdfStyle, size: number): string[] {
    return text.split(/\r\n|\r|\n/).flatMap((line) => wrapText(line, max, this.charWidth(style, size)));
  }

  draw(text: string, x: number, y: number, style: PdfStyle, size: number, gray = 0): void {
    const color = Math.round(gray * 255);
    this.doc.fillColor([color, color, color]);
    let at = x;
    for (const run of this.runs(text, style)) {
      this.doc.font(run.font).fontSize(size).text(run.text, at, y, { lineBreak: false });
      at += this.width(run.text, style, size);
    }
  }
}

class Layout {
  private y = TOP;
  pages = 1;

  constructor(private readonly pen: Pen) {}

  newPage(): void {
    this.pen.doc.addPage({ size: 'A4', margin: 0 });
    this.pages++;
    this.y = TOP;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  room(height: number): void {
    if (this.y + height > BOTTOM && this.y > TOP) this.newPage();
  }

  gap(points: number): void {
    this.y += points;
  }

  get atTop(): boolean {
    return this.y === TOP;
  }

  line(x: number, text: string, style: PdfStyle, size: number, leading: number, background?: number): void {
    this.room(leading);
    if (background !== undefined) this.shade(this.y, leading, background);
    if (text !== '') this.pen.draw(text, x, this.y + (leading - size) / 2, style, size);
    this.y += leading;
  }

  /** Lines side by side (a table row): each cell's lines at its x, the row kept on one page. */
  row(cells: ReadonlyArray<{ x: number; lines: string[] }>, style: PdfStyle, size: number, leading: number, background?: number, onNewPage?: () => void): void {
    const height = Math.max(1, ...cells.map((c) => c.lines.length)) * leading;
    const before = this.pages;
    this.room(height);
    if (this.pages !== before) onNewPage?.();
    if (background !== undefined) this.shade(this.y, height, background);
    for (const c of cells) c.lines.forEach((l, k) => l !== '' && this.pen.draw(l, c.x, this.y + k * leading + (leading - size) / 2, style, size));
    this.y += height;
  }

  rule(gray: number): void {
    const c = Math.round(gray * 255);
    this.pen.doc.rect(MARGIN_X, this.y, WIDTH, 0.6).fill([c, c, c]);
  }

  private shade(y: number, height: number, gray: number): void {
    const c = Math.round(gray * 255);
    this.pen.doc.rect(MARGIN_X, y, WIDTH, height).fill([c, c, c]);
  }
}

function heading(l: Layout, pen: Pen, level: 1 | 2 | 3, text: string): void {
  const size = HEADING_SIZE[level];
  if (!l.atTop) l.gap(level === 1 ? 14 : 9);
  // Keep a heading with at least a few lines of what follows it.
  l.room(size * 1.3 + 4 * MONO_LEADING);
  for (const line of pen.wrap(text, WIDTH, 'bold', size)) l.line(MARGIN_X, line, 'bold', size, size * 1.3);
  if (level === 1) l.rule(0.7);
  l.gap(4);
}

function paragraph(l: Layout, pen: Pen, text: string, indent = 0): void {
  for (const line of pen.wrap(text, WIDTH - indent, 'sans', 10)) l.line(MARGIN_X + indent, line, 'sans', 10, 13);
}

function code(l: Layout, pen: Pen, lines: readonly string[]): void {
  l.gap(2);
  for (const line of lines) {
    // Continuation lines are indented, so a wrapped rule reads as one.
    pen.wrap(line, WIDTH - 8 - 2 * MONO_SIZE, 'mono', MONO_SIZE).forEach((part, i) => {
      l.line(MARGIN_X + 4, i === 0 ? part : `  ${part}`, 'mono', MONO_SIZE, MONO_LEADING, 0.94);
    });
  }
  l.gap(6);
}

function table(l: Layout, pen: Pen, columns: readonly string[], rows: readonly string[][]): void {
  const measure = (text: string): number => Math.max(...text.split('\n').map((t) => pen.width(t, 'mono', TABLE_SIZE)), 0);
  const natural = columns.map((c, i) => Math.min(WIDTH, rows.reduce((w, r) => Math.max(w, measure(r[i] ?? '')), measure(c))));
  const widths = columnWidths(natural, WIDTH - CELL_GAP * (columns.length - 1), 24);
  const xs = widths.map((_, i) => MARGIN_X + widths.slice(0, i).reduce((a, b) => a + b + CELL_GAP, 0));
  const cellsOf = (row: readonly string[]) => widths.map((w, i) => ({ x: xs[i] ?? MARGIN_X, lines: pen.wrap(row[i] ?? '', w, 'mono', TABLE_SIZE) }));
  const header = cellsOf(columns);
  const drawHeader = (): void => l.row(header, 'mono', TABLE_SIZE, TABLE_LEADING, 0.88);
  l.gap(2);
  l.room(TABLE_LEADING * 3);
  drawHeader();
  for (const row of rows) l.row(cellsOf(row), 'mono', TABLE_SIZE, TABLE_LEADING, undefined, drawHeader);
  l.gap(8);
}

function drawBlock(l: Layout, pen: Pen, b: Block): void {
  switch (b.kind) {
    case 'heading':
      return heading(l, pen, b.level, b.text);
    case 'paragraph':
      paragraph(l, pen, b.text);
      return l.gap(4);
    case 'list':
      for (const item of b.items) paragraph(l, pen, `\u2022 ${item}`, 8);
      return l.gap(4);
    case 'table':
      return table(l, pen, b.columns, b.rows);
    case 'code':
      return code(l, pen, b.lines);
    case 'nat-picture':
      // The PDF keeps the hop table that follows.
      return;
    default:
      return assertNever(b);
  }
}

/** The whole file, as bytes. */
export function renderReportPdf(report: Report): Uint8Array {
  const sink = new BytesSink();
  writeReportPdf(report, sink);
  return sink.bytes();
}

/**
 * The file written into `sink` in pdfkit's chunks. pdfkit keeps every page until the end (the footer
 * says "Page i of N"), so the pages are in memory once; the bytes are not gathered a second time.
 */
export function writeReportPdf(report: Report, sink: ReportSink): void {
  const fonts = pdfFonts();
  // `font`: pdfkit opens a default font at once; ours, not Helvetica's metrics file (absent from bundles).
  const PDFDocument = pdfDocumentClass();
  const doc = new PDFDocument({ pdfVersion: '1.4', font: fonts.styles.sans.file, size: 'A4', margin: 0, bufferPages: true, autoFirstPage: false, info: { Title: report.title, Producer: 'natlens', CreationDate: creationDate(report.generatedAt) } });
  for (const f of [...Object.values(fonts.styles), ...fonts.fallbacks]) {
    if (f.face === null) doc.registerFont(f.name, f.bytes);
    else doc.registerFont(f.name, f.bytes, f.face);
  }
  doc.addPage({ size: 'A4', margin: 0 });
  const pen = new Pen(doc, fonts);
  const layout = new Layout(pen);
  for (const block of reportBlocks(report)) drawBlock(layout, pen, block);
  const range = doc.bufferedPageRange();
  const footer = `${report.title} - ${report.generatedAt}`;
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const label = `Page ${i + 1} of ${range.count}`;
    pen.draw(footer, MARGIN_X, A4.height - 38, 'sans', 8, 0.4);
    pen.draw(label, A4.width - MARGIN_X - pen.width(label, 'sans', 8), A4.height - 38, 'sans', 8, 0.4);
  }
  doc.flushPages();
  doc.end();
  // pdfkit pushes every byte into its (paused) stream by end(); read them out of its buffer.
  let tail = '';
  for (let chunk = doc.read() as Buffer | null; chunk !== null; chunk = doc.read() as Buffer | null) {
    sink.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    tail = (tail + chunk.subarray(-8).toString('latin1')).slice(-8);
  }
  if (!tail.includes('%%EOF')) throw new Error('pdfkit did not finish the document');
}

function creationDate(iso: string): Date {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}
