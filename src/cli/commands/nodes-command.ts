import { listNodes } from '../../core/project/nodes';
import type { NodeView } from '../../core/views/nodes';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { withExistingProject } from '../existing-project';
import { EXIT_OK, EXIT_REJECTED, type CliCommand } from '../command';
import { EDIT_OPTIONS, editOf, runEdit } from './node-edits';

const USAGE = `usage: natlens nodes [--db FILE] [--json]
       natlens nodes [--db FILE] [--json] EDIT

Lists the project's nodes with the interfaces and routes composed from all their captures (each replacing
only what it covers), and where two captures of the same thing disagree.
  --db FILE   the project database (default ./natlens.db)
  --json      print them as one JSON array on stdout (with an EDIT: {"undo", "summary", "notes"})

EDIT changes the project and prints the command that undoes it (only the newest edit can be undone; the
next import forgets them all):
  --rename NODE --to NAME       rename a node
  --merge NODE --into NODE2     move NODE's captures to NODE2 and remove NODE
  --delete NODE                 delete a node and its captures
  --delete-capture ID           delete one capture (ids as \`natlens nodes\` lists them)
  --move-capture ID --to NODE   move a capture to another node (created when there is none)
  --rename-capture ID --to NAME name a capture ("label" in --json; its source file:line stays)
  --unname-capture ID           take a capture's name away
  --undo UNDO-ID                undo the newest edit`;

export const nodesCommand: CliCommand = {
  name: 'nodes',
  summary: 'list nodes, their interfaces, routes and captures',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(argv, { ...DB_OPTION, json: { type: 'boolean' }, ...EDIT_OPTIONS }, false);
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const edit = editOf(args);
    if (edit !== null) return runEdit(dbPath, edit, flagOption(args, 'json'), io);
    const read = withExistingProject(dbPath, io, listNodes);
    if (read === 'rejected') return EXIT_REJECTED;
    const nodes = read.value;
    if (flagOption(args, 'json')) io.stdout(`${JSON.stringify(nodes)}\n`);
    else printNodes(nodes, io);
    return EXIT_OK;
  },
};

function printNodes(nodes: readonly NodeView[], io: CliIo): void {
  if (nodes.length === 0) io.stdout('no nodes yet: run natlens import\n');
  for (const node of nodes) {
    io.stdout(`${node.name}\n`);
    for (const i of node.interfaces) {
      const extra = [i.state, i.master ? `master ${i.master}` : null, i.peer ? `peer ${i.peer}` : null, i.knownFrom === 'bridge' ? 'from the bridge capture' : null]
        .filter(Boolean)
        .join(', ');
      io.stdout(`  ${i.name.padEnd(16)} ${i.addresses.join(' ') || '-'}${extra ? `  (${extra})` : ''}\n`);
    }
    for (const r of node.routes) {
      io.stdout(`  route ${r.dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.metric !== null ? ` metric ${r.metric}` : ''}\n`);
    }
    for (const r of node.rules) {
      const selector = [r.not ? 'not' : null, `from ${r.from ?? 'all'}`, r.to ? `to ${r.to}` : null, r.iif ? `iif ${r.iif}` : null,
        r.oif ? `oif ${r.oif}` : null, r.fwmark ? `fwmark ${r.fwmark}` : null, ...r.other].filter(Boolean).join(' ');
      const action = r.action === 'lookup' ? `lookup ${r.table ?? '?'}` : r.action === 'goto' ? `goto ${r.goto ?? 'none'}` : r.action;
      const suppress = r.suppressPrefixLength === null ? '' : ` suppress_prefixlength ${r.suppressPrefixLength}`;
      io.stdout(`  rule ${r.priority}: ${selector} ${action}${suppress}\n`);
    }
    for (const n of node.neighbours) {
      io.stdout(`  neighbour ${n.address}${n.dev ? ` dev ${n.dev}` : ''}${n.lladdr ? ` lladdr ${n.lladdr}` : ''}${n.state ? ` ${n.state}` : ''}\n`);
    }
    for (const e of node.fdb) {
      io.stdout(`  fdb ${e.mac}${e.dev ? ` dev ${e.dev}` : ''}${e.master ? ` master ${e.master}` : ''}${e.dst ? ` dst ${e.dst}` : ''}${e.self ? ' self' : ''}${e.state ? ` ${e.state}` : ''}\n`);
    }
    for (const c of node.captures) {
      io.stdout(`  capture ${c.id}: ${c.kind}${c.netns ? ` [netns ${c.netns}]` : ''} from ${c.source}${c.takenAt ? ` taken ${c.takenAt}` : ''}\n`);
    }
    for (const c of node.conflicts) {
      io.stdout(`  conflict: ${c.about} ${c.subject}: ${c.sources[0]} shows ${c.says[0]}, ${c.sources[1]} shows ${c.says[1]}; ${c.resolution}\n`);
    }
  }
}
