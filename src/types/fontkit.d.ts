/** The part of fontkit (pdfkit's font engine, no types of its own) the PDF report asks: which characters a font draws. */
declare module 'fontkit' {
  export interface Font {
    readonly postscriptName: string;
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Uint8Array): Font | { fonts: Font[] };
}
