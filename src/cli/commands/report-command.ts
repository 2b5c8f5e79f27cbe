import { tracedText } from '../stitch-text';
import path from 'node:path';
import { stitchFlows } from '../../core/project/flows-stitch';
import { buildReport, TRACE_LIMIT } from '../../core/project/report';
import type { ReplayRequest } from '../../core/project/report-replay';
import type { ReportFileFormat } from '../../core/report/report-file';
import { writeReportFile } from '../../core/report/report-file-writer';
import type { Report } from '../../core/report/report-model';
import { DB_OPTION, DEFAULT_DB, listOption, parseArgv, stringOption } from '../argv';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';
import { withExistingProject } from '../existing-project';
import { traceRequestFromArgv } from './trace-command';

const USAGE = `usage: natlens report [--db FILE] --out FILE [--trace 'node=N,proto=P,src=S,dst=D,in=I'...]

Writes a report of the project for colleagues: the findings first, each with its evidence, the
replay that explains it and what would fix it; the Kubernetes services with their frontends,
endpoints and the kube-proxy rules behind them; the NAT flows with their hop timelines (the first
200); the nodes; the captures and how each was known. The format follows the extension of --out:
  .html   one self-contained page (no scripts, nothing fetched)
  .md     Markdown
  .pdf    PDF
  .json   the report's data as one JSON document
  --db FILE    the project database (default ./natlens.db)
  --out FILE   where to write the report
  --trace SPEC a replay to add to the report's Traces section (repeatable), as natlens trace's
               options joined by commas: node=N,proto=P,src=IP[:PORT],dst=IP[:PORT],in=IFACE
               or local instead of in=, and follow, snapshot=ID, bridge-nf=on|off as wanted`;

const FORMATS: readonly ReportFileFormat[] = ['html', 'md', 'pdf', 'json'];

function formatOf(out: string): ReportFileFormat {
  const ext = path.extname(out).slice(1).toLowerCase();
  const format = FORMATS.find((f) => f === ext);
  if (format === undefined) throw new UsageError(`--out ${JSON.stringify(out)}: unknown report format; name the file .html, .md, .pdf or .json`);
  return format;
}

/** `node=nodea,proto=tcp,src=...,dst=...,in=eth0,follow` → the replay natlens trace would run with those options. */
export function reportTraceOf(spec: string): ReplayRequest {
  const argv = spec.split(',').map((part) => part.trim()).filter((part) => part !== '').map((part) => `--${part}`);
  try {
    const { snapshot, request } = traceRequestFromArgv(argv);
    return {
      node: request.node, proto: request.proto, src: request.src ?? null, sport: request.sport ?? null, dst: request.dst, dport: request.dport ?? null,
      in: request.in ?? null, local: request.local === true, follow: request.follow, snapshot, bridgeNetfilter: request.bridgeNetfilter ?? null,
    };
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`--trace ${JSON.stringify(spec)}: ${e.message}`);
    throw e;
  }
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write a report (html, md, pdf or json) of nodes, services, findings and flows',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(argv, { ...DB_OPTION, out: { type: 'string' }, trace: { type: 'string', multiple: true } }, false);
    const out = stringOption(args, 'out');
    if (out === undefined) throw new UsageError('report needs --out FILE');
    const format = formatOf(out);
    const specs = listOption(args, 'trace');
    if (specs.length > TRACE_LIMIT) throw new UsageError(`at most ${TRACE_LIMIT} --trace options`);
    const traces = specs.map(reportTraceOf);
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const read = withExistingProject(dbPath, io, (store): Report | null => {
      if (store.listNodes().length === 0) return null;
      const stitched = stitchFlows(store);
      if (stitched.recomputed) io.stderr(`stitched ${stitched.packets} packets and ${stitched.conntrack} conntrack entries into ${stitched.flows} flows${tracedText(stitched)}\n`);
      for (const w of stitched.warnings) io.stderr(`warning: ${w}\n`);
      return buildReport(store, { traces });
    });
    if (read === 'rejected') return EXIT_REJECTED;
    const report = read.value;
    if (report === null) {
      io.stderr(`natlens: ${dbPath} holds no captures yet: run natlens import first\n`);
      return EXIT_REJECTED;
    }
    try {
      writeReportFile(report, format, out);
    } catch (e) {
      // The file system's refusals (ENOENT, EACCES, ENOSPC...); a rendering error is a bug and surfaces as one.
      if (!(e instanceof Error && 'code' in e)) throw e;
      io.stderr(`natlens: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_REJECTED;
    }
    const s = report.summary;
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
    io.stderr(`wrote ${out}: ${n(s.nodes, 'node')}, ${n(s.captures, 'capture')}, ${n(s.findings, 'finding')}, ${n(s.flows, 'flow')}${report.flows.capped ? ` (${report.flows.shown.length} listed)` : ''}\n`);
    return EXIT_OK;
  },
};
