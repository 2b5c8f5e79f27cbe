/**
 * The Flows tab as plain data: a page of the flow table (never more than the page the server sent)
 * and one flow's detail — the hop timeline with its pre-/post-NAT explanation, the rewrites with
 * the rules that made them, TCP events and conntrack entries.
 */
import type { FlowDetailJson, FlowPageJson, FlowRowJson, FlowTcpJson, TupleJson } from '../../shared/contract/flow-json';
import { tunnelLabel, tunnelSentence } from '../../shared/contract/tunnel-text';

export const FLOW_PAGE_SIZE = 100;

export interface FlowTableRow {
  id: number;
  proto: string;
  original: string;
  reply: string;
  nat: string[];
  service: string;
  packets: string;
  firstSeen: string;
  /** The full timestamp, for a tooltip. */
  firstSeenFull: string;
  evidence: 'observed' | 'inferred';
  evidenceNote: string;
}

export interface PageInfo {
  label: string;
  prevOffset: number | null;
  nextOffset: number | null;
}

const DASH = '—';

function end(ip: string, port: number | null): string {
  if (port === null) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function tupleText(t: TupleJson): string {
  return `${end(t.src, t.sport)} → ${end(t.dst, t.dport)}`;
}

/** `22:43:45.667900` from a nanosecond ISO time: the table shows the time of day, the tooltip all of it. */
/**
 * A full time, unless the capture never said the date: tcpdump's default timestamps are a time of day,
 * read as seconds since midnight of 1970-01-01. Those show as the time of day, said to be undated.
 */
export function whenText(iso: string | null): string {
  if (iso === null) return DASH;
  return iso.startsWith('1970-01-01T') ? `${clockText(iso)} (the capture gives no date)` : iso;
}

export function clockText(iso: string | null): string {
  if (iso === null) return DASH;
  const m = /T(\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?/.exec(iso);
  return m ? `${m[1]}${m[2] === undefined ? '' : `.${m[2].padEnd(6, '0')}`}` : iso;
}

function evidenceOf(f: FlowRowJson): Pick<FlowTableRow, 'evidence' | 'evidenceNote'> {
  switch (f.evidence) {
    case 'conntrack':
      return { evidence: 'observed', evidenceNote: 'tied by a captured conntrack entry' };
    case 'packets':
      return { evidence: 'observed', evidenceNote: 'one tuple pair seen in packets, no NAT to tie' };
    case 'inferred':
      return { evidence: 'inferred', evidenceNote: 'tied by replaying the rules or by TCP sequence numbers, not observed' };
    case 'kernel-trace':
      return { evidence: 'observed', evidenceNote: 'the kernel\'s own trace of its packets; no conntrack entry or captured packet' };
    default:
      return { evidence: 'inferred', evidenceNote: f.evidence };
  }
}

export function flowTableRow(f: FlowRowJson): FlowTableRow {
  return {
    id: f.id,
    proto: f.proto.toUpperCase(),
    original: tupleText(f.original),
    reply: tupleText(f.reply),
    nat: f.nat.map((n) => n.toUpperCase()),
    service: f.service ?? DASH,
    packets: f.packets.toLocaleString('en-US'),
    firstSeen: clockText(f.firstSeen),
    firstSeenFull: f.firstSeen ?? 'no packet time (conntrack only)',
    ...evidenceOf(f),
  };
}

export function flowTableRows(page: FlowPageJson): FlowTableRow[] {
  return page.flows.map(flowTableRow);
}

export function pageInfo(total: number, offset: number, shown: number, size = FLOW_PAGE_SIZE): PageInfo {
  const fmt = (n: number): string => n.toLocaleString('en-US');
  return {
    label: total === 0 ? 'no flows' : `${fmt(offset + 1)}–${fmt(offset + shown)} of ${fmt(total)}`,
    prevOffset: offset > 0 ? Math.max(0, offset - size) : null,
    nextOffset: offset + shown < total ? offset + shown : null,
  };
}

// ---- one flow ----------------------------------------------------------------------------

export interface HopLine {
  key: string;
  /** Seconds after the flow's first hop, on the reference clock: `+0.000183 s`. */
  at: string;
  node: string;
  iface: string;
  direction: string;
  tuple: string;
  /** `pre-NAT`, `post-NAT`, `reply before de-NAT`, `reply after de-NAT`, or none. */
  stage: string | null;
  explanation: string;
  packets: string;
  /** The tunnel the hop's packets were seen in, short (`VXLAN 1`) as the packet list says it, '' when none; `tunnelFull` says between which nodes. */
  tunnel: string;
  tunnelFull: string;
}

export interface RewriteLine {
  key: string;
  node: string;
  kind: string;
  before: string;
  after: string;
  where: string;
  rule: string | null;
  evidence: string;
  note: string | null;
}

export interface FlowDetailView {
  title: string;
  nat: string[];
  facts: Array<{ label: string; value: string }>;
  tcp: string[];
  tcpWarning: string | null;
  hops: HopLine[];
  rewrites: RewriteLine[];
  conntrack: string[];
  notes: string[];
  observations: string;
  /** What the hop timeline says when no capture point saw the flow: what else shows it. */
  noHops: string;
}

function stageOf(explanation: string): { stage: string | null; rest: string } {
  const m = /^(pre-NAT|post-NAT|reply before de-NAT|reply after de-NAT): (.*)$/.exec(explanation);
  return m ? { stage: m[1]!, rest: m[2]! } : { stage: null, rest: explanation };
}

function ms(from: number | null, to: number | null): string | null {
  return from === null || to === null ? null : `+${((to - from) * 1000).toFixed(3)} ms`;
}

export function tcpLines(tcp: FlowTcpJson | null): { lines: string[]; warning: string | null } {
  if (tcp === null) return { lines: [], warning: null };
  const lines = [
    // synCount counts sightings (one SYN seen on five interfaces is five); retransmissions says whether it was resent.
    tcp.synAt === null ? 'no SYN captured' : 'SYN',
    tcp.synAckAt === null ? null : `SYN-ACK ${ms(tcp.synAt, tcp.synAckAt) ?? ''}`.trim(),
    tcp.establishedAt === null ? null : `established ${ms(tcp.synAt, tcp.establishedAt) ?? ''}`.trim(),
    tcp.finAt === null ? null : `FIN ${ms(tcp.synAt, tcp.finAt) ?? ''}`.trim(),
    tcp.rstAt === null ? null : `RST ${ms(tcp.synAt, tcp.rstAt) ?? ''}`.trim(),
    tcp.retransmissions > 0 ? `${tcp.retransmissions} retransmission${tcp.retransmissions === 1 ? '' : 's'}` : null,
  ].filter((x): x is string => x !== null);
  return { lines, warning: tcp.oneSided ? 'One-sided: SYNs without a SYN-ACK — the server never answered where it was captured.' : null };
}

export function flowDetailView(d: FlowDetailJson): FlowDetailView {
  const t0 = d.timeline.hops.reduce((m, h) => Math.min(m, h.alignedFirstTime), Infinity);
  const tcp = tcpLines(d.tcp);
  const packets = d.observations.filter((o) => o.kind === 'packet').length;
  return {
    title: `Flow ${d.id} · ${d.proto.toUpperCase()} ${tupleText(d.original)}`,
    nat: d.nat.map((n) => n.toUpperCase()),
    facts: [
      { label: 'Reply', value: tupleText(d.reply) },
      { label: 'Service', value: d.service ?? DASH },
      { label: 'Evidence', value: `${evidenceOf(d).evidence} (${evidenceOf(d).evidenceNote})` },
      { label: 'Packets', value: d.packets.toLocaleString('en-US') },
      { label: 'First seen', value: whenText(d.firstSeen) },
      { label: 'Last seen', value: whenText(d.lastSeen) },
    ],
    tcp: tcp.lines,
    tcpWarning: tcp.warning,
    hops: d.timeline.hops.map((h, i) => {
      const { stage, rest } = stageOf(h.explanation);
      return {
        key: `${i}`,
        at: Number.isFinite(t0) && h.trace?.dated !== false ? `+${(h.alignedFirstTime - t0).toFixed(6)} s` : DASH,
        node: h.node,
        iface: h.trace ? `${h.trace.hook} (kernel trace)` : `${h.interface ?? '?'}${h.netns === null ? '' : ` [${h.netns}]`}`,
        direction: h.direction === 'original' ? '→ original' : h.direction === 'reply' ? '← reply' : '? unknown',
        tuple: tupleText(h.after),
        stage,
        explanation: rest,
        packets: `×${h.packets}`,
        tunnel: h.tunnel ? tunnelLabel(h.tunnel) : '',
        tunnelFull: h.tunnel ? tunnelSentence(h.tunnel) : '',
      };
    }),
    rewrites: d.timeline.rewrites.map((r, i) => ({
      key: `${i}`,
      node: r.node,
      kind: r.kind.toUpperCase(),
      before: tupleText(r.before),
      after: tupleText(r.after),
      where: r.chain === null ? 'conntrack' : `${r.table ?? '?'}/${r.chain}${r.line === null ? '' : ` · line ${r.line}`}`,
      rule: r.rule,
      evidence: r.evidence,
      note: r.note,
    })),
    conntrack: d.timeline.conntrack.map((c) => `${c.node}: ${c.state ?? ''} ${tupleText(c.original)} ⇄ ${tupleText(c.reply)}${c.unreplied ? ' [UNREPLIED]' : ''}${c.assured ? ' [ASSURED]' : ''} (${c.source})`.replace(/: {2}/, ': ')),
    notes: d.timeline.notes,
    noHops: d.timeline.conntrack.length > 0
      ? 'No packet of this flow was captured: the conntrack entry below is all that shows it.'
      : d.observations.some((o) => o.kind === 'kernel-trace')
        ? 'No packet of this flow was captured: the kernel\'s trace of its packets below is all that shows it.'
        : 'No packet of this flow was captured.',
    observations: d.observationsOmitted > 0 ? `${packets} packets listed from #${d.observationsOffset + 1}, ${d.observationsOmitted.toLocaleString('en-US')} more not shown` : `${packets} packets`,
  };
}
