/** Reports written a block at a time: the same document the whole-string renderers made, and nothing partial on failure. */
import { describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildReport } from '../project/report';
import type { ReplayRequest } from '../project/report-replay';
import type { Store } from '../model/store';
import { reportDocument } from './report-document';
import { writeReportFile } from './report-file-writer';
import { blockHtml, REPORT_CSS, renderReportHtml } from './report-html';
import { REPORT_JSON_VERSION } from './report-json';
import { blockMarkdown } from './report-markdown';
import type { Report } from './report-model';
import { renderReportPdf } from './report-pdf';
import { useReportProjects } from './report.fixture';
import { escapeHtml } from './report-html-escape';

let dir: string;
let lab: Store;
let edge: Store;
useReportProjects((p) => ({ dir, lab, edge } = p));

const AT = '2026-11-24T00:00:00.000Z';
const TRACE: ReplayRequest = {
  node: 'nodea', proto: 'tcp', src: '10.40.1.2', sport: 40000, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: true, snapshot: null, bridgeNetfilter: null,
};

/** The documents as the renderers made them before they wrote a block at a time: every block made, then joined. */
const WHOLE = {
  html: (r: Report): string => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(r.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${reportDocument(r).map(blockHtml).join('\n')}
</body>
</html>
`,
  md: (r: Report): string => `${reportDocument(r).map(blockMarkdown).filter((t) => t !== '').join('\n\n')}\n`,
  json: (r: Report): string => `${JSON.stringify({ version: REPORT_JSON_VERSION, ...r }, null, 2)}\n`,
};

/** The report with its flows listed 20 times: a document of more than one write. */
const bigger = (report: Report): Report => ({ ...report, flows: { ...report.flows, shown: Array.from({ length: 20 }, () => report.flows.shown).flat() } });

describe('writeReportFile', () => {
  for (const format of ['html', 'md', 'json'] as const) {
    it(`writes the same ${format} document as the blocks joined whole, on the kernel lab and the findings node`, () => {
      for (const [name, store] of [['lab', lab], ['edge', edge]] as const) {
        const report = buildReport(store, { generatedAt: AT, traces: [TRACE] });
        const file = path.join(dir, `${name}.${format}`);
        const written = writeReportFile(report, format, file);
        const text = fs.readFileSync(file, 'utf8');
        expect(text).toBe(WHOLE[format](report));
        expect(written).toBe(Buffer.byteLength(text));
      }
    });
  }

  it('writes the PDF renderReportPdf makes, byte for byte', () => {
    const report = buildReport(lab, { generatedAt: AT });
    const file = path.join(dir, 'lab.pdf');
    writeReportFile(report, 'pdf', file);
    expect(Buffer.compare(fs.readFileSync(file), Buffer.from(renderReportPdf(report)))).toBe(0);
  });

  it('writes a document larger than one write in several writes, the same bytes', () => {
    const report = buildReport(lab, { generatedAt: AT });
    const big = bigger(report);
    expect(renderReportHtml(big).length).toBeGreaterThan(1024 * 1024);
    const writes = vi.spyOn(fs, 'writeSync');
    const file = path.join(dir, 'big.html');
    writeReportFile(big, 'html', file);
    expect(writes.mock.calls.length).toBeGreaterThan(1);
    writes.mockRestore();
    expect(fs.readFileSync(file, 'utf8')).toBe(renderReportHtml(big));
  });

  it('leaves the file that was there, and no partial file, when rendering fails halfway', () => {
    const file = path.join(dir, 'kept.html');
    fs.writeFileSync(file, 'an older report');
    const report = bigger(buildReport(lab, { generatedAt: AT }));
    // The captures are the document's last section: everything before them is written when this throws.
    const broken = Object.defineProperty({ ...report }, 'captures', { get: () => { throw new Error('the captures could not be read'); } });
    const writes = vi.spyOn(fs, 'writeSync');
    expect(() => writeReportFile(broken, 'html', file)).toThrow('the captures could not be read');
    expect(writes).toHaveBeenCalled();
    writes.mockRestore();
    expect(fs.readFileSync(file, 'utf8')).toBe('an older report');
    expect(fs.readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });
});
