import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../model/store';
import { buildReport } from '../project/report';
import { pdfFonts, textRuns } from './pdf-fonts';
import { columnWidths, renderReportPdf, wrapText } from './report-pdf';
import { useReportProjects } from './report.fixture';

const hasPoppler = ['pdfinfo', 'pdftotext', 'pdftoppm', 'pdffonts'].every((tool) => spawnSync(tool, ['-v']).error === undefined);
if (!hasPoppler) console.warn('report-pdf.test: poppler-utils (pdfinfo, pdftotext, pdftoppm) not installed; skipping the checks with the real tools');

let dir: string;
let lab: Store;
let edge: Store;
let overlay: Store;

useReportProjects((p) => ({ dir, lab, edge, overlay } = p));

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const hasCjkFont = pdfFonts().fallbacks.length > 0;
if (!hasCjkFont) console.warn('report-pdf.test: no CJK fallback font (fonts-droid-fallback); Chinese text is drawn as U+FFFD and its read-back is skipped');

describe('PDF text layout', () => {
  it('splits text into runs of the first font that has each character', () => {
    const fonts = pdfFonts();
    expect(textRuns('сервис ελληνικά', 'sans', fonts)).toEqual([{ font: 'sans', text: 'сервис ελληνικά' }]);
    const mixed = textRuns('web 服务', 'mono', fonts);
    expect(mixed[0]).toEqual({ font: 'mono', text: 'web ' });
    if (hasCjkFont) expect(mixed[1]).toEqual({ font: 'fallback0', text: '服务' });
    // A character no font has is drawn as the replacement character, not dropped.
    const none = textRuns('\u{10FFFD}', 'sans', fonts);
    expect(none).toEqual([{ font: 'sans', text: '\uFFFD' }]);
  });

  it('wraps at spaces within the width and breaks words longer than a line', () => {
    const lines = wrapText('the quick brown fox jumps over the lazy dog', 60, () => 6);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.length * 6).toBeLessThanOrEqual(60);
    expect(lines.join(' ')).toBe('the quick brown fox jumps over the lazy dog');
    expect(wrapText('x'.repeat(25), 10, () => 1)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never breaks inside a character made of two UTF-16 units', () => {
    const lines = wrapText('😀'.repeat(5), 2, () => 1);
    expect(lines).toEqual(['😀😀', '😀😀', '😀']);
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
    const widths = columnWidths([12, 1000], 300, 24);
    expect(widths[0]).toBe(12);
    expect((widths[0] ?? 0) + (widths[1] ?? 0)).toBeLessThanOrEqual(300);
  });
});

describe.skipIf(!hasPoppler)('renderReportPdf read back with poppler', () => {
  it('has the page count pdfinfo reports, numbered pages, and the report text pdftotext extracts', () => {
    const file = path.join(dir, 'lab.pdf');
    fs.writeFileSync(file, renderReportPdf(buildReport(lab, { generatedAt: '2026-11-24T00:00:00.000Z' })));
    const info = run('pdfinfo', [file]);
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1]);
    expect(pages).toBeGreaterThan(1);
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
    expect(text).toContain('natlens trace --node edge --proto tcp --src 10.40.1.3:40200 --dst 10.40.2.9:8080 --in eth0 --follow');
  });

  it('says which tunnel each hop crossed, and lists the overlay tunnels', () => {
    const file = path.join(dir, 'overlay.pdf');
    fs.writeFileSync(file, renderReportPdf(buildReport(overlay)));
    const text = run('pdftotext', [file, '-']).replace(/\s+/g, ' ');
    expect(text).toContain('in VXLAN 1 (192.168.77.1 → 192.168.77.2)');
    expect(text).toContain('in VXLAN 1 (192.168.77.2 → 192.168.77.1)');
    expect(text).toContain('Overlay tunnels');
  });

  it('renders Cyrillic, Greek and CJK text the captures hold (a service name in a rule comment) and the title', () => {
    const file = path.join(dir, 'unicode.pdf');
    fs.writeFileSync(file, renderReportPdf(buildReport(edge, { title: 'Café — сервис ελληνικά 服务 ⇄' })));
    expect(run('pdfinfo', [file])).toMatch(/^Title:\s+Café — сервис ελληνικά 服务 ⇄$/m);
    const text = run('pdftotext', [file, '-']);
    expect(text).toContain('Café — сервис ελληνικά');
    expect(text).toContain('default/сервис-');
    expect(text).toContain('ελληνικά');
    if (hasCjkFont) {
      expect(text).toContain('服务');
      expect(text).toContain('default/сервис-服务-ελληνικά');
    }
    expect(text).not.toContain('?');
    const fonts = run('pdffonts', [file]);
    expect(fonts).toMatch(/DejaVuSans\b.*\byes\s+yes/);
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
