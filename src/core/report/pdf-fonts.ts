/**
 * The fonts the PDF report embeds (pdfkit subsets them): DejaVu Sans, Sans Bold and Sans Mono from the
 * dejavu-fonts-ttf package (Latin, Greek, Cyrillic and many symbols; DejaVu licence, free to embed),
 * then, for what DejaVu lacks (Chinese, Japanese, Korean), the first fallback font found: $NATLENS_PDF_FONT,
 * else a CJK font the system has (Debian's fonts-droid-fallback, Apache-2.0, is what CI installs).
 * Text is split into runs, each drawn in the first font that has its characters; a character no font
 * has (most emoji) is drawn as U+FFFD.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as fontkit from 'fontkit';
import { fontEngine, resolvePackageFile } from './pdf-engine';

export type PdfStyle = 'sans' | 'bold' | 'mono';

export interface PdfFontFile {
  /** The name pdfkit knows it by. */
  name: string;
  file: string;
  bytes: Buffer;
  /** The face of a collection (.ttc) pdfkit should embed, by postscript name; null for a single font. */
  face: string | null;
  font: fontkit.Font;
}

export interface PdfFonts {
  styles: Record<PdfStyle, PdfFontFile>;
  fallbacks: PdfFontFile[];
}

/** Where a system keeps a CJK font, in the order tried (TrueType/OpenType files, not collections). */
export const FALLBACK_FONT_PATHS: readonly string[] = [
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts-droid-fallback/truetype/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/arphic/uming.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf',
  '/System/Library/Fonts/Supplemental/Arial Unicode.ttf',
  '/Library/Fonts/Arial Unicode.ttf',
  'C:\\Windows\\Fonts\\simsun.ttc',
];

function load(name: string, file: string): PdfFontFile | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  const opened = fontEngine().create(bytes);
  // A collection (.ttc): its first face, which pdfkit embeds when named by its postscript name.
  if ('fonts' in opened) {
    const first = opened.fonts[0];
    return first === undefined ? null : { name, file, bytes, face: first.postscriptName, font: first };
  }
  return { name, file, bytes, face: null, font: opened };
}

function dejavuDir(): string {
  return path.join(path.dirname(resolvePackageFile('dejavu-fonts-ttf/package.json')), 'ttf');
}

let cached: PdfFonts | null = null;

/** Loaded once per process; throws when the DejaVu package is missing (npm install puts it there). */
export function pdfFonts(): PdfFonts {
  if (cached !== null) return cached;
  const dir = dejavuDir();
  const style = (name: string, file: string): PdfFontFile => {
    const f = load(name, path.join(dir, file));
    if (f === null) throw new Error(`the PDF font ${path.join(dir, file)} is missing: run npm install`);
    return f;
  };
  const wanted = [process.env.NATLENS_PDF_FONT, ...FALLBACK_FONT_PATHS].filter((p): p is string => p !== undefined && p !== '');
  const fallbacks: PdfFontFile[] = [];
  for (const file of wanted) {
    const f = load(`fallback${fallbacks.length}`, file);
    if (f !== null) fallbacks.push(f);
    if (fallbacks.length === 2) break;
  }
  cached = {
    styles: { sans: style('sans', 'DejaVuSans.ttf'), bold: style('bold', 'DejaVuSans-Bold.ttf'), mono: style('mono', 'DejaVuSansMono.ttf') },
    fallbacks,
  };
  return cached;
}

export interface TextRun {
  font: string;
  text: string;
}

const REPLACEMENT = 0xfffd;

/** Per font set and style: the font that draws each code point (undefined: none), asked of fontkit once. */
const chosen = new WeakMap<PdfFonts, Map<string, PdfFontFile | undefined>>();

function fontFor(cp: number, style: PdfStyle, fonts: PdfFonts): PdfFontFile | undefined {
  let cache = chosen.get(fonts);
  if (cache === undefined) chosen.set(fonts, (cache = new Map()));
  const key = `${style}${cp}`;
  if (cache.has(key)) return cache.get(key);
  const own = fonts.styles[style];
  const font = own.font.hasGlyphForCodePoint(cp) || cp < 0x20 ? own : fonts.fallbacks.find((f) => f.font.hasGlyphForCodePoint(cp));
  cache.set(key, font);
  return font;
}

/** The text as runs, each in the first font (the style's, then the fallbacks) that draws its characters. */
export function textRuns(text: string, style: PdfStyle, fonts: PdfFonts): TextRun[] {
  const own = fonts.styles[style];
  const runs: TextRun[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? REPLACEMENT;
    let font = fontFor(cp, style, fonts);
    let drawn = cp < 0x20 ? ' ' : ch;
    if (font === undefined) {
      font = own;
      drawn = String.fromCodePoint(REPLACEMENT);
    }
    const last = runs[runs.length - 1];
    if (last !== undefined && last.font === font.name) last.text += drawn;
    else runs.push({ font: font.name, text: drawn });
  }
  return runs;
}
