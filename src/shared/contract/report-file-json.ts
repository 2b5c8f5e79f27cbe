/**
 * The `report` answer: one file of `natlens report`, ready to save. Text formats travel as text,
 * the PDF as base64 so one JSON answer fits both shells (IPC and HTTP).
 */

export const REPORT_FORMATS = ['html', 'md', 'pdf', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report model's counts, for the line above the preview. */
export interface ReportSummaryJson {
  nodes: number;
  captures: number;
  services: number;
  findings: number;
  flows: number;
  /** Flows the report lists (the rest are counted only). */
  flowsListed: number;
}

export interface ReportFileJson {
  format: ReportFormat;
  /** `natlens-report-2026-11-23.html`: a suggestion for the save. */
  fileName: string;
  mediaType: string;
  encoding: 'utf8' | 'base64';
  content: string;
  generatedAt: string;
  summary: ReportSummaryJson;
}

/** What a streamed report download says before its first byte (the HTTP headers), and what it answers at the end. */
export interface ReportHeadJson {
  format: ReportFormat;
  fileName: string;
  mediaType: string;
  generatedAt: string;
  summary: ReportSummaryJson;
}

/** `GET /api/report?format=F[&traces=JSON]`: the report as a file, streamed as it is rendered (natlens serve only). */
export const REPORT_DOWNLOAD_ROUTE = '/api/report';
