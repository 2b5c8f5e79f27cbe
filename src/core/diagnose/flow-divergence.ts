/**
 * The divergence view's comparison: the replay's predicted path of a flow's first packet, point by
 * point (each hop's ingress with the packet as it arrives, its egress with the packet as it leaves),
 * against the flow's captured original-direction sightings — where they agree, and the first point
 * where they differ. Pure: the replay and the timeline come in as data.
 *
 * A bridge and its ports are one place (a capture on cbr0 sees what its veths carry), so the caller
 * passes `place`. A predicted point the captures do not show is only a difference when the same
 * place did capture this connection (its replies, say); elsewhere nothing was listening.
 */
import type { TupleView } from '../views/flow-timeline';
import type { CapturedPoint, DivergenceRow, OutcomeComparison, PointStatus, PredictedPoint, TupleField } from '../views/flow-divergence';

export type { CapturedPoint, DivergenceRow, OutcomeComparison, PointStatus, PredictedPoint };

export const DIFFERENT: ReadonlySet<PointStatus> = new Set(['differs', 'missing', 'unpredicted']);

const FIELDS: readonly TupleField[] = ['src', 'sport', 'dst', 'dport'];

/** What the comparison reads of one replay outcome (core's Outcome fits). */
export interface ReplayOutcomeInput {
  probability: number;
  verdict: string;
  summary: string;
  hops: ReadonlyArray<{ node: string; in: string | null; out: string | null; before: TupleView; after: TupleView }>;
}

/** What the comparison reads of one captured sighting (core's TimelineHop fits). */
export interface CapturedHopInput {
  node: string;
  interface: string | null;
  netns: string | null;
  direction: 'original' | 'reply' | 'unknown';
  after: TupleView;
  packets: number;
  alignedFirstTime: number;
  explanation: string;
}

export interface CompareOptions {
  /** The place an interface stands for (its bridge when it is a bridge port); default: itself. */
  place?: (node: string, iface: string) => string;
}

const unknownInterface = (iface: string | null): boolean => iface === null || iface === 'any';

const endText = (addr: string, port: number | null): string => (port === null ? addr : `${addr.includes(':') ? `[${addr}]` : addr}:${port}`);
export const tupleLine = (t: TupleView): string => `${endText(t.src, t.sport)} → ${endText(t.dst, t.dport)}`;

function differingFields(a: TupleView, b: TupleView): TupleField[] {
  return FIELDS.filter((f) => a[f] !== b[f]);
}

export function predictedPoints(outcome: ReplayOutcomeInput): PredictedPoint[] {
  const points: PredictedPoint[] = [];
  outcome.hops.forEach((h, hop) => {
    if (h.in !== null) points.push({ hop, node: h.node, interface: h.in, side: 'in', packet: h.before });
    if (h.out !== null) points.push({ hop, node: h.node, interface: h.out, side: 'out', packet: h.after });
  });
  return points;
}

const capturedOf = (h: CapturedHopInput): CapturedPoint => ({
  node: h.node, interface: h.interface, packet: h.after, packets: h.packets, time: h.alignedFirstTime, explanation: h.explanation,
});

