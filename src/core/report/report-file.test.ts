import { describe, expect, it } from 'vitest';
import { renderReportFile, reportFileName } from './report-file';
import type { Report } from './report-model';

const REPORT: Report = {
  title: 'natlens report', generatedAt: '2026-11-23T23:59:00.000Z', database: 'p.db',
  summary: { nodes: 0, captures: 0, capturesByKind: [], services: 0, flows: 0, findings: 0 },
  warnings: [], warningsOmitted: 0, nodes: [], services: [], pods: [], podsOmitted: 0, findings: [], findingsOmitted: [],
  flows: { total: 0, limit: 200, shown: [], capped: false },
  captures: [], capturesOmitted: 0, traces: [], tunnels: [], tunnelsOmitted: 0,
};

describe('report file', () => {
  it('names the file for the UTC day the report was generated and the format', () => {
    expect(reportFileName(REPORT, 'md')).toBe('natlens-report-2026-11-23.md');
    expect(reportFileName({ ...REPORT, generatedAt: 'unknown' }, 'pdf')).toBe('natlens-report.pdf');
  });

  it('gives each format its media type; text formats as text, the PDF as bytes', () => {
    const html = renderReportFile(REPORT, 'html');
    expect(html).toMatchObject({ kind: 'text', mediaType: 'text/html; charset=utf-8' });
    expect(renderReportFile(REPORT, 'md').mediaType).toBe('text/markdown; charset=utf-8');
    expect(renderReportFile(REPORT, 'json').mediaType).toBe('application/json');
    const pdf = renderReportFile(REPORT, 'pdf');
    expect(pdf.kind === 'bytes' && Buffer.from(pdf.bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
  });
});
