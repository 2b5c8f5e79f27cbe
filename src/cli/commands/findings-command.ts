import type { ProjectFinding } from '../../core/diagnose/finding';
import { projectFindings } from '../../core/project/findings';
import { unlistedFlows } from '../../core/diagnose/flow-finding-summary';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { withExistingProject } from '../existing-project';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';

const USAGE = `usage: natlens findings [--db FILE] [--json] [--snapshot ID]

Lists what is wrong or suspicious in the project, most severe first: each finding with the captured
lines that prove it and, where a replay explains it, the natlens trace command that shows it.
Flows are stitched first when the captures changed.
  --db FILE      the project database (default ./natlens.db)
  --json         print the findings as one JSON array on stdout
  --snapshot ID  judge that ruleset snapshot (see natlens rulesets) instead of the node's newest`;

/** The finding's replay as a `natlens trace` command line. */
export function traceCommandLine(f: ProjectFinding): string | null {
  const t = f.trace;
  if (t === null) return null;
  const where = 'local' in t ? '--local' : `--in ${t.in}`;
  return `natlens trace --node ${t.node} --proto ${t.proto} --src ${t.src} --dst ${t.dst} ${where} --follow`;
}

function printFinding(f: ProjectFinding, io: CliIo): void {
  io.stdout(`${f.severity.toUpperCase().padEnd(7)} ${f.title}  [${f.kind}]\n`);
  io.stdout(`        ${f.explanation}\n`);
  if (f.flows.length > 0) io.stdout(`        flows: ${f.flows.join(', ')}${unlistedFlows(f) > 0 ? ` and ${unlistedFlows(f)} more` : ''}\n`);
  for (const e of f.evidence) io.stdout(`        ${e.source}  ${e.text}\n`);
  const trace = traceCommandLine(f);
  if (trace !== null) io.stdout(`        replay: ${trace}\n`);
  io.stdout('\n');
}

export const findingsCommand: CliCommand = {
  name: 'findings',
  summary: 'list what is wrong in the project, with the rules, packets and replay that prove it',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(argv, { ...DB_OPTION, json: { type: 'boolean' }, snapshot: { type: 'string' } }, false);
    const snapshotText = stringOption(args, 'snapshot');
    const snapshot = snapshotText === undefined ? null : Number(snapshotText);
    if (snapshot !== null && !(Number.isInteger(snapshot) && snapshot > 0)) throw new UsageError('--snapshot takes a capture id');
    const read = withExistingProject(stringOption(args, 'db') ?? DEFAULT_DB, io, (store) => projectFindings(store, { snapshot }));
    if (read === 'rejected') return EXIT_REJECTED;
    const findings = read.value;
    if (flagOption(args, 'json')) {
      io.stdout(`${JSON.stringify(findings)}\n`);
      return EXIT_OK;
    }
    if (findings.length === 0) io.stdout('no findings\n');
    for (const f of findings) printFinding(f, io);
    const counts = (['error', 'warning', 'info'] as const).map((s) => {
      const n = findings.filter((f) => f.severity === s).length;
      return `${n} ${s}${s === 'info' || n === 1 ? '' : 's'}`;
    });
    if (findings.length > 0) io.stderr(`${counts.join(', ')}\n`);
    return EXIT_OK;
  },
};
