import fs from 'node:fs';
import path from 'node:path';
import { stitchFlows } from '../../core/flows/flow-engine';
import { buildReport } from '../../core/report/build-report';
import { renderReportFile, type ReportFileFormat } from '../../core/report/report-file';
import type { Report } from '../../core/report/report-model';
import { DB_OPTION, DEFAULT_DB, parseArgv, stringOption } from '../argv';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';
import { withExistingProject } from '../existing-project';

const USAGE = `usage: natlens report [--db FILE] --out FILE

Writes a report of the project for colleagues: nodes with their interfaces, bridges and routes,
Kubernetes services and endpoints, findings with their evidence, and the NAT flows (the first
200). The format follows the extension of --out:
  .html   one self-contained page (no scripts, nothing fetched)
  .md     Markdown
  .pdf    PDF
  .json   the report's data as one JSON document
  --db FILE    the project database (default ./natlens.db)
  --out FILE   where to write the report`;

const FORMATS: readonly ReportFileFormat[] = ['html', 'md', 'pdf', 'json'];

function formatOf(out: string): ReportFileFormat {
  const ext = path.extname(out).slice(1).toLowerCase();
  const format = FORMATS.find((f) => f === ext);
  if (format === undefined) throw new UsageError(`--out ${JSON.stringify(out)}: unknown report format; name the file .html, .md, .pdf or .json`);
  return format;
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write a report (html, md, pdf or json) of nodes, services, findings and flows',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(argv, { ...DB_OPTION, out: { type: 'string' } }, false);
    const out = stringOption(args, 'out');
    if (out === undefined) throw new UsageError('report needs --out FILE');
    const format = formatOf(out);
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const read = withExistingProject(dbPath, io, (store): Report | null => {
      if (store.listNodes().length === 0) return null;
      const stitched = stitchFlows(store);
      if (stitched.recomputed) io.stderr(`stitched ${stitched.packets} packets and ${stitched.conntrack} conntrack entries into ${stitched.flows} flows\n`);
      return buildReport(store);
    });
    if (read === 'rejected') return EXIT_REJECTED;
    const report = read.value;
    if (report === null) {
      io.stderr(`natlens: ${dbPath} holds no captures yet: run natlens import first\n`);
      return EXIT_REJECTED;
    }
    const file = renderReportFile(report, format);
    const content = file.kind === 'text' ? file.text : file.bytes;
    try {
      fs.writeFileSync(out, content);
    } catch (e) {
      io.stderr(`natlens: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_REJECTED;
    }
    const s = report.summary;
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
    io.stderr(`wrote ${out}: ${n(s.nodes, 'node')}, ${n(s.captures, 'capture')}, ${n(s.findings, 'finding')}, ${n(s.flows, 'flow')}${report.flows.capped ? ` (${report.flows.shown.length} listed)` : ''}\n`);
    return EXIT_OK;
  },
};
