/** The report as one JSON document: the Report model itself, versioned. */
import type { Report } from './report-model';

export const REPORT_JSON_VERSION = 1;

export function renderReportJson(report: Report): string {
  return `${JSON.stringify({ version: REPORT_JSON_VERSION, ...report }, null, 2)}\n`;
}
