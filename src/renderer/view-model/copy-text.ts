/**
 * What "copy" puts on the clipboard, as text an engineer pastes into a terminal or a ticket: a flow's
 * tuple, a flow as a tcpdump filter that catches its packets on either side of NAT, a trace as the
 * `natlens trace` command that replays it, a rule as iptables-save prints it.
 */
import type { FlowRowJson, TupleJson } from '../../shared/contract/flow-json';
import type { TraceQuery } from './route';
import { tupleText } from './flow-table';

/** A word the shell leaves alone is written bare; anything else in single quotes. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,[\]-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `tcp 10.40.1.3:40001 → 10.96.0.10:80` */
export function flowTupleCopy(flow: Pick<FlowRowJson, 'proto' | 'original'>): string {
  return `${flow.proto} ${tupleText(flow.original)}`;
}

function sideFilter(dir: 'src' | 'dst', address: string, port: number | null): string {
  return port === null ? `${dir} host ${address}` : `${dir} host ${address} and ${dir} port ${port}`;
}

function directionFilter(t: TupleJson): string {
  return `(${sideFilter('src', t.src, t.sport)} and ${sideFilter('dst', t.dst, t.dport)})`;
}

/**
 * A tcpdump filter for the flow's packets: its original tuple and, when NAT rewrote it, its reply
 * tuple, each in both directions — so one filter catches it before and after NAT on every node.
 */
export function flowTcpdumpFilter(flow: Pick<FlowRowJson, 'proto' | 'original' | 'reply'>): string {
  const o = flow.original;
  const r = flow.reply;
  const reversed = (t: TupleJson): TupleJson => ({ src: t.dst, sport: t.dport, dst: t.src, dport: t.sport });
  const tuples: TupleJson[] = [o, reversed(o)];
  const natted = r.src !== o.dst || r.dst !== o.src || r.sport !== o.dport || r.dport !== o.sport;
  if (natted) tuples.push(r, reversed(r));
  const proto = /^\d+$/.test(flow.proto) ? `proto ${flow.proto}` : flow.proto === 'ipv6-icmp' ? 'icmp6' : flow.proto;
  return `${proto} and (${tuples.map(directionFilter).join(' or ')})`;
}

/** The trace the form shows, as the command line that replays it (CONTRACT.md `## trace`). */
export function traceCommand(q: TraceQuery): string {
  const args = ['natlens', 'trace', '--node', shellWord(q.node), '--proto', q.proto];
  if (q.src !== '') args.push('--src', shellWord(q.src));
  args.push('--dst', shellWord(q.dst));
  if (q.arrival.kind === 'in') args.push('--in', shellWord(q.arrival.iface));
  else args.push('--local');
  if (q.follow) args.push('--follow');
  if (q.snapshot !== null) args.push('--snapshot', String(q.snapshot));
  if (!q.bridgeNetfilter) args.push('--bridge-nf', 'off');
  return args.join(' ');
}
