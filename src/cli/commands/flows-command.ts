import { tracedText } from '../stitch-text';
import { stitchFlows } from '../../core/project/flows-stitch';
import { isoFromSeconds } from '../../core/flows/flow-text';
import { captureTwins, clockOffsets, flowViews, flowViewsByIds, forEachFlowView, type FlowListOptions, type FlowView } from '../../core/project/flows';
import { flowFilterProblemText, parseFlowFilter } from '../../core/flows/flow-filter';
import { matchingFlowIds } from '../../core/project/flows-filter-page';
import { tupleText } from '../../core/flows/flow-timeline';
import { tunnelBeside } from '../../core/views/tunnel-text';
import type { Store } from '../../core/model/store';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { withExistingProjectAsync } from '../existing-project';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';
import { FlowStore } from '../../core/model/flow-store';
import { assertNever } from '../../core/common/assert-never';
import { thousands } from '../../core/common/thousands';

/** `--json` prints at most this many flows unless --limit says otherwise. */
export const JSON_PAGE = 10_000;
/** A flow of more packets lists each capture point's first and last packet by default. */
export const OBSERVATIONS_IN_FULL = 100;

const USAGE = `usage: natlens flows [--db FILE] [--json | --ndjson] [--restitch] [--limit N|all] [--offset N]
                    [--observations N|all] [--filter EXPR]

Prints the NAT-aware flows stitched from captured packets (every interface, every node) and
conntrack entries, in the order they were first seen, with each flow's hops, rewrites and the
rules that made them. \`natlens import\` stitches them; a project imported with --no-stitch (or by
an older natlens) is stitched here first.
  --db FILE          the project database (default ./natlens.db)
  --json             print them as one JSON array on stdout: at most ${thousands(JSON_PAGE)} flows unless
                     --limit says otherwise; stderr says how many more there are and how to get them
  --ndjson           print every flow (or --limit N of them) as one JSON object per line, streamed
                     in constant memory
  --restitch         recompute even if the captures did not change
  --limit N|all      at most N flows (all: every flow, also with --json)
  --offset N         skip the first N flows (the next page of --json)
  --observations N|all
                     with --json/--ndjson, a flow's observations: by default every packet of a flow
                     of at most ${OBSERVATIONS_IN_FULL} packets; above that, each capture point's (node, interface,
                     packet tuple) first and last packet, each with "point": {"position", "packets"}
                     (the flow says "observationsSummarised": true). N: its first N packets; all:
                     every packet. The rest are counted in "observationsOmitted", never dropped silently.
  --filter EXPR      only flows with a packet tcpdump would show for EXPR, before or after NAT
                     (host 10.40.0.6 and port 8080, net 10.40.0.0/16, not port 53, service NAME;
                     tunnel: seen inside a tunnel, tunnel vxlan|geneve|ipip|sit, vni N)`;

/** Flows read from the store at a time when a filter chose them. */
const FILTERED_PAGE = 500;