/** Compares one outcome's path with the captured sightings. */
export function compareOutcome(outcome: ReplayOutcomeInput, index: number, hops: readonly CapturedHopInput[], options: CompareOptions = {}): OutcomeComparison {
  const place = options.place ?? ((_node: string, iface: string) => iface);
  const captured = hops
    .filter((h) => h.direction === 'original' && h.netns === null)
    .sort((a, b) => a.alignedFirstTime - b.alignedFirstTime);
  // Places that captured this connection at all, in either direction.
  const covered = new Set(hops.filter((h) => h.netns === null && !unknownInterface(h.interface)).map((h) => `${h.node}|${place(h.node, h.interface!)}`));
  const points = predictedPoints(outcome);
  const samePlace = (p: PredictedPoint, c: CapturedHopInput): boolean =>
    c.node === p.node && !unknownInterface(c.interface) && place(c.node, c.interface!) === place(p.node, p.interface);
  const matched = new Map<number, { hop: number; status: 'agree' | 'differs' }>();
  const used = new Set<number>();
  // Exact sightings first, so a point whose packet was captured is never left to one that was not.
  points.forEach((p, i) => {
    const k = captured.findIndex((c, j) => !used.has(j) && (samePlace(p, c) || (c.node === p.node && unknownInterface(c.interface))) && differingFields(p.packet, c.after).length === 0);
    if (k >= 0) {
      used.add(k);
      matched.set(i, { hop: k, status: 'agree' });
    }
  });
  points.forEach((p, i) => {
    if (matched.has(i)) return;
    const k = captured.findIndex((c, j) => !used.has(j) && samePlace(p, c));
    if (k >= 0) {
      used.add(k);
      matched.set(i, { hop: k, status: 'differs' });
    }
  });
  const rows: DivergenceRow[] = points.map((p, i) => {
    const m = matched.get(i);
    if (m !== undefined) {
      const c = captured[m.hop]!;
      return { status: m.status, predicted: p, captured: capturedOf(c), also: [], fields: m.status === 'differs' ? differingFields(p.packet, c.after) : [] };
    }
    return { status: covered.has(`${p.node}|${place(p.node, p.interface)}`) ? 'missing' : 'unobserved', predicted: p, captured: null, also: [], fields: [] };
  });
  captured.forEach((c, j) => {
    if (used.has(j)) return;
    const k = points.findIndex((p, i) => rows[i]!.status === 'agree' && (samePlace(p, c) || (c.node === p.node && unknownInterface(c.interface))) && differingFields(p.packet, c.after).length === 0);
    if (k < 0) return;
    used.add(j);
    rows[k]!.also.push(capturedOf(c));
  });
  // Sightings the path does not explain go where their time puts them among the matched ones.
  captured.forEach((c, j) => {
    if (used.has(j)) return;
    let at = rows.length;
    let after = -1;
    rows.forEach((r, k) => {
      if (r.captured !== null && r.captured.time <= c.alignedFirstTime) after = k;
    });
    if (after >= 0) at = after + 1;
    else if (rows.some((r) => r.captured !== null)) at = rows.findIndex((r) => r.captured !== null);
    rows.splice(at, 0, { status: 'unpredicted', predicted: null, captured: capturedOf(c), also: [], fields: [] });
  });
  const first = rows.findIndex((r) => DIFFERENT.has(r.status));
  const agreed = rows.filter((r) => r.status === 'agree').length;
  return {
    outcome: index, probability: outcome.probability, verdict: outcome.verdict, summary: outcome.summary,
    rows, firstDivergence: first < 0 ? null : first, agreed, headline: headline(rows, first, agreed),
  };
}

function where(p: { node: string; interface: string | null }): string {
  return `${p.node} ${p.interface ?? '(interface not known)'}`;
}

function headline(rows: readonly DivergenceRow[], first: number, agreed: number): string {
  const row = rows[first];
  if (row === undefined) {
    if (agreed === 0) return 'No capture shows this packet where the replay takes it: nothing to compare.';
    return `The captures agree with the replay at ${agreed === 1 ? 'the one point' : agreed === 2 ? 'both points' : `all ${agreed} points`} they show.`;
  }
  switch (row.status) {
    case 'differs':
      return `First difference at ${where(row.predicted!)} (${row.predicted!.side === 'in' ? 'arriving' : 'leaving'}): the replay predicts ${tupleLine(row.predicted!.packet)}, the capture shows ${tupleLine(row.captured!.packet)}.`;
    case 'missing':
      return `First difference at ${where(row.predicted!)}: the replay sends ${tupleLine(row.predicted!.packet)} there, and the capture there shows this connection but not that packet.`;
    case 'unpredicted':
      return `First difference at ${where(row.captured!)}: the capture shows ${tupleLine(row.captured!.packet)} where the replay does not take the packet.`;
    case 'agree':
    case 'unobserved':
      return '';
    default: {
      const never: never = row.status;
      return never;
    }
  }
}

/**
 * Compares every outcome and keeps the one the captures bear out best (most agreeing points, then
 * the latest first difference, then the most probable): the branch this connection took.
 */
export function compareReplay(outcomes: readonly ReplayOutcomeInput[], hops: readonly CapturedHopInput[], options: CompareOptions = {}): OutcomeComparison | null {
  let best: OutcomeComparison | null = null;
  for (const [i, o] of outcomes.entries()) {
    const c = compareOutcome(o, i, hops, options);
    if (best === null || better(c, best)) best = c;
  }
  return best;
}

function better(a: OutcomeComparison, b: OutcomeComparison): boolean {
  if (a.agreed !== b.agreed) return a.agreed > b.agreed;
  const fa = a.firstDivergence ?? Number.POSITIVE_INFINITY;
  const fb = b.firstDivergence ?? Number.POSITIVE_INFINITY;
  if (fa !== fb) return fa > fb;
  return a.probability > b.probability;
}
