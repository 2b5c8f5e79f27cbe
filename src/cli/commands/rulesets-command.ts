import type { ChainChange, ServiceChange } from '../../core/correlate/ruleset-diff';
import { rulesetHistory, type RulesetHistory, type RulesetHistorySnapshot } from '../../core/project/ruleset-history';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { withExistingProject } from '../existing-project';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';

const USAGE = `usage: natlens rulesets [--db FILE] --node NAME [--json]

Shows how the node's iptables rules changed between its captures (before / after in a transcript):
rules added and removed per chain, policy changes, kube-proxy services and endpoints that came or went.
Captures of one state of the rules make one snapshot together (single-chain listings, a table, a grep, a
\`-L -n\` beside a \`-L -n -v\`); a new snapshot starts only where the captures show a change (a command
that changed the rules, or a later capture that differs on what both show). Only chains both snapshots
show in full are compared: a chain one of them never showed is not shown, not added or removed.
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
  const what = `${s.family === 'ipv6' ? 'ip6 ' : ''}${s.kind}${s.tables.length > 0 ? ` [${s.tables.join(', ')}]` : ''}`;
  return `capture ${s.captureId}: ${what} from ${s.source}${s.takenAt ? ` taken ${s.takenAt}` : ''}${s.partial ? ' (partial)' : ''}`;
}

function startLine(s: RulesetHistorySnapshot): string | null {
  const start = s.startedBy;
  switch (start.kind) {
    case 'first':
      return null;
    case 'command':
      return `  new snapshot: the rules were changed by ${start.notes.map((n) => `\`${n.command}\` (${n.source})`).join(', ')}`;
    case 'differs':
      return `  new snapshot: shows ${start.chains.join(', ')} unlike the captures before`;
    default: {
      const never: never = start;
      return never;
    }
  }
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
  io.stdout(`${h.node}: ${h.snapshots.length} iptables snapshot(s); each is compared with the one before it, on the chains both show in full\n`);
  const byId = new Map(h.snapshots.map((s) => [s.captureId, s]));
  for (const s of h.snapshots) {
    io.stdout(`\n${snapshotLine(s)}\n`);
    for (const c of s.captures) io.stdout(`  ${c.command ? `$ ${c.command}` : c.source}  [${c.shows}]\n`);
    const start = startLine(s);
    if (start !== null) io.stdout(`${start}\n`);
    if (s.previous === null) {
      io.stdout('  first snapshot: nothing to compare with\n');
      continue;
    }
    const before = byId.get(s.previous);
    io.stdout(`  compared with capture ${s.previous}${before ? ` (${before.source})` : ''}\n`);
    const change = h.changes.find((c) => c.to === s.captureId && c.from === s.previous);
    if (change === undefined) {
      io.stdout('  no change\n');
      continue;
    }
    for (const c of change.diff.chains) for (const line of chainLines(c)) io.stdout(`${line}\n`);
    if (change.diff.services.length > 0) {
      io.stdout('  services\n');
      for (const sv of change.diff.services) io.stdout(`  ${serviceLine(sv)}\n`);
    }
  }
}
