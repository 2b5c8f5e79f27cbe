/**
 * The NAT picture of the flow detail as plain data: the layout (shared/contract's, the one the HTML
 * report draws) from the flow and its divergence answer, and what opening a hop shows — its packets
 * among those loaded and the rules that made (or, on a reply, undid) its changes, with their file:line.
 */
import type { FlowDivergenceJson } from '../../shared/contract/flow-divergence-json';
import type { FlowDetailJson, NatRewriteJson, ObservationJson } from '../../shared/contract/flow-json';
import { changeText, layoutNatPicture, type NatPicture, type PictureArrow, type PictureStatus } from '../../shared/contract/nat-picture';
import { tunnelSentence } from '../../shared/contract/tunnel-text';
import { clockText, tupleText } from './flow-table';

export const STATUS_LABEL: Readonly<Record<PictureStatus, string>> = {
  agree: 'agrees with the replay',
  differs: 'differs from the replay',
  missing: 'not captured where the replay sends it',
  unobserved: 'no capture here',
  unpredicted: 'not predicted by the replay',
};

export function natPictureOf(detail: FlowDetailJson, divergence: FlowDivergenceJson | null): NatPicture {
  const comparison = divergence?.kind === 'replayed' ? divergence.comparison : null;
  return layoutNatPicture({ hops: detail.timeline.hops, rewrites: detail.timeline.rewrites, conntrack: detail.timeline.conntrack, comparison });
}

export interface HopRule {
  key: string;
  /** `DNAT on nodeb` or `undoes MASQUERADE of nodeb`. */
  title: string;
  /** `nat/KUBE-SEP-…` or `conntrack`. */
  by: string;
  /** `nodeb/iptables-save.txt:40`; null when only conntrack shows the rewrite. */
  source: string | null;
  rule: string | null;
  note: string | null;
}

export interface HopPacket {
  key: string;
  time: string;
  flags: string;
  length: string;
  source: string;
}

export interface HopDetail {
  title: string;
  tuple: string;
  changes: string[];
  explanation: string;
  status: string | null;
  rules: HopRule[];
  /** A change with no rule: conntrack or the captures alone show it. */
  unexplained: string | null;
  packets: HopPacket[];
  /** `3 of 7 packets loaded`, when the page of observations holds fewer than the hop had. */
  packetsNote: string | null;
}

/** Short text for an arrow's focus/aria label: `Hop 2: nodeb · cbr0, original, dst … → …`. */
export function arrowLabel(p: NatPicture, a: PictureArrow, n: number): string {
  const lane = p.lanes[a.to]!.label;
  const changes = a.changes.length === 0 ? 'unchanged' : a.changes.map(changeText).join('; ');
  const tunnel = a.tunnel === null ? '' : `, in ${a.tunnel}`;
  return `Hop ${n + 1}: ${lane}${tunnel}, ${a.direction}, ${a.packets} packet${a.packets === 1 ? '' : 's'}, ${changes}${a.firstDivergence ? ', first difference from the replay' : ''}`;
}

const sameTuple = (o: ObservationJson, t: PictureArrow['tuple']): boolean =>
  o.packet.src === t.src && o.packet.sport === t.sport && o.packet.dst === t.dst && o.packet.dport === t.dport;

function ruleOf(r: NatRewriteJson, i: number, undo: boolean): HopRule {
  const kind = r.kind.toUpperCase();
  return {
    key: `${i}`,
    title: undo ? `undoes ${kind} of ${r.node} (conntrack reverses it for the reply)` : `${kind} on ${r.node} → ${r.to}`,
    by: r.chain !== null ? `${r.table ?? 'nat'}/${r.chain}` : 'conntrack',
    source: r.source ?? (r.line === null ? null : `${r.node} line ${r.line}`),
    rule: r.rule,
    note: r.note,
  };
}

export function hopDetail(p: NatPicture, arrowIndex: number, detail: FlowDetailJson): HopDetail | null {
  const a = p.arrows[arrowIndex];
  if (a === undefined) return null;
  const hop = detail.timeline.hops[a.hop];
  if (hop === undefined) return null;
  // A kernel trace's point shows its trace lines: the one that shows the tuple and the nat rule's that made it.
  const traced = hop.trace === undefined ? null : new Set([hop.trace.source, ...(hop.trace.rule === null ? [] : [hop.trace.rule.source])]);
  const mine = detail.observations.filter((o) => traced !== null
    ? o.kind === 'kernel-trace' && traced.has(o.source)
    : o.kind === 'packet' && o.node === hop.node && o.interface === hop.interface && o.netns === hop.netns && o.direction === hop.direction && sameTuple(o, a.tuple));
  const rules = a.rewrites.map((i) => ruleOf(detail.timeline.rewrites[i]!, i, a.direction === 'reply'));
  return {
    title: `Hop ${arrowIndex + 1} · ${p.lanes[a.to]!.label} · ${a.direction}`,
    tuple: tupleText(a.tuple),
    changes: a.changes.map(changeText),
    explanation: hop.tunnel ? `${a.explanation} · ${tunnelSentence(hop.tunnel)}` : a.explanation,
    status: a.status === null ? null : `${STATUS_LABEL[a.status]}${a.firstDivergence ? ' (first difference)' : ''}`,
    rules,
    unexplained: a.changes.length > 0 && rules.length === 0 ? 'No captured rule or conntrack entry of this flow makes this change.' : null,
    packets: mine.map((o, i) => ({
      key: `${i}`, time: clockText(o.alignedTime ?? o.time), flags: o.tcpFlags ?? '', length: o.length === null ? '' : `${o.length}`, source: o.source,
    })),
    packetsNote: traced === null && mine.length < a.packets ? `${mine.length} of ${a.packets} packets loaded (the packet list pages through all of them)` : null,
  };
}
