/** One report rendered as a file to save: its name, media type and content, whatever the format. */
import { assertNever } from '../common/assert-never';
import { renderReportHtml, writeReportHtml } from './report-html';
import { renderReportJson, writeReportJson } from './report-json';
import { renderReportMarkdown, writeReportMarkdown } from './report-markdown';
import { renderReportPdf, writeReportPdf } from './report-pdf';
import type { Report } from './report-model';
import type { ReportSink } from './report-sink';

export type ReportFileFormat = 'html' | 'md' | 'pdf' | 'json';

export type ReportFile =
  | { format: Exclude<ReportFileFormat, 'pdf'>; fileName: string; mediaType: string; kind: 'text'; text: string }
  | { format: 'pdf'; fileName: string; mediaType: string; kind: 'bytes'; bytes: Uint8Array };

/** `natlens-report-2026-11-23.html`, dated by the report's own generatedAt (UTC day). */
export function reportFileName(report: Report, format: ReportFileFormat): string {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(report.generatedAt)?.[0];
  return `natlens-report${day === undefined ? '' : `-${day}`}.${format}`;
}

export function reportMediaType(format: ReportFileFormat): string {
  switch (format) {
    case 'html':
      return 'text/html; charset=utf-8';
    case 'md':
      return 'text/markdown; charset=utf-8';
    case 'json':
      return 'application/json';
    case 'pdf':
      return 'application/pdf';
    default:
      return assertNever(format);
  }
}

export function renderReportFile(report: Report, format: ReportFileFormat): ReportFile {
  const fileName = reportFileName(report, format);
  const mediaType = reportMediaType(format);
  switch (format) {
    case 'html':
      return { format, fileName, mediaType, kind: 'text', text: renderReportHtml(report) };
    case 'md':
      return { format, fileName, mediaType, kind: 'text', text: renderReportMarkdown(report) };
    case 'json':
      return { format, fileName, mediaType, kind: 'text', text: renderReportJson(report) };
    case 'pdf':
      return { format, fileName, mediaType, kind: 'bytes', bytes: renderReportPdf(report) };
    default:
      return assertNever(format);
  }
}

/** The report in `format`, written into `sink` a block (the PDF: a pdfkit chunk) at a time. */
export function writeReport(report: Report, format: ReportFileFormat, sink: ReportSink): void {
  switch (format) {
    case 'html':
      return writeReportHtml(report, sink);
    case 'md':
      return writeReportMarkdown(report, sink);
    case 'json':
      return writeReportJson(report, sink);
    case 'pdf':
      return writeReportPdf(report, sink);
    default:
      return assertNever(format);
  }
}
