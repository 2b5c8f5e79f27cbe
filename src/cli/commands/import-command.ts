import { tracedText } from '../stitch-text';
import { clipText } from '../../core/common/clip-text';
import type { ImportReport } from '../../core/import/import-report';
import type { Store } from '../../core/model/store';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';
import { importOnWorker, type ImportJobRequest } from '../../shared/backend/import-job';
import { isCancelled } from '../../core/common/cancellation';
import fs from 'node:fs';
import path from 'node:path';
import { ProgressLine } from '../progress-line';
import { startDumpReaderEarly } from '../../core/import/dump-reader-start';

const USAGE = `usage: natlens import [--db FILE] [--node NAME] [--interface IFACE] [--no-stitch] [--json] PATH...

Imports capture files, folders, terminal transcripts, Markdown documents, pcap/pcapng files
and .tar.gz/.tgz/.zip archives of them (a \`natlens collect\` tarball is one node, named by its
manifest) into the project database (default ./natlens.db). In a folder PATH, a sub-folder is one
node named after it; a sub-folder named like nodes/, captures/ or a date that holds only folders
groups nodes: each of its sub-folders is one node (lab/nodes/nodea/, lab/nodea/pcaps/ → nodea;
lab/text/iptables.save → text); files directly in PATH go to a node named after PATH. It
then stitches the project's flows (so \`flows\`, reports and the Flows tab only read them; Ctrl-C while
stitching keeps the imported captures and the flows stored before).
  --db FILE     the project database (created on first import)
  --node NAME   store every capture of this call under node NAME
  --interface IFACE
                the interface every packet capture of this call was taken on, where the
                capture itself, the tcpdump command that made it and its file name do not say
  --no-stitch   leave the flows to be stitched when they are first read (several imports in a row)
  --json        print the import report as one JSON document on stdout`;

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'import captures, transcripts and pcaps into the project',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(argv, { ...DB_OPTION, node: { type: 'string' }, interface: { type: 'string' }, json: { type: 'boolean' }, 'no-stitch': { type: 'boolean' } }, true);
    if (args.positionals.length === 0) throw new UsageError('import needs at least one PATH');
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const json = flagOption(args, 'json');
    const iface = interfaceOption(args);
    const request = { dbPath, paths: args.positionals, node: stringOption(args, 'node') ?? null, interface: iface, stitch: !flagOption(args, 'no-stitch') };
    const progress = new ProgressLine(io);
    let report: ImportReport;
    try {
      report = await runImport(request, io, progress);
    } catch (e) {
      if (!isCancelled(e)) throw e;
      io.stderr(`natlens: ${e.message}\n`);
      return EXIT_INTERRUPTED;
    } finally {
      progress.end();
    }
    printReport(report, json, io);
    return report.errors.length > 0 ? EXIT_REJECTED : EXIT_OK;
  },
};

/** Where the bundled CLI keeps its import worker (out/cli); absent when run from source. */
function importWorkerScript(): string | null {
  const script = path.join(__dirname, 'import-worker.cjs');
  return fs.existsSync(script) ? script : null;
}

/**
 * The import on a worker thread when the bundle has one, so this thread hears Ctrl-C: the import then
 * rolls back the file it was reading and rejects with CancelledError. From source it runs here, uninterruptible.
 */
