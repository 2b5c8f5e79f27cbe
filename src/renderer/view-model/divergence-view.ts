/**
 * The divergence view as plain data: the replay's predicted points beside the captured sightings,
 * one line each, the first difference marked and the differing fields of a packet flagged.
 */
import type { DivergenceRowJson, DivergenceStatusJson, FlowDivergenceJson } from '../../shared/contract/flow-divergence-json';
import type { TupleJson } from '../../shared/contract/flow-json';
import { findingTraceQuery } from './findings-view';
import { formatRoute } from './route';

export interface Segment {
  text: string;
  /** This part differs from the other side. */
  changed: boolean;
}

export interface DivergenceLine {
  key: string;
  status: DivergenceStatusJson;
  label: string;
  first: boolean;
  /** `nodea · cbr0 → eth0` on the first line of each predicted hop; null on the others. */
  hop: string | null;
  predicted: { where: string; packet: Segment[] } | null;
  captured: { where: string; packet: Segment[]; packets: number; explanation: string } | null;
}

export type DivergenceModel =
  | { kind: 'not-replayed'; reason: string }
  | {
      kind: 'replayed';
      start: string;
      why: string;
      /** `#/trace?...`: the same replay in the Trace tab. */
      traceHref: string | null;
      outcome: string | null;
      headline: string;
      diverges: boolean;
      lines: DivergenceLine[];
      notes: string[];
    };

const LABELS: Record<DivergenceStatusJson, string> = {
  agree: 'agrees',
  differs: 'differs',
  missing: 'not captured',
  unobserved: 'no capture here',
  unpredicted: 'not predicted',
};

const end = (addr: string, port: number | null): [string, string | null] => [port !== null && addr.includes(':') ? `[${addr}]` : addr, port === null ? null : `:${port}`];

/** `10.40.1.3:40001 → 10.96.0.10:80` in parts, those named in `fields` flagged. */
export function packetSegments(t: TupleJson, fields: readonly string[]): Segment[] {
  const [src, sport] = end(t.src, t.sport);
  const [dst, dport] = end(t.dst, t.dport);
  const out: Segment[] = [{ text: src, changed: fields.includes('src') }];
  if (sport !== null) out.push({ text: sport, changed: fields.includes('sport') });
  out.push({ text: ' → ', changed: false }, { text: dst, changed: fields.includes('dst') });
  if (dport !== null) out.push({ text: dport, changed: fields.includes('dport') });
  return out;
}

function hopLabels(rows: readonly DivergenceRowJson[]): Map<number, string> {
  const ends = new Map<number, { node: string; in: string | null; out: string | null }>();
  for (const r of rows) {
    const p = r.predicted;
    if (p === null) continue;
    const e = ends.get(p.hop) ?? { node: p.node, in: null, out: null };
    if (p.side === 'in') e.in = p.interface;
    else e.out = p.interface;
    ends.set(p.hop, e);
  }
  return new Map([...ends].map(([hop, e]) => [hop, `${e.node} · ${e.in ?? 'local'} → ${e.out ?? '(ends here)'}`]));
}

export function divergenceModel(view: FlowDivergenceJson): DivergenceModel {
  if (view.kind === 'not-replayed') return { kind: 'not-replayed', reason: view.reason };
  const c = view.comparison;
  const labels = hopLabels(c?.rows ?? []);
  const labelled = new Set<number>();
  const lines: DivergenceLine[] = (c?.rows ?? []).map((r, i) => {
    const hop = r.predicted !== null && !labelled.has(r.predicted.hop) ? (labelled.add(r.predicted.hop), labels.get(r.predicted.hop) ?? null) : null;
    return {
      key: String(i),
      status: r.status,
      label: LABELS[r.status],
      first: c?.firstDivergence === i,
      hop,
      predicted: r.predicted === null ? null : { where: `${r.predicted.node} ${r.predicted.interface} (${r.predicted.side === 'in' ? 'arriving' : 'leaving'})`, packet: packetSegments(r.predicted.packet, r.fields) },
      captured: r.captured === null ? null : {
        where: `${r.captured.node} ${r.captured.interface ?? '(interface not known)'}${r.also.length > 0 ? `, also on ${r.also.map((a) => a.interface ?? '(interface not known)').join(', ')}` : ''}`, packet: packetSegments(r.captured.packet, r.fields), packets: r.captured.packets, explanation: r.captured.explanation,
      },
    };
  });
  const notes: string[] = [];
  if (view.replies > 0) notes.push(`${view.replies === 1 ? '1 reply packet is' : `${view.replies} reply packets are`} not compared: the replay follows the first packet only.`);
  if (view.outcomes > 1 && c !== null) notes.push(`The replay has ${view.outcomes} outcomes; shown is the one the captures bear out best.`);
  const s = view.start;
  const startText = `${s.node}, ${s.local ? 'sent by the node' : `arriving on ${s.in}`}: ${packetSegments(s.packet, []).map((p) => p.text).join('')}`;
  return {
    kind: 'replayed',
    start: startText,
    why: view.why,
    traceHref: view.trace === null ? null : formatRoute({ tab: 'trace', trace: findingTraceQuery(view.trace) }),
    outcome: c === null ? null : `Outcome ${c.outcome + 1} of ${view.outcomes} (${Math.round(c.probability * 100)}%) · ${c.verdict} · ${c.summary}`,
    headline: c === null ? 'The replay produced no outcome to compare.' : c.headline,
    diverges: c !== null && c.firstDivergence !== null,
    lines,
    notes,
  };
}
