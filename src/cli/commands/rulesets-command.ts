import type { ChainChange, ServiceChange } from '../../core/correlate/ruleset-diff';
import { rulesetHistory, type RulesetHistory, type RulesetHistorySnapshot } from '../../core/correlate/ruleset-history';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { withExistingProject } from '../existing-project';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';

const USAGE = `usage: natlens rulesets [--db FILE] --node NAME [--json]

Shows how the node's iptables rules changed between its captures (before / after in a transcript):
rules added and removed per chain, policy changes, kube-proxy services and endpoints that came or went.
Only like is compared with like: a snapshot is diffed against the previous one of the same kind and
tables (a \`-t nat -L\` listing is never the "after" of a filter listing), and a piped listing
(\`| grep ...\`) only against one piped the same way.
  --db FILE    the project database (default ./natlens.db)
  --node NAME  the node
  --json       print the timeline as one JSON document`;

export const rulesetsCommand: CliCommand = {
  name: 'rulesets',
  summary: "show what changed between a node's iptables captures",
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(argv, { ...DB_OPTION, node: { type: 'string' }, json: { type: 'boolean' } }, false);
    const node = stringOption(args, 'node');
    if (node === undefined) throw new UsageError('--node is required');
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const read = withExistingProject(dbPath, io, (store) => rulesetHistory(store, node));
    if (read === 'rejected') return EXIT_REJECTED;
    const history = read.value;
    if (history === null) {
      io.stderr(`natlens: no node "${node}" in ${dbPath} (see natlens nodes)\n`);
      return EXIT_REJECTED;
    }
    if (flagOption(args, 'json')) io.stdout(`${JSON.stringify(history)}\n`);
    else printHistory(history, io);
    return EXIT_OK;
  },
};

function snapshotLine(s: RulesetHistorySnapshot): string {
  const what = `${s.kind}${s.tables.length > 0 ? ` [${s.tables.join(', ')}]` : ''}`;
  return `capture ${s.captureId}: ${what} from ${s.source}${s.takenAt ? ` taken ${s.takenAt}` : ''}${s.partial ? ' (partial)' : ''}`;
}

function chainLines(c: ChainChange): string[] {
  const head = `  ${c.table}/${c.chain}${c.change === 'changed' ? '' : ` (chain ${c.change})`}`;
  const lines = [head];
  if (c.policyBefore !== c.policyAfter && c.policyBefore !== null && c.policyAfter !== null) lines.push(`    policy ${c.policyBefore} → ${c.policyAfter}`);
  for (const r of c.rulesRemoved) lines.push(`    - ${r}`);
  for (const r of c.rulesAdded) lines.push(`    + ${r}`);
  return lines;
}

function serviceLine(s: ServiceChange): string {
  switch (s.change) {
    case 'added':
      return `  + ${s.service}${s.endpointsAdded.length > 0 ? ` (endpoints ${s.endpointsAdded.join(', ')})` : ' (no endpoints)'}`;
    case 'removed':
      return `  - ${s.service}${s.endpointsRemoved.length > 0 ? ` (endpoints ${s.endpointsRemoved.join(', ')})` : ''}`;
    case 'changed': {
      const parts = [...s.endpointsAdded.map((e) => `+${e}`), ...s.endpointsRemoved.map((e) => `-${e}`)];
      return `  ~ ${s.service} endpoints ${parts.join(' ')}`;
    }
    default: {
      const never: never = s.change;
      return never;
    }
  }
}

function printHistory(h: RulesetHistory, io: CliIo): void {
  if (h.snapshots.length === 0) {
    io.stdout(`${h.node}: no iptables captures\n`);
    return;
  }
  io.stdout(`${h.node}: ${h.snapshots.length} iptables snapshot(s); each is compared with the previous one of the same kind, tables and pipeline\n`);
  const byId = new Map(h.snapshots.map((s) => [s.captureId, s]));
  for (const s of h.snapshots) {
    io.stdout(`\n${snapshotLine(s)}\n`);
    if (s.command) io.stdout(`  $ ${s.command}\n`);
    if (s.previous === null) {
      const pipe = s.pipeline;
      io.stdout(pipe === '' ? '  first snapshot of its kind: nothing to compare with\n' : `  a filtered listing (| ${pipe}): compared only with an earlier one filtered alike; there is none\n`);
      continue;
    }
    const before = byId.get(s.previous);
    io.stdout(`  compared with capture ${s.previous}${before ? ` (${before.source})` : ''}\n`);
    const change = h.changes.find((c) => c.to === s.captureId && c.from === s.previous);
    if (change === undefined) {
      io.stdout('  no change\n');
      continue;
    }
    if (change.diff.partial) io.stdout('  note: a partial listing (grep, one chain or table): "removed" may only mean "not shown"\n');
    for (const c of change.diff.chains) for (const line of chainLines(c)) io.stdout(`${line}\n`);
    if (change.diff.services.length > 0) {
      io.stdout('  services\n');
      for (const sv of change.diff.services) io.stdout(`  ${serviceLine(sv)}\n`);
    }
  }
}
