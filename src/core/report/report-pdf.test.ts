import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../model/store';
import { buildReport } from './build-report';
import { pdfString, writePdf } from './pdf-document';
import { charWidth, HELVETICA, textWidth, winAnsi } from './pdf-fonts';
import { columnWidths, renderReportPdf, wrapText } from './report-pdf';
import { LAB_NODES, projectOf, tempDir, writeFindingsNode } from './report.fixture';

const hasPoppler = ['pdfinfo', 'pdftotext', 'pdftoppm'].every((tool) => spawnSync(tool, ['-v']).error === undefined);
if (!hasPoppler) console.warn('report-pdf.test: poppler-utils (pdfinfo, pdftotext, pdftoppm) not installed; skipping the checks with the real tools');

let dir: string;
let lab: Store;
let edge: Store;

beforeAll(() => {
  dir = tempDir();
  lab = projectOf(dir, 'lab.db', [LAB_NODES]);
  edge = projectOf(dir, 'edge.db', [writeFindingsNode(dir)]);
});

afterAll(() => {
  lab.close();
  edge.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('PDF writer', () => {
  it('has a cross-reference table whose offsets point at each object', () => {
    const text = latin1(writePdf([[{ kind: 'text', x: 50, y: 700, font: HELVETICA, size: 12, text: 'hello (world) \\ ok' }], []], { title: 'T', creationDate: '2026-11-24T00:00:00Z' }));
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.endsWith('%%EOF\n')).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
    const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref)) ?? [];
    expect(first).toBe('0');
    const entries = text.slice(startxref).split('\n').slice(3, 2 + Number(count));
    entries.forEach((entry, i) => {
      expect(entry).toMatch(/^\d{10} 00000 n $/);
      expect(text.slice(Number(entry.slice(0, 10))).startsWith(`${i + 1} 0 obj\n`)).toBe(true);
    });
    expect(text).toMatch(new RegExp(`trailer\\n<< /Size ${count} /Root 1 0 R`));
    expect(text).toContain('/Count 2');
    expect(text).toContain('(hello \\(world\\) \\\\ ok) Tj');
  });

  it('writes non-ASCII WinAnsi bytes as octal escapes and replaces characters outside WinAnsi', () => {
    expect(winAnsi('café → “x” 中')).toBe('caf\xe9 -> \x93x\x94 ?');
    expect(pdfString(winAnsi('é€'))).toBe('(\\351\\200)');
  });

  it('wraps at spaces within the width and breaks words longer than a line', () => {
    const measure = (s: string): number => textWidth(s, HELVETICA, 10);
    const lines = wrapText('the quick brown fox jumps over the lazy dog', 60, (c) => charWidth(c, HELVETICA, 10));
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(measure(line)).toBeLessThanOrEqual(60);
    expect(lines.join(' ')).toBe('the quick brown fox jumps over the lazy dog');
    expect(wrapText('x'.repeat(25), 10, () => 1)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('wraps a 10 MB line in one pass', () => {
    const long = wrapText('a'.repeat(10_000_000), 100, () => 1);
    expect(long).toHaveLength(100_000);
    expect(long.every((l) => l.length === 100)).toBe(true);
    const text = 'ab '.repeat(3_500_000);
    const words = wrapText(text, 80, () => 1);
    expect(words.every((l) => l.length <= 80)).toBe(true);
    // Each break takes the place of one space.
    expect(words.join(' ') === text).toBe(true);
  });

  it('shrinks the widest table columns until the table fits', () => {
    const widths = columnWidths(['id', 'source'], [['1', 'a'.repeat(200)]], 50);
    expect(widths[0]).toBe(2);
    expect((widths[0] ?? 0) + (widths[1] ?? 0) + 2).toBeLessThanOrEqual(50);
  });
});

describe.skipIf(!hasPoppler)('renderReportPdf read back with poppler', () => {
  it('has the page count pdfinfo reports, numbered pages, and the report text pdftotext extracts', () => {
    const file = path.join(dir, 'lab.pdf');
    fs.writeFileSync(file, renderReportPdf(buildReport(lab, { generatedAt: '2026-11-24T00:00:00.000Z' })));
    const info = run('pdfinfo', [file]);
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1]);
    expect(pages).toBeGreaterThan(1);
    expect(info).toMatch(/^PDF version:\s+1\.4$/m);
    expect(info).toMatch(/^Title:\s+natlens report$/m);
    const text = run('pdftotext', ['-layout', file, '-']);
    for (const expected of ['natlens report', 'Summary', 'Node nodea', 'Node nodeb', '192.168.56.11/24', 'default/hello', '10.40.1.2:8080', 'NAT flows']) {
      expect(text).toContain(expected);
    }
    for (let p = 1; p <= pages; p++) expect(text).toContain(`Page ${p} of ${pages}`);
    expect(text.split('\f').filter((page) => page.trim() !== '')).toHaveLength(pages);
  });

  it('carries capture text (a rule with <script> in its comment) as plain text', () => {
    const file = path.join(dir, 'edge.pdf');
    fs.writeFileSync(file, renderReportPdf(buildReport(edge)));
    const text = run('pdftotext', [file, '-']).replace(/\s+/g, ' ');
    expect(text).toContain('filter FORWARD policy DROP');
    expect(text).toContain('default/<script>alert(1)</script>');
    expect(text).toContain('[UNREPLIED]');
    expect(text).toContain('one-sided');
  });

  it('keeps WinAnsi characters and stands in for the others, in the text and the title', () => {
    const file = path.join(dir, 'title.pdf');
    fs.writeFileSync(file, renderReportPdf(buildReport(edge, { title: 'Café — flows ⇄ 中' })));
    expect(run('pdfinfo', [file])).toMatch(/^Title:\s+Café — flows ⇄ 中$/m);
    expect(run('pdftotext', [file, '-'])).toContain('Café — flows <-> ?');
  });

  it('renders page 1 to an image', () => {
    const file = path.join(dir, 'page.pdf');
    fs.writeFileSync(file, renderReportPdf(buildReport(lab)));
    run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, path.join(dir, 'page')]);
    const png = fs.readdirSync(dir).find((f) => /^page-0*1\.png$/.test(f));
    expect(png).toBeDefined();
    const bytes = fs.readFileSync(path.join(dir, png ?? ''));
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    // 60 dpi A4: about 496 x 702 pixels (poppler rounds up).
    expect(Math.abs(bytes.readUInt32BE(16) - 496)).toBeLessThanOrEqual(1);
    expect(Math.abs(bytes.readUInt32BE(20) - 702)).toBeLessThanOrEqual(1);
  });
});
