/** The report as one JSON document: the Report model itself, versioned. */
import type { Report } from './report-model';

/** 2: findings in the findings contract's shape with their replay; services with their kube-proxy rules; flows with hops; captures; traces. */
export const REPORT_JSON_VERSION = 2;

export function renderReportJson(report: Report): string {
  return `${JSON.stringify({ version: REPORT_JSON_VERSION, ...report }, null, 2)}\n`;
}
