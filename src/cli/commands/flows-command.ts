import { stitchFlows } from '../../core/project/flows-stitch';
import { isoFromSeconds } from '../../core/flows/flow-text';
import { captureTwins, clockOffsets, flowViewsByIds, forEachFlowView, type FlowListOptions, type FlowView } from '../../core/project/flows';
import { flowFilterProblemText, parseFlowFilter } from '../../core/flows/flow-filter';
import { matchingFlowIds } from '../../core/project/flows-filter-page';
import { tupleText } from '../../core/flows/flow-timeline';
import type { Store } from '../../core/model/store';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { withExistingProject } from '../existing-project';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';

const USAGE = `usage: natlens flows [--db FILE] [--json] [--restitch] [--limit N] [--observations N] [--filter EXPR]

Stitches captured packets (every interface, every node) and conntrack entries into NAT-aware
flows and prints them in the order they were first seen, with each flow's hops, rewrites and the
rules that made them. Flows are recomputed only when the captures changed.
  --db FILE          the project database (default ./natlens.db)
  --json             print them as one JSON array on stdout
  --restitch         recompute even if the captures did not change
  --limit N          at most N flows
  --observations N   at most N observations per flow (the rest are counted, not listed)
  --filter EXPR      only flows with a packet tcpdump would show for EXPR, before or after NAT
                     (host 10.40.0.6 and port 8080, net 10.40.0.0/16, not port 53, service NAME)`;

/** Flows read from the store at a time when a filter chose them. */
const FILTERED_PAGE = 500;

function count(args: ReturnType<typeof parseArgv>, name: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} needs a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

export const flowsCommand: CliCommand = {
  name: 'flows',
  summary: 'stitch packets and conntrack into NAT-aware flows across interfaces and nodes',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(
      argv,
      { ...DB_OPTION, json: { type: 'boolean' }, restitch: { type: 'boolean' }, limit: { type: 'string' }, observations: { type: 'string' }, filter: { type: 'string' } },
      false,
    );
    const limit = count(args, 'limit');
    const observations = count(args, 'observations');
    const filterText = stringOption(args, 'filter');
    const parsed = parseFlowFilter(filterText ?? '');
    if (!parsed.ok) throw new UsageError(`--filter does not read at ${flowFilterProblemText(parsed.problem)}`);
    const filter = parsed.filter;
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const done = withExistingProject(dbPath, io, (store) => {
      const summary = stitchFlows(store, {
        force: flagOption(args, 'restitch'),
        progress: io.stderrIsTty ? (pass, done) => io.stderr(`\r${pass} ${done.toLocaleString('en-US')} packets`) : undefined,
      });
      if (summary.recomputed) {
        io.stderr(`${io.stderrIsTty ? '\r' : ''}stitched ${summary.packets} packets and ${summary.conntrack} conntrack entries into ${summary.flows} flows in ${summary.seconds.toFixed(2)} s\n`);
      }
      for (const w of summary.warnings) io.stderr(`warning: ${w}\n`);
      const options = { ...(limit === undefined ? {} : { limit }), ...(observations === undefined ? {} : { observations }) };
      const eachFlow = (each: (flow: FlowView) => void, listOptions: FlowListOptions): void => {
        if (filter === null) return forEachFlowView(store, each, listOptions);
        const ids = matchingFlowIds(store, filter).slice(0, listOptions.limit ?? Infinity);
        for (let i = 0; i < ids.length; i += FILTERED_PAGE) flowViewsByIds(store, ids.slice(i, i + FILTERED_PAGE), listOptions.observations ?? -1).forEach(each);
      };
      if (flagOption(args, 'json')) {
        // Streamed flow by flow: a million observations never sit in one string.
        let first = true;
        io.stdout('[');
        eachFlow((flow) => {
          io.stdout(`${first ? '' : ','}\n${JSON.stringify(flow)}`);
          first = false;
        }, options);
        io.stdout(first ? ']\n' : '\n]\n');
      } else {
        printClock(store, io);
        printCaptureNotes(store, io);
        let any = false;
        eachFlow((flow) => {
          any = true;
          printFlow(flow, io);
        }, { observations: 0, ...options });
        if (!any) io.stdout(filter === null ? 'no flows: import packet captures (pcap, tcpdump) or conntrack -L first\n' : 'no flow matches the filter\n');
      }
    });
    return done === 'rejected' ? EXIT_REJECTED : EXIT_OK;
  },
};

