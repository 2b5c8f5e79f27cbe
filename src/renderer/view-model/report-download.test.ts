import { describe, expect, it } from 'vitest';
import type { ReportFileJson } from '../../shared/contract/report-file-json';
import { REPORT_BUTTONS, reportBlob, reportSummaryLine } from './report-download';

const summary = { nodes: 2, captures: 9, services: 1, findings: 3, flows: 12, flowsListed: 12 };

function file(over: Partial<ReportFileJson>): ReportFileJson {
  return { format: 'html', fileName: 'natlens-report.html', mediaType: 'text/html; charset=utf-8', encoding: 'utf8', content: '', generatedAt: '2026-11-23T00:00:00Z', summary, ...over };
}

describe('report download view-model', () => {
  it('offers the four formats in the order HTML, Markdown, PDF, JSON', () => {
    expect(REPORT_BUTTONS.map((b) => [b.format, b.label])).toEqual([['html', 'HTML'], ['md', 'Markdown'], ['pdf', 'PDF'], ['json', 'JSON']]);
  });

  it('summarises nodes, captures, services, findings and flows with singular nouns for one', () => {
    expect(reportSummaryLine(summary)).toBe('2 nodes · 9 captures · 1 service · 3 findings · 12 flows');
    expect(reportSummaryLine({ nodes: 1, captures: 1, services: 0, findings: 1, flows: 1, flowsListed: 1 })).toBe('1 node · 1 capture · 0 services · 1 finding · 1 flow');
  });

  it('says how many flows are listed when the report caps them', () => {
    expect(reportSummaryLine({ ...summary, flows: 350, flowsListed: 200 })).toBe('2 nodes · 9 captures · 1 service · 3 findings · 350 flows (200 listed)');
  });

  it('decodes a base64 PDF into its exact bytes, typed application/pdf', async () => {
    const bytes = Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0x80, 0x0a]);
    const blob = reportBlob(file({ format: 'pdf', mediaType: 'application/pdf', encoding: 'base64', content: Buffer.from(bytes).toString('base64') }));
    expect(blob.type).toBe('application/pdf');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
  });

  it('keeps text formats as UTF-8 text', async () => {
    const blob = reportBlob(file({ content: '<h1>natlens report — nodeä</h1>' }));
    expect(blob.type).toBe('text/html; charset=utf-8');
    expect(await blob.text()).toBe('<h1>natlens report — nodeä</h1>');
  });
});
