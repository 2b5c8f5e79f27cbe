/** The report as one JSON document: the Report model itself, versioned. */
import type { Report } from './report-model';
import { StringSink, type ReportSink } from './report-sink';

/** 2: findings in the findings contract's shape with their replay; services with their kube-proxy rules; flows with hops; captures; traces. */
export const REPORT_JSON_VERSION = 2;

/**
 * `value` as `JSON.stringify(value, null, 2)` would print it at `depth` levels of indentation, written an
 * element at a time down to `levels` levels (the report's sections, then their findings, flows, services),
 * each smaller value stringified whole.
 */
function writeJson(value: unknown, sink: ReportSink, depth: number, levels: number): void {
  const pad = '  '.repeat(depth);
  if (levels > 0 && Array.isArray(value) && value.length > 0) {
    sink.write('[');
    value.forEach((v: unknown, i) => {
      sink.write(`${i > 0 ? ',' : ''}\n${pad}  `);
      // JSON.stringify prints what it cannot (undefined, functions) in an array as null.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') sink.write('null');
      else writeJson(v, sink, depth + 1, levels - 1);
    });
    sink.write(`\n${pad}]`);
    return;
  }
  if (levels > 0 && value !== null && typeof value === 'object' && !Array.isArray(value) && !('toJSON' in value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
    if (entries.length > 0) {
      sink.write('{');
      entries.forEach(([k, v], i) => {
        sink.write(`${i > 0 ? ',' : ''}\n${pad}  ${JSON.stringify(k)}: `);
        writeJson(v, sink, depth + 1, levels - 1);
      });
      sink.write(`\n${pad}}`);
      return;
    }
  }
  // A JSON string holds no raw line break, so indenting after each one indents the nested lines only.
  const text = JSON.stringify(value, null, 2);
  sink.write(depth === 0 ? text : text.replace(/\n/g, `\n${pad}`));
}

export function writeReportJson(report: Report, sink: ReportSink): void {
  writeJson({ version: REPORT_JSON_VERSION, ...report }, sink, 0, 3);
  sink.write('\n');
}

export function renderReportJson(report: Report): string {
  const sink = new StringSink();
  writeReportJson(report, sink);
  return sink.text();
}