function printClock(store: Store, io: CliIo): void {
  const clock = clockOffsets(store);
  if (clock.length < 2) return;
  io.stdout('clocks (aligned on packets seen on two nodes):\n');
  for (const c of clock) {
    io.stdout(c.node === c.reference ? `  ${c.node}: reference\n` : `  ${c.node}: ${c.offsetSeconds >= 0 ? '+' : ''}${c.offsetSeconds.toFixed(6)} s vs ${c.reference} (${c.samples} shared segments)\n`);
  }
  io.stdout('\n');
}

const clockOf = (iso: string | null): string => (iso === null ? '-' : iso.slice(11, 26));

function printFlow(f: FlowView, io: CliIo): void {
  const nat = f.nat.length ? ` [${f.nat.join('+')}]` : '';
  io.stdout(`flow ${f.id}  ${f.proto}  ${tupleText(f.original)}  ⇄  ${tupleText(f.reply)}${nat}${f.service ? `  ${f.service}` : ''}  (${f.evidence}, ${f.packets} packets)\n`);
  const t = f.tcp;
  if (t) {
    const parts = [
      t.synAt !== null ? `SYN ${clockOf(isoFromSeconds(t.synAt))}` : 'no SYN captured',
      t.handshakeMs !== null ? `handshake ${t.handshakeMs} ms` : null,
      t.durationMs !== null ? `closed after ${t.durationMs} ms (${t.finAt !== null ? 'FIN' : 'RST'})` : null,
      t.retransmissions ? `${t.retransmissions} retransmissions` : null,
      t.oneSided ? 'ONE-SIDED (no SYN-ACK)' : null,
    ].filter(Boolean);
    io.stdout(`  tcp: ${parts.join(', ')}\n`);
  }
  for (const r of f.timeline.rewrites) {
    const where = r.chain ? `${r.table}/${r.chain}` : 'conntrack';
    io.stdout(`  ${r.node} ${r.kind.toUpperCase()} ${tupleText(r.before)} → ${tupleText(r.after)}  by ${where}${r.rule ? `: ${r.rule}` : ''}${r.note ? `  (${r.note})` : ''}\n`);
  }
  for (const h of f.timeline.hops) {
    const at = `${h.node} ${h.interface ?? '?'}${h.netns ? ` [${h.netns}]` : ''}`;
    io.stdout(`  ${clockOf(isoFromSeconds(h.alignedFirstTime))}  ${at.padEnd(18)} ${tupleText(h.after).padEnd(48)} ${h.explanation} ×${h.packets}\n`);
  }
  for (const c of f.timeline.conntrack) {
    io.stdout(`  conntrack ${c.node}: ${c.state ?? ''} ${tupleText(c.original)} ⇄ ${tupleText(c.reply)}${c.unreplied ? ' [UNREPLIED]' : ''}${c.assured ? ' [ASSURED]' : ''}  (${c.source})\n`);
  }
  for (const n of f.timeline.notes) io.stdout(`  note: ${n}\n`);
  io.stdout('\n');
}


/** Twin captures (counted once) and captures whose undated times were placed by inference. */
function printCaptureNotes(store: Store, io: CliIo): void {
  const lines: string[] = [];
  const source = (id: number): string => {
    const c = store.capture(id);
    return c === null ? `capture ${id}` : c.kind === 'pcap' || c.firstLine === null ? c.sourceFile : `${c.sourceFile}:${c.firstLine}`;
  };
  for (const t of captureTwins(store)) {
    if (t.twinOf !== null && t.packets > 0 && t.duplicates === t.packets) lines.push(`  ${source(t.captureId)}: the same packets as ${source(t.twinOf)}, counted once`);
    if (t.timeBasis !== null) lines.push(`  ${source(t.captureId)}: prints no date; times placed by ${t.timeBasis.replace('-', ' ')} (inferred)`);
  }
  if (lines.length === 0) return;
  io.stdout(`captures:\n${lines.join('\n')}\n\n`);
}