function count(args: ReturnType<typeof parseArgv>, name: string, all: boolean): number | 'all' | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  if (all && text === 'all') return 'all';
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} needs a whole number${all ? ' or all' : ''}, not ${JSON.stringify(text)}`);
  return Number(text);
}

type Output = 'text' | 'json' | 'ndjson';

export const flowsCommand: CliCommand = {
  name: 'flows',
  summary: 'stitch packets and conntrack into NAT-aware flows across interfaces and nodes',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgv(
      argv,
      {
        ...DB_OPTION, json: { type: 'boolean' }, ndjson: { type: 'boolean' }, restitch: { type: 'boolean' }, limit: { type: 'string' },
        offset: { type: 'string' }, observations: { type: 'string' }, filter: { type: 'string' },
      },
      false,
    );
    if (flagOption(args, 'json') && flagOption(args, 'ndjson')) throw new UsageError('--json and --ndjson are two ways of printing: choose one');
    const output: Output = flagOption(args, 'ndjson') ? 'ndjson' : flagOption(args, 'json') ? 'json' : 'text';
    const limitOption = count(args, 'limit', true);
    const offsetOption = count(args, 'offset', false);
    const offset = offsetOption === undefined || offsetOption === 'all' ? 0 : offsetOption;
    const observationsOption = count(args, 'observations', true);
    // A JSON array is one document a reader parses whole: paged unless asked for all of it.
    const limit = limitOption === 'all' ? Infinity : limitOption ?? (output === 'json' ? JSON_PAGE : Infinity);
    const observations: Pick<FlowListOptions, 'observations' | 'summariseAbove'> =
      output === 'text' ? { observations: 0 }
        : observationsOption === 'all' ? {}
          : observationsOption === undefined ? { summariseAbove: OBSERVATIONS_IN_FULL }
            : { observations: observationsOption };
    const filterText = stringOption(args, 'filter');
    const parsed = parseFlowFilter(filterText ?? '');
    if (!parsed.ok) throw new UsageError(`--filter does not read at ${flowFilterProblemText(parsed.problem)}`);
    const filter = parsed.filter;
    const dbPath = stringOption(args, 'db') ?? DEFAULT_DB;
    const done = await withExistingProjectAsync(dbPath, io, async (store) => {
      const summary = stitchFlows(store, {
        force: flagOption(args, 'restitch'),
        progress: io.stderrIsTty ? (pass, done) => io.stderr(`\r${pass} ${thousands(done)} packets`) : undefined,
      });
      if (summary.recomputed) {
        io.stderr(`${io.stderrIsTty ? '\r' : ''}stitched ${summary.packets} packets and ${summary.conntrack} conntrack entries into ${summary.flows} flows${tracedText(summary)} in ${summary.seconds.toFixed(2)} s\n`);
      }
      for (const w of summary.warnings) io.stderr(`warning: ${w}\n`);
      /** The chosen flows, read a page at a time as they are taken. */
      function* chosen(): Generator<FlowView> {
        if (filter === null) {
          yield* flowViews(store, { offset, ...(limit === Infinity ? {} : { limit }), ...observations });
          return;
        }
        const ids = matchingIds().slice(offset, offset + limit);
        for (let i = 0; i < ids.length; i += FILTERED_PAGE) {
          yield* flowViewsByIds(store, ids.slice(i, i + FILTERED_PAGE), observations.observations ?? -1, observations.summariseAbove);
        }
      }
      let matched: number[] | null = null;
      const matchingIds = (): number[] => (matched ??= filter === null ? [] : matchingFlowIds(store, filter));
      /** How many flows there are in all (after the filter). */
      const total = (): number => (filter === null ? new FlowStore(store).flowCount() : matchingIds().length);
      /** Streams the chosen flows at stdout's pace: a slow reader never makes this process hold what it has not read. */
      const eachFlow = async (each: (flow: FlowView) => void): Promise<void> => {
        for (const flow of chosen()) {
          each(flow);
          await io.stdoutDrained?.();
        }
      };
      switch (output) {
        case 'json': {
          // Streamed flow by flow: a million observations never sit in one string.
          let printed = 0;
          io.stdout('[');
          await eachFlow((flow) => {
            io.stdout(`${printed === 0 ? '' : ','}\n${JSON.stringify(flow)}`);
            printed++;
          });
          io.stdout(printed === 0 ? ']\n' : '\n]\n');
          const all = total();
          const more = all - offset - printed;
          if (more > 0 && printed > 0) {
            const shown = `${thousands(offset + 1)}–${thousands(offset + printed)}`;
            io.stderr(`natlens: printed flows ${shown} of ${thousands(all)}; ${thousands(more)} more: the next page with --offset ${offset + printed}, all of them with --limit all, or one per line in constant memory with --ndjson\n`);
          }
          return;
        }
        case 'ndjson':
          await eachFlow((flow) => io.stdout(`${JSON.stringify(flow)}\n`));
          return;
        case 'text': {
          printClock(store, io);
          printCaptureNotes(store, io);
          let any = false;
          await eachFlow((flow) => {
            any = true;
            printFlow(flow, io);
          });
          if (!any) io.stdout(filter === null ? 'no flows: import packet captures (pcap, tcpdump) or conntrack -L first\n' : 'no flow matches the filter\n');
          return;
        }
        default:
          return assertNever(output);
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
    const at = h.trace ? `${h.node} ${h.trace.hook}` : `${h.node} ${h.interface ?? '?'}${h.netns ? ` [${h.netns}]` : ''}`;
    const tunnel = h.tunnel ? `  ${tunnelBeside(h.tunnel)}` : '';
    // A trace point's lines may carry no date (dmesg's uptime): it is named by its line, in the explanation.
    const when = h.trace?.dated === false ? 'kernel trace'.padEnd(15) : clockOf(isoFromSeconds(h.alignedFirstTime));
    io.stdout(`  ${when}  ${at.padEnd(18)} ${tupleText(h.after).padEnd(48)} ${h.explanation} ×${h.packets}${tunnel}\n`);
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
