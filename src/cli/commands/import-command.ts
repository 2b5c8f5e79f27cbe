import { importPaths } from '../../core/import/import-paths';
import { prewarmDumpReader } from '../../core/import/dump-reader-thread';
import type { ImportReport } from '../../core/import/import-report';
import { Store } from '../../core/model/store';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';
import { ProgressLine } from '../progress-line';

const USAGE = `usage: natlens import [--db FILE] [--node NAME] [--interface IFACE] [--json] PATH...

Imports capture files, folders (one node per sub-folder), terminal transcripts, Markdown
documents, pcap/pcapng files and .tar.gz/.tgz/.zip archives of them (a \`natlens collect\`
tarball is one node, named by its manifest) into the project database (default ./natlens.db).
  --db FILE     the project database (created on first import)
  --node NAME   store every capture of this call under node NAME
  --interface IFACE
                the interface every packet capture of this call was taken on, where the
                capture itself, the tcpdump command that made it and its file name do not say
  --json        print the import report as one JSON document on stdout`;

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'import captures, transcripts and pcaps into the project',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(argv, { ...DB_OPTION, node: { type: 'string' }, interface: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (args.positionals.length === 0) throw new UsageError('import needs at least one PATH');
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const json = flagOption(args, 'json');
    const iface = interfaceOption(args);
    let report: ImportReport;
    let store: Store | null = null;
    const progress = new ProgressLine(io);
    // A large dump's reader thread starts while the project opens.
    prewarmDumpReader(args.positionals);
    try {
      store = Store.open(dbPath, { onWaitForWriter: () => io.stderr(`natlens: another process is writing ${dbPath}; waiting for it to finish
`) });
      report = importPaths(store, args.positionals, { node: stringOption(args, 'node') ?? null, interface: iface, onProgress: (p) => progress.update(p) });
    } catch (e) {
      report = { nodes: [], warnings: [], errors: [{ source: dbPath, message: e instanceof Error ? e.message : String(e) }], files: [] };
    } finally {
      progress.end();
      store?.close();
    }
    printReport(report, json, io);
    return report.errors.length > 0 ? EXIT_REJECTED : EXIT_OK;
  },
};

function interfaceOption(args: Parameters<typeof stringOption>[0]): string | null {
  const iface = stringOption(args, 'interface');
  if (iface === undefined) return null;
  // Linux interface names: 1-15 bytes, no '/', no whitespace (dev_valid_name); `any` is not one interface.
  if (!/^[^\s/:]{1,15}$/.test(iface) || iface === 'any' || iface === '.' || iface === '..') {
    throw new UsageError(`--interface: "${iface}" is not an interface name`);
  }
  return iface;
}

function printReport(report: ImportReport, json: boolean, io: CliIo): void {
  for (const w of report.warnings) {
    const span = w.lines && w.lines[1] !== w.lines[0] ? ` (lines ${w.lines[0]}-${w.lines[1]})` : '';
    io.stderr(`natlens: warning: ${w.source}: ${w.message}${span}\n`);
  }
  for (const e of report.errors) io.stderr(`natlens: error: ${e.source}: ${e.message}\n`);
  for (const f of report.files) {
    if (f.dataLines > f.readDataLines) {
      io.stderr(`natlens: ${f.file}: ${f.readDataLines} of ${f.dataLines} lines that look like data read; ${f.warnedDataLines} warned about above\n`);
    }
  }
  if (json) {
    io.stdout(`${JSON.stringify(report)}\n`);
    return;
  }
  for (const node of report.nodes) {
    io.stdout(`${node.name}: ${node.captures.length} new capture${node.captures.length === 1 ? '' : 's'}\n`);
    for (const c of node.captures) {
      const netns = c.netns ? ` [netns ${c.netns}]` : '';
      io.stdout(`  ${c.kind}${netns}: ${c.records} records from ${c.source}${c.takenAt ? ` (taken ${c.takenAt})` : ''}\n`);
    }
  }
  const cluster = report.cluster ?? [];
  if (cluster.length > 0) {
    io.stdout(`cluster (no node): ${cluster.length} new capture${cluster.length === 1 ? '' : 's'}\n`);
    for (const c of cluster) io.stdout(`  ${c.kind}: ${c.records} records from ${c.source}\n`);
  }
}