async function runImport(request: ImportJobRequest & { dbPath: string }, io: CliIo, progress: ProgressLine): Promise<ImportReport> {
  const waiting = (): void => io.stderr(`natlens: another process is writing ${request.dbPath}; waiting for it to finish\n`);
  const failed = (e: unknown): ImportReport => ({ nodes: [], warnings: [], errors: [{ source: request.dbPath, message: e instanceof Error ? e.message : String(e) }], files: [] });
  const script = importWorkerScript();
  if (script === null) {
    // The importer is evaluated only here: with a worker, this thread leaves it to the worker (~0.1 s of start-up).
    const [{ importPaths }, { prewarmDumpReader }, { Store: ProjectStore }] = await Promise.all([
      import('../../core/import/import-paths'), import('../../core/import/dump-reader-thread'), import('../../core/model/store'),
    ]);
    // A large dump's reader thread starts while the project opens.
    prewarmDumpReader(request.paths);
    let store: Store | null = null;
    try {
      store = ProjectStore.open(request.dbPath, { onWaitForWriter: waiting });
      return importPaths(store, request.paths, {
        node: request.node ?? null, interface: request.interface ?? null, onProgress: (p) => progress.update(p),
        stitch: request.stitch !== false, onStitchProgress: (pass, packets) => progress.stitching(pass, packets),
      });
    } catch (e) {
      return failed(e);
    } finally {
      store?.close();
    }
  }
  const interrupts = new AbortController();
  const listening = io.onInterrupt?.(() => interrupts.abort()) ?? null;
  try {
    // A large dump named here is being read while the import worker loads: that is most of an import's start-up.
    return await importOnWorker(script, { ...request, dumpReader: startDumpReaderEarly(request.paths) }, {
      onProgress: (p) => progress.update(p), onStitchProgress: (pass, packets) => progress.stitching(pass, packets), onWaiting: waiting, signal: interrupts.signal,
    });
  } catch (e) {
    if (isCancelled(e)) throw e;
    return failed(e);
  } finally {
    listening?.dispose();
  }
}

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
  const warnedSpans = warnedBlocks(report.warnings);
  for (const f of report.files) {
    if (f.dataLines > f.readDataLines) {
      io.stderr(`natlens: ${f.file}: ${f.readDataLines} of ${f.dataLines} lines that look like data read; ${f.warnedDataLines} warned about above\n`);
    }
    const kept = keptText(f, warnedSpans);
    if (kept !== null) io.stderr(`natlens: ${f.file}: ${kept}\n`);
  }
  const flows = report.flows;
  if (flows !== undefined) {
    for (const w of flows.warnings) io.stderr(`natlens: warning: ${w}\n`);
    if (flows.recomputed) io.stderr(`natlens: stitched ${flows.packets} packets and ${flows.conntrack} conntrack entries into ${flows.flows} flows${tracedText(flows)} in ${flows.seconds.toFixed(2)} s\n`);
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

/** `file:first-last` of every warning that names its lines: the blocks already warned about. */
function warnedBlocks(warnings: ImportReport['warnings']): Set<string> {
  return new Set(warnings.filter((w) => w.lines !== undefined).map((w) => `${w.source.slice(0, w.source.lastIndexOf(':'))}:${w.lines![0]}-${w.lines![1]}`));
}

/** Blocks listed by name in the line about what a file kept as text; `import --json` lists every one. */
const KEPT_NAMED = 5;

/**
 * What of `file` was kept as text without a warning (outputs of commands natlens does not read, text it does not
 * recognise), so that a terminal user learns of it as a JSON reader does; null when nothing was. A block a warning
 * already covered (a capture that failed to parse) is not named again.
 */
function keptText(file: ImportReport['files'][number], warned: ReadonlySet<string>): string | null {
  const blocks = file.kept.filter((b) => !warned.has(`${file.file}:${b.lines[0]}-${b.lines[1]}`));
  if (blocks.length === 0) return null;
  const where = (b: (typeof blocks)[number]): string => (b.lines[0] === b.lines[1] ? `line ${b.lines[0]}` : `lines ${b.lines[0]}-${b.lines[1]}`);
  const named = blocks.slice(0, KEPT_NAMED).map((b) => (b.command === null ? `text not recognised as a capture (${where(b)})` : `\`${clipText(b.command, 60)}\` (${where(b)})`));
  const more = blocks.length > KEPT_NAMED ? `, and ${blocks.length - KEPT_NAMED} more (\`import --json\` lists them)` : '';
  return `${blocks.length} block${blocks.length === 1 ? '' : 's'} kept as text, not read: ${named.join(', ')}${more}`;
}
