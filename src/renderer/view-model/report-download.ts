/**
 * The Reports tab's reading of a `report` answer: the buttons, the summary line, and the file as a
 * Blob to save (the PDF arrives as base64, the text formats as text).
 */
import type { ReportFileJson, ReportFormat, ReportSummaryJson } from '../../shared/contract/report-file-json';

export interface ReportButton {
  format: ReportFormat;
  label: string;
  title: string;
}

export const REPORT_BUTTONS: readonly ReportButton[] = [
  { format: 'html', label: 'HTML', title: 'One self-contained page: no scripts, nothing fetched' },
  { format: 'md', label: 'Markdown', title: 'For a ticket, a wiki or a chat' },
  { format: 'pdf', label: 'PDF', title: 'To print or attach' },
  { format: 'json', label: 'JSON', title: "The report's data, for scripts" },
];

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `2 nodes · 9 captures · 1 service · 3 findings · 12 flows`, with `(200 listed)` when the flows are capped. */
export function reportSummaryLine(s: ReportSummaryJson): string {
  const flows = count(s.flows, 'flow') + (s.flowsListed < s.flows ? ` (${s.flowsListed} listed)` : '');
  return [count(s.nodes, 'node'), count(s.captures, 'capture'), count(s.services, 'service'), count(s.findings, 'finding'), flows].join(' · ');
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The file's bytes with its media type, as the download saves them. */
export function reportBlob(file: ReportFileJson): Blob {
  const part = file.encoding === 'base64' ? base64Bytes(file.content) : file.content;
  return new Blob([part], { type: file.mediaType });
}
