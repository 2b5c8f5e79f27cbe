/**
 * The three standard PDF fonts the report uses, with Helvetica's advance widths (1/1000 em, from
 * Adobe's AFM files) for printable ASCII; other characters are measured as the widest common glyph.
 * Courier is monospaced at 600.
 */
export type PdfFont = 'F1' | 'F2' | 'F3';

export const HELVETICA: PdfFont = 'F1';
export const HELVETICA_BOLD: PdfFont = 'F2';
export const COURIER: PdfFont = 'F3';

export const BASE_FONTS: Record<PdfFont, string> = { F1: 'Helvetica', F2: 'Helvetica-Bold', F3: 'Courier' };

// Codes 32..126.
const HELVETICA_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
  278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
  611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,
  556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD_WIDTHS = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
  333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667,
  611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889,
  611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/** Advance width of one WinAnsi character code in points at `size`. */
export function charWidth(code: number, font: PdfFont, size: number): number {
  if (font === COURIER) return 0.6 * size;
  const table = font === HELVETICA_BOLD ? HELVETICA_BOLD_WIDTHS : HELVETICA_WIDTHS;
  return ((code >= 32 && code <= 126 ? (table[code - 32] ?? 667) : 667) * size) / 1000;
}

/** Width of WinAnsi-encoded text (one byte per character) in points at `size`. */
export function textWidth(encoded: string, font: PdfFont, size: number): number {
  let width = 0;
  for (let i = 0; i < encoded.length; i++) width += charWidth(encoded.charCodeAt(i), font, size);
  return width;
}

/** Unicode → WinAnsiEncoding (Windows-1252) code points 0x80..0x9F. */
const WIN_ANSI_HIGH: Record<number, number> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87, 0x02c6: 0x88, 0x2030: 0x89,
  0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91, 0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95,
  0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98, 0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};

/** Characters outside WinAnsi that have a readable ASCII stand-in. */
const STAND_INS: Record<string, string> = { '→': '->', '←': '<-', '⇄': '<->', '↔': '<->', '×': 'x', '≤': '<=', '≥': '>=', '✓': 'ok', '\t': '    ' };

/**
 * Text as WinAnsi bytes, one JS char per byte (0..255): Latin-1 and the Windows-1252 extras kept,
 * arrows spelled out, anything else (and control characters) replaced by `?`.
 */
export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) out += ch;
    else if (WIN_ANSI_HIGH[cp] !== undefined) out += String.fromCharCode(WIN_ANSI_HIGH[cp]);
    else out += STAND_INS[ch] ?? '?';
  }
  return out;
}
