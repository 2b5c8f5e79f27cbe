import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../core/report/report-html';
import type { Report } from '../../core/report/report-model';
import { CONTENT_SECURITY_POLICY } from './content-security-policy';

const EMPTY_REPORT: Report = {
  title: 'natlens report', generatedAt: '2026-11-23T00:00:00Z', database: 'p.db',
  summary: { nodes: 0, captures: 0, capturesByKind: [], services: 0, flows: 0, findings: 0 },
  warnings: [], warningsOmitted: 0, nodes: [], services: [], pods: [], podsOmitted: 0, findings: [], findingsOmitted: [],
  flows: { total: 0, limit: 200, shown: [], capped: false },
  captures: [], capturesOmitted: 0, traces: [], tunnels: [], tunnelsOmitted: 0,
};

describe('content security policy', () => {
  it("allows the report's inline <style> by its hash, so the srcdoc preview is styled", () => {
    const html = renderReportHtml(EMPTY_REPORT);
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256').update(styles[0] ?? '', 'utf8').digest('base64');
    const styleSrc = CONTENT_SECURITY_POLICY.split('; ').find((d) => d.startsWith('style-src '));
    expect(styleSrc).toBe(`style-src 'self' 'sha256-${hash}'`);
  });

  it('still allows no inline script, eval or inline style in general', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });
});
