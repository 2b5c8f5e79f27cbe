/**
 * pdfkit and fontkit, loaded on the first PDF: together they take ~0.14 s to load, which every other
 * command (a trace, an import) would otherwise pay at start-up.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type PDFDocumentClass from 'pdfkit';
import type * as Fontkit from 'fontkit';

// createRequire needs a path to start from; the CLI bundle and Electron's main are CommonJS (__filename), vitest gives it too.
const requireHere = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'package.json'));

let pdfkit: typeof PDFDocumentClass | undefined;
let fontkit: typeof Fontkit | undefined;

export function pdfDocumentClass(): typeof PDFDocumentClass {
  return (pdfkit ??= requireHere('pdfkit') as typeof PDFDocumentClass);
}

export function fontEngine(): typeof Fontkit {
  return (fontkit ??= requireHere('fontkit') as typeof Fontkit);
}

/** Resolves a package file as the engines above are resolved. */
export function resolvePackageFile(request: string): string {
  return requireHere.resolve(request);
}
