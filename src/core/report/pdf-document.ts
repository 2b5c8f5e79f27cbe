/**
 * A minimal PDF 1.4 writer: pages of text in the standard Type 1 fonts (WinAnsiEncoding) and
 * filled rectangles, uncompressed content streams, a classic cross-reference table and trailer.
 * Page text given to it must already be WinAnsi (see winAnsi): one char per byte.
 */
import { BASE_FONTS, type PdfFont } from './pdf-fonts';

export interface PdfText {
  kind: 'text';
  x: number;
  y: number;
  font: PdfFont;
  size: number;
  text: string;
  /** 0 = black, 1 = white. */
  gray?: number;
}

export interface PdfRect {
  kind: 'rect';
  x: number;
  y: number;
  width: number;
  height: number;
  gray: number;
}

export type PdfOp = PdfText | PdfRect;

export const A4 = { width: 595.28, height: 841.89 };

/** A PDF literal string: backslash and parentheses escaped, bytes outside printable ASCII as octal. */
export function pdfString(encoded: string): string {
  let out = '(';
  for (let i = 0; i < encoded.length; i++) {
    const code = encoded.charCodeAt(i) & 0xff;
    const ch = encoded[i] ?? '';
    if (ch === '\\' || ch === '(' || ch === ')') out += `\\${ch}`;
    else if (code < 32 || code > 126) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out})`;
}

/** A text string outside content streams (document info): UTF-16BE with its byte-order mark, as hex. */
export function pdfTextString(text: string): string {
  let hex = '<FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `${hex}>`;
}

const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, ''));

function contentStream(ops: readonly PdfOp[]): string {
  const parts: string[] = [];
  for (const op of ops) {
    if (op.kind === 'rect') parts.push(`${num(op.gray)} g ${num(op.x)} ${num(op.y)} ${num(op.width)} ${num(op.height)} re f`);
    else parts.push(`BT ${num(op.gray ?? 0)} g /${op.font} ${num(op.size)} Tf ${num(op.x)} ${num(op.y)} Td ${pdfString(op.text)} Tj ET`);
  }
  return parts.join('\n');
}

/** Date in the PDF form `D:YYYYMMDDHHmmSSZ`. */
function pdfDate(iso: string): string {
  const d = iso.replace(/[-:T]/g, '').slice(0, 14);
  return /^\d{14}$/.test(d) ? `D:${d}Z` : 'D:19700101000000Z';
}

export interface PdfInfo {
  title: string;
  creationDate: string;
}

/** The whole file, as bytes. */
export function writePdf(pages: ReadonlyArray<readonly PdfOp[]>, info: PdfInfo): Uint8Array {
  const fonts = Object.keys(BASE_FONTS) as PdfFont[];
  // Object numbers: 1 catalog, 2 page tree, 3 info, then the fonts, then page + content per page.
  const fontObj = (i: number): number => 4 + i;
  const firstPage = 4 + fonts.length;
  const objects: string[] = [];
  const pageRefs = pages.map((_, i) => `${firstPage + 2 * i} 0 R`);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageRefs.join(' ')}] /Count ${pages.length} >>`;
  objects[3] = `<< /Title ${pdfTextString(info.title)} /Producer (natlens) /CreationDate ${pdfString(pdfDate(info.creationDate))} >>`;
  const fontDict = fonts.map((f, i) => `/${f} ${fontObj(i)} 0 R`).join(' ');
  fonts.forEach((f, i) => {
    objects[fontObj(i)] = `<< /Type /Font /Subtype /Type1 /BaseFont /${BASE_FONTS[f]} /Encoding /WinAnsiEncoding >>`;
  });
  pages.forEach((ops, i) => {
    const page = firstPage + 2 * i;
    objects[page] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${num(A4.width)} ${num(A4.height)}] ` +
      `/Resources << /Font << ${fontDict} >> >> /Contents ${page + 1} 0 R >>`;
    const stream = contentStream(ops);
    objects[page + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  });

  // Every string above is one char per byte, so string lengths are byte offsets.
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = out.length;
    out += `${n} 0 obj\n${objects[n]}\nendobj\n`;
  }
  const xref = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let n = 1; n < objects.length; n++) out += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 3 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const bytes = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) bytes[i] = out.charCodeAt(i) & 0xff;
  return bytes;
}
