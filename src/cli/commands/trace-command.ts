import { traceProject } from '../../core/project/project-trace';
import { SimulateError, type Outcome, type TraceRequest, type TraceResult } from '../../core/simulate';
import { parseBridgeNetfilter, parseEndpoint as parseEndpointText, TRACE_PROTOS } from '../../shared/contract/trace-request';
import { DB_OPTION, DEFAULT_DB, flagOption, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { withExistingProject } from '../existing-project';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';

const USAGE = `usage: natlens trace [--db FILE] --node NAME --proto tcp|udp|icmp [--src IP[:PORT]] --dst IP[:PORT]
                    (--in IFACE | --local) [--follow] [--snapshot ID] [--bridge-nf on|off] [--json]

Replays one packet through the node's captured netfilter rules and routes, as the kernel would.
Where a decision rests on what the captures do not show, each branch is followed and its
outcome names what it assumed.
  --src IP[:PORT] required with --in; with --local it may be left out: the source is chosen
                 as the kernel does (the route's src, else the egress interface's primary address)
  --in IFACE     the packet arrives on IFACE (PREROUTING first)
  --local        the packet is sent by a process on the node (routing, then OUTPUT)
  --follow       continue onto the next imported node
  --snapshot ID  use the ruleset snapshot that iptables capture is part of (see natlens rulesets) instead of the newest
  --bridge-nf on|off
                 whether bridged frames cross iptables (br_netfilter, bridge-nf-call-iptables);
                 captures do not show it: without this flag it is assumed on, with a caveat
  --json         print the trace as one JSON document`;

/** `10.0.0.1`, `10.0.0.1:80`, `[fd00::1]:80`, `fd00::1`; the same reading as the UI's form (src/shared/contract/trace-request.ts). */
export function parseEndpoint(flag: string, value: string): { ip: string; port: number | null } {
  const endpoint = parseEndpointText(value);
  if (!endpoint.ok) throw new UsageError(`--${flag}: ${endpoint.message}`);
  return { ip: endpoint.ip, port: endpoint.port };
}

export function traceRequestFromArgv(argv: readonly string[]): { db: string; json: boolean; snapshot: number | null; request: TraceRequest } {
  const args = parseArgv(
    argv,
    {
      ...DB_OPTION,
      node: { type: 'string' }, proto: { type: 'string' }, src: { type: 'string' }, dst: { type: 'string' },
      in: { type: 'string' }, local: { type: 'boolean' }, follow: { type: 'boolean' },
      snapshot: { type: 'string' }, 'bridge-nf': { type: 'string' }, json: { type: 'boolean' },
    },
    false,
  );
  const required = (name: string): string => {
    const v = stringOption(args, name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  };
  const node = required('node');
  const proto = required('proto').toLowerCase();
  if (!(TRACE_PROTOS as readonly string[]).includes(proto)) throw new UsageError(`--proto must be one of ${TRACE_PROTOS.join(', ')}`);
  const iface = stringOption(args, 'in');
  const local = flagOption(args, 'local');
  if ((iface === undefined) === !local) throw new UsageError('give exactly one of --in IFACE and --local');
  const srcText = stringOption(args, 'src');
  if (srcText === undefined && !local) throw new UsageError('--src is required with --in (only --local may leave it out)');
  const src = srcText === undefined ? null : parseEndpoint('src', srcText);
  const dst = parseEndpoint('dst', required('dst'));
  const snapshotText = stringOption(args, 'snapshot');
  const snapshot = snapshotText === undefined ? null : Number(snapshotText);
  if (snapshot !== null && !(Number.isInteger(snapshot) && snapshot > 0)) throw new UsageError('--snapshot takes a capture id');
  const bridgeText = stringOption(args, 'bridge-nf');
  const bridgeNetfilter = bridgeText === undefined ? null : parseBridgeNetfilter(bridgeText);
  if (bridgeText !== undefined && bridgeNetfilter === null) throw new UsageError(`--bridge-nf takes on or off, not "${bridgeText}"`);
  return {
    db: stringOption(args, 'db') ?? DEFAULT_DB,
    json: flagOption(args, 'json'),
    snapshot,
    request: {
      node, proto, src: src?.ip ?? null, sport: src?.port ?? null, dst: dst.ip, dport: dst.port,
      in: iface ?? null, local, follow: flagOption(args, 'follow'),
      ...(bridgeNetfilter === null ? {} : { bridgeNetfilter }),
    },
  };
}

export const traceCommand: CliCommand = {
  name: 'trace',
  summary: 'replay a packet through the captured rules and routes',
  usage: USAGE,
  async run(argv, io) {
    const { db, json, snapshot, request } = traceRequestFromArgv(argv);
    const read = withExistingProject(db, io, (store) => {
      try {
        return traceProject(store, request, { snapshot });
      } catch (e) {
        // A request the captures contradict (an interface the node does not have): a usage error.
        if (e instanceof SimulateError && e.usage) throw new UsageError(e.message);
        throw e;
      }
    });
    if (read === 'rejected') return EXIT_REJECTED;
    const result = read.value;
    if (json) io.stdout(`${JSON.stringify(result)}\n`);
    else printTrace(result, io);
    return EXIT_OK;
  },
};

function printTrace(result: TraceResult, io: CliIo): void {
  const { input } = result;
  const port = (p: number | null): string => (p === null ? '' : `:${p}`);
  io.stdout(
    `${input.proto} ${input.src}${port(input.sport)} → ${input.dst}${port(input.dport)} on ${input.node}` +
      `${input.local ? ' (sent locally)' : ` (in ${input.in})`}\n`,
  );
  const sets = new Set(result.outcomes.map((o) => JSON.stringify(o.assumptions))).size;
  if (sets > 1) io.stdout(`the captures leave ${sets} sets of assumptions open; the shares within each set sum to 100%\n`);
  result.outcomes.forEach((o: Outcome, i) => {
    io.stdout(`\n#${i + 1}  ${(o.probability * 100).toFixed(1)}%  ${o.verdict.toUpperCase()}  ${o.summary}\n`);
    for (const s of o.steps) io.stdout(`    ${s.node} ${s.table}/${s.chain}: ${s.policy ? `policy ${s.target}` : s.rule}\n`);
    if (o.reason) io.stdout(`    reason: ${o.reason}\n`);
    const onPath = new Set(o.assumptionsOnPath);
    const ofSet = o.assumptions.length - onPath.size;
    o.assumptions.forEach((a, k) => {
      if (onPath.has(k)) io.stdout(`    assumes: ${a.assumed} (${a.about}${a.source ? `; ${a.source}` : ''})\n`);
    });
    if (ofSet > 0) io.stdout(`    and ${ofSet} more that the other outcomes of its set rest on (see --json)\n`);
    for (const c of o.caveats) io.stdout(`    caveat: ${c}\n`);
  });
}
