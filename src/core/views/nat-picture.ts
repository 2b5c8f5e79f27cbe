/**
 * A flow's NAT timeline as a picture, laid out once for every face that draws it (the renderer's SVG,
 * the HTML report's inline SVG): one lane per capture point (node · interface; a kernel trace's hook) in path order, one arrow
 * per sighting in time order with the fields that changed since the previous sighting of its direction,
 * the replay's predicted points on the same lanes below them, the first place prediction and capture
 * part ways marked, and the conntrack entries under the lanes of their node. Coordinates are in SVG
 * user units; drawing is the caller's. Pure and browser-safe: timeline and comparison come in as data.
 */
import type { ConntrackView, NatRewrite, TimelineHop, TupleView } from './flow-timeline';
import { tunnelLabel } from './tunnel-text';

export type PictureStatus = 'agree' | 'differs' | 'missing' | 'unobserved' | 'unpredicted';

interface CapturedSighting {
  node: string;
  interface: string | null;
  packet: TupleView;
  time: number;
}

/** What the picture reads of the divergence comparison (shared/contract's OutcomeComparisonJson fits). */
export interface PictureComparison {
  headline: string;
  firstDivergence: number | null;
  rows: ReadonlyArray<{
    status: PictureStatus;
    predicted: { node: string; interface: string; side: 'in' | 'out'; packet: TupleView } | null;
    captured: CapturedSighting | null;
    /** More sightings of the same packet at the same place (the bridge and its port): they agree as the row does. */
    also?: readonly CapturedSighting[];
  }>;
}

export interface PictureInput {
  hops: readonly TimelineHop[];
  rewrites: readonly NatRewrite[];
  conntrack: readonly ConntrackView[];
  /** The replay beside the captures; null when the flow was not replayed. */
  comparison: PictureComparison | null;
}

export interface PictureOptions {
  /** Sightings drawn; the rest are summarised in one line with their count (default 40). */
  maxArrows?: number;
  /** Predicted points drawn (default 40). */
  maxPredicted?: number;
}

export interface Segment {
  text: string;
  changed: boolean;
}

/** One end of the tuple that changed: `dst 10.96.0.10:80 → 10.40.2.2:8080`. */
export interface FieldChange {
  end: 'src' | 'dst';
  before: string;
  after: string;
}

export interface Lane {
  index: number;
  node: string;
  interface: string | null;
  netns: string | null;
  /** The hook of a kernel trace's point (`nat PREROUTING`); null for a capture point. */
  hook: string | null;
  /** `nodea · cbr0`, `nodea · ns/pod-a1 eth0`, `nodea · ?`; a kernel trace's point `nodea · nat PREROUTING`. */
  label: string;
  x: number;
}

export interface PictureArrow {
  /** Index into the timeline's hops. */
  hop: number;
  direction: 'original' | 'reply' | 'unknown';
  /** Lane the packet comes from (the previous sighting of its direction); null: from the sender, off the lanes. */
  from: number | null;
  to: number;
  x1: number;
  x2: number;
  /** The arrow's line; the tuple is written above it at textY, each change on its own line (changeY, in order). */
  y: number;
  textY: number;
  changeY: number[];
  /** The row's band, for a hit area. */
  top: number;
  bottom: number;
  tuple: TupleView;
  segments: Segment[];
  changes: FieldChange[];
  /** Indices into the timeline's rewrites that make (or, on a reply, undo) these changes. */
  rewrites: number[];
  packets: number;
  /** Milliseconds after the flow's first sighting (aligned clocks). */
  atMs: number;
  explanation: string;
  /** The tunnel the sighting's packets were seen in, short (`VXLAN 1`); null when seen as they are. */
  tunnel: string | null;
  /** A point of the kernel's trace (no packet captured there): `file:line` of the trace line that shows the tuple. */
  trace: string | null;
  /** How the replay sees this sighting; null without a replay. */
  status: PictureStatus | null;
  firstDivergence: boolean;
}

export interface PredictedArrow {
  /** Index into the comparison's rows. */
  row: number;
  from: number | null;
  to: number;
  x1: number;
  x2: number;
  y: number;
  textY: number;
  side: 'in' | 'out';
  segments: Segment[];
  status: PictureStatus;
  firstDivergence: boolean;
}

export interface ConntrackBox {
  index: number;
  node: string;
  /** Lanes of the node the entry spans (first and last x), marked by a bar at y. */
  x1: number;
  x2: number;
  y: number;
  /** `TIME_WAIT [ASSURED] DNAT+SNAT` */
  flags: string;
  original: string;
  reply: string;
  /** Where the lines start (under the node's first lane) and their baselines: the node and flags, the original tuple, the reply tuple. */
  textX: number;
  lineY: [number, number, number];
}

export interface NatPicture {
  width: number;
  height: number;
  lanes: Lane[];
  /** Top and bottom of the lane lines. */
  laneTop: number;
  laneBottom: number;
  /** Where row text starts (the lanes' left edge). */
  textX: number;
  arrows: PictureArrow[];
  /** Sightings not drawn (beyond maxArrows) and their packets. */
  omitted: { arrows: number; packets: number; y: number } | null;
  predictedTitleY: number | null;
  predicted: PredictedArrow[];
  predictedOmitted: number;
  conntrackTitleY: number | null;
  conntrack: ConntrackBox[];
  /** The first difference in one sentence; null without a replay or when they agree. */
  divergence: string | null;
  /** One sentence describing the picture, for screen readers (aria-label) and the report's title. */
  summary: string;
}

export const PICTURE_GEOMETRY = {
  timeWidth: 76,
  laneWidth: 120,
  headerHeight: 48,
  /** One text line above an arrow, and the arrow's own band. */
  lineHeight: 14,
  arrowHeight: 20,
  rowGap: 6,
  titleHeight: 26,
  margin: 10,
  charWidth: 6.6,
} as const;

const G = PICTURE_GEOMETRY;

type Field = 'src' | 'sport' | 'dst' | 'dport';

const endText = (addr: string, port: number | null): string => (port === null ? addr : `${addr.includes(':') ? `[${addr}]` : addr}:${port}`);

export function tupleSegments(t: TupleView, changed: ReadonlySet<Field>): Segment[] {
  return [
    { text: endText(t.src, t.sport), changed: changed.has('src') || changed.has('sport') },
    { text: ' → ', changed: false },
    { text: endText(t.dst, t.dport), changed: changed.has('dst') || changed.has('dport') },
  ];
}

function differing(a: TupleView, b: TupleView): Set<Field> {
  return new Set((['src', 'sport', 'dst', 'dport'] as const).filter((f) => a[f] !== b[f]));
}

// A kernel trace's point is a lane of its own: the hook, not the interface, is where the tuple was seen.
const laneKey = (node: string, netns: string | null, iface: string | null, hook: string | null = null): string =>
  hook === null ? `${node}\u0000${netns ?? ''}\u0000${iface ?? ''}` : `${node}\u0000\u0001${hook}`;

function laneLabel(node: string, netns: string | null, iface: string | null, hook: string | null): string {
  if (hook !== null) return `${node} · ${hook}`;
  return `${node} · ${netns === null ? '' : `ns/${netns} `}${iface ?? '?'}`;
}

/**
 * Lanes in path order: the original direction's points as it reached them, then points only the replay
 * predicts or only replies crossed, each put beside the neighbour it was reached from.
 */
function orderLanes(seqs: ReadonlyArray<readonly string[]>): string[] {
  const order: string[] = [];
  for (const seq of seqs) {
    let after: string | null = null;
    for (const key of seq) {
      if (!order.includes(key)) order.splice(after === null ? firstInsert(order, seq) : order.indexOf(after) + 1, 0, key);
      after = key;
    }
  }
  return order;
}

/** Where a sequence's leading new points go: before the first point of it that is already placed, else at the end. */
function firstInsert(order: readonly string[], seq: readonly string[]): number {
  for (const key of seq) {
    const at = order.indexOf(key);
    if (at >= 0) return at;
  }
  return order.length;
}

const unique = <T>(keys: readonly T[]): T[] => [...new Set(keys)];

/** The rewrites whose result (original direction) or whose undoing (reply) explains a change of `end`. */
function rewritesFor(direction: PictureArrow['direction'], end: 'src' | 'dst', tuple: TupleView, rewrites: readonly NatRewrite[]): number[] {
  const out: number[] = [];
  rewrites.forEach((r, i) => {
    const dnat = r.kind === 'dnat' || r.kind === 'redirect';
    if (direction === 'original') {
      if (end === 'dst' && dnat && r.after.dst === tuple.dst && r.after.dport === tuple.dport) out.push(i);
      if (end === 'src' && !dnat && r.after.src === tuple.src && (r.after.sport === tuple.sport || r.after.sport === null)) out.push(i);
    } else if (direction === 'reply') {
      // A reply is de-NATed back: its source becomes the address the client dialled, its destination the client's own.
      if (end === 'src' && dnat && r.before.dst === tuple.src && r.before.dport === tuple.sport) out.push(i);
      if (end === 'dst' && !dnat && r.before.src === tuple.dst) out.push(i);
    }
  });
  return out;
}

export function layoutNatPicture(input: PictureInput, options: PictureOptions = {}): NatPicture {
  const maxArrows = options.maxArrows ?? 40;
  const maxPredicted = options.maxPredicted ?? 40;
  const order = input.hops.map((h, i) => ({ h, i })).sort((a, b) => a.h.alignedFirstTime - b.h.alignedFirstTime || a.i - b.i);
  const hopKey = (h: TimelineHop): string => laneKey(h.node, h.netns, h.interface, h.trace?.hook ?? null);
  const comparison = input.comparison;
  const predictedRows = (comparison?.rows ?? []).map((r, row) => ({ r, row })).filter((x) => x.r.predicted !== null);
  const predKey = (p: NonNullable<PictureComparison['rows'][number]['predicted']>): string => laneKey(p.node, null, p.interface);

  const meta = new Map<string, { node: string; netns: string | null; iface: string | null; hook: string | null }>();
  for (const { h } of order) meta.set(hopKey(h), { node: h.node, netns: h.netns, iface: h.interface, hook: h.trace?.hook ?? null });
  for (const { r } of predictedRows) meta.set(predKey(r.predicted!), { node: r.predicted!.node, netns: null, iface: r.predicted!.interface, hook: null });
  const originals = unique(order.filter((x) => x.h.direction !== 'reply').map((x) => hopKey(x.h)));
  const predicted = unique(predictedRows.map((x) => predKey(x.r.predicted!)));
  const replies = unique(order.filter((x) => x.h.direction === 'reply').map((x) => hopKey(x.h)).reverse());
  const keys = orderLanes([originals, predicted, replies]);
  const laneOf = new Map(keys.map((k, i) => [k, i]));
  const laneX = (i: number): number => G.margin + G.timeWidth + G.laneWidth * i + G.laneWidth / 2;
  const lanes: Lane[] = keys.map((k, index) => {
    const m = meta.get(k)!;
    return { index, node: m.node, interface: m.iface, netns: m.netns, hook: m.hook, label: laneLabel(m.node, m.netns, m.iface, m.hook), x: laneX(index) };
  });
  const lanesLeft = G.margin + G.timeWidth;
  const lanesRight = lanesLeft + G.laneWidth * Math.max(1, lanes.length);
  const textX = lanesLeft;
  const edge = (direction: PictureArrow['direction']): number => (direction === 'reply' ? lanesRight - 4 : G.margin + G.timeWidth + 4);

  // Which comparison row each sighting is, by place, packet and time.
  const statusOf = new Map<number, { status: PictureStatus; first: boolean }>();
  const sightingKey = (node: string, iface: string | null, time: number, t: TupleView): string => `${node}|${iface ?? ''}|${time}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
  const unmarked = new Map<string, number[]>();
  for (const { h, i } of order) {
    const k = sightingKey(h.node, h.interface, h.alignedFirstTime, h.after);
    const list = unmarked.get(k);
    if (list) list.push(i);
    else unmarked.set(k, [i]);
  }
  const mark = (c: CapturedSighting, status: PictureStatus, first: boolean): void => {
    const i = unmarked.get(sightingKey(c.node, c.interface, c.time, c.packet))?.shift();
    if (i !== undefined) statusOf.set(i, { status, first });
  };
  comparison?.rows.forEach((r, row) => {
    if (r.captured !== null) mark(r.captured, r.status, comparison.firstDivergence === row);
    for (const c of r.also ?? []) mark(c, r.status, false);
  });

  const t0 = order[0]?.h.alignedFirstTime ?? 0;
  let y = G.headerHeight;
  const arrows: PictureArrow[] = [];
  const lastOf = new Map<string, { lane: number; tuple: TupleView }>();
  let omittedArrows = 0;
  let omittedPackets = 0;
  for (const { h, i } of order) {
    const to = laneOf.get(hopKey(h))!;
    const prev = lastOf.get(h.direction);
    lastOf.set(h.direction, { lane: to, tuple: h.after });
    if (arrows.length >= maxArrows) {
      omittedArrows++;
      omittedPackets += h.packets;
      continue;
    }
    const before = prev?.tuple ?? h.before;
    const fields = differing(before, h.after);
    const changes: FieldChange[] = [];
    if (fields.has('src') || fields.has('sport')) changes.push({ end: 'src', before: endText(before.src, before.sport), after: endText(h.after.src, h.after.sport) });
    if (fields.has('dst') || fields.has('dport')) changes.push({ end: 'dst', before: endText(before.dst, before.dport), after: endText(h.after.dst, h.after.dport) });
    const rewrites = unique(changes.flatMap((c) => rewritesFor(h.direction, c.end, h.after, input.rewrites)));
    const from = prev?.lane ?? null;
    const s = statusOf.get(i);
    const top = y;
    const textY = y + G.lineHeight - 3;
    const changeY = changes.map((_, k) => textY + G.lineHeight * (k + 1));
    y += G.lineHeight * (changes.length + 1);
    const arrowY = y + G.arrowHeight / 2;
    y += G.arrowHeight + G.rowGap;
    arrows.push({
      hop: i, direction: h.direction, from, to, x1: from === null ? edge(h.direction) : laneX(from), x2: laneX(to), y: arrowY,
      textY, changeY, top, bottom: y - G.rowGap / 2, tuple: h.after, segments: tupleSegments(h.after, fields), changes, rewrites, packets: h.packets,
      atMs: Math.round((h.alignedFirstTime - t0) * 1e6) / 1e3, explanation: h.explanation, tunnel: h.tunnel ? tunnelLabel(h.tunnel) : null,
      trace: h.trace?.source ?? null,
      status: s?.status ?? null, firstDivergence: s?.first ?? false,
    });
  }
  let omitted: NatPicture['omitted'] = null;
  if (omittedArrows > 0) {
    omitted = { arrows: omittedArrows, packets: omittedPackets, y: y + G.lineHeight - 3 };
    y += G.lineHeight + G.rowGap;
  }

  let predictedTitleY: number | null = null;
  const predictedArrows: PredictedArrow[] = [];
  let predictedOmitted = 0;
  if (comparison !== null && predictedRows.length > 0) {
    predictedTitleY = y + G.titleHeight / 2;
    y += G.titleHeight;
    let prev: { lane: number; packet: TupleView } | null = null;
    for (const { r, row } of predictedRows) {
      const p = r.predicted!;
      const to = laneOf.get(predKey(p))!;
      if (predictedArrows.length >= maxPredicted) {
        predictedOmitted++;
        continue;
      }
      const fields = prev === null ? new Set<Field>() : differing(prev.packet, p.packet);
      const textY = y + G.lineHeight - 3;
      y += G.lineHeight;
      predictedArrows.push({
        row, from: prev?.lane ?? null, to, x1: prev === null ? edge('original') : laneX(prev.lane), x2: laneX(to), y: y + G.arrowHeight / 2, textY,
        side: p.side, segments: tupleSegments(p.packet, fields), status: r.status, firstDivergence: comparison.firstDivergence === row,
      });
      prev = { lane: to, packet: p.packet };
      y += G.arrowHeight + G.rowGap;
    }
    if (predictedOmitted > 0) y += G.lineHeight + G.rowGap;
  }
  const laneBottom = y + 4;

  let conntrackTitleY: number | null = null;
  const conntrack: ConntrackBox[] = [];
  if (input.conntrack.length > 0) {
    conntrackTitleY = y + G.titleHeight / 2;
    y += G.titleHeight;
    input.conntrack.forEach((c, index) => {
      const own = lanes.filter((l) => l.node === c.node);
      const x1 = own.length > 0 ? own[0]!.x - G.laneWidth / 2 + 4 : G.margin + G.timeWidth;
      const x2 = own.length > 0 ? own[own.length - 1]!.x + G.laneWidth / 2 - 4 : lanesRight;
      const flags = [c.state, c.unreplied ? '[UNREPLIED]' : null, c.assured ? '[ASSURED]' : null, c.nat.length > 0 ? c.nat.join('+').toUpperCase() : null]
        .filter((f): f is string => f !== null).join(' ');
      const bar = y + 2;
      const first = y + 4 + G.lineHeight;
      conntrack.push({
        index, node: c.node, x1, x2, y: bar, flags, textX: x1,
        original: `original ${endText(c.original.src, c.original.sport)} → ${endText(c.original.dst, c.original.dport)}`,
        reply: `reply ${endText(c.reply.src, c.reply.sport)} → ${endText(c.reply.dst, c.reply.dport)}`,
        lineY: [first, first + G.lineHeight, first + 2 * G.lineHeight],
      });
      y += 8 + 3 * G.lineHeight + G.rowGap;
    });
  }

  const divergence = comparison !== null && comparison.firstDivergence !== null ? comparison.headline : null;
  // Text runs over the lanes from their left edge; the picture is as wide as the wider of the two.
  const longest = Math.max(
    0,
    ...arrows.map((a) => a.segments.reduce((n, s) => n + s.text.length, 0) + 40 + (a.trace === null ? 0 : a.trace.length + 16)),
    ...arrows.flatMap((a) => a.changes.map((c) => c.before.length + c.after.length + 8)),
    ...predictedArrows.map((a) => a.segments.reduce((n, s) => n + s.text.length, 0) + 30),
  );
  const conntrackRight = Math.max(0, ...conntrack.map((c) => c.textX + Math.max(c.node.length + c.flags.length + 1, c.original.length, c.reply.length) * G.charWidth));
  const width = Math.max(lanesRight, textX + longest * G.charWidth, conntrackRight) + G.margin;
  return {
    width: Math.ceil(width), height: Math.ceil(y + G.margin), lanes, laneTop: G.headerHeight - 6, laneBottom, textX,
    arrows, omitted, predictedTitleY, predicted: predictedArrows, predictedOmitted, conntrackTitleY, conntrack, divergence,
    summary: pictureSummary(lanes, arrows.length + omittedArrows, predictedArrows.length + predictedOmitted, input, divergence),
  };
}

function pictureSummary(lanes: readonly Lane[], sightings: number, predicted: number, input: PictureInput, divergence: string | null): string {
  const nat = [...new Set(input.rewrites.map((r) => r.kind.toUpperCase()))];
  const traced = lanes.filter((l) => l.hook !== null);
  const captured = lanes.filter((l) => l.hook === null);
  const across = [
    traced.length > 0 ? `${traced.length} point${traced.length === 1 ? '' : 's'} of the kernel's trace (${traced.map((l) => l.label).join(', ')})` : null,
    captured.length > 0 || traced.length === 0 ? `${captured.length} capture point${captured.length === 1 ? '' : 's'} (${captured.map((l) => l.label).join(', ')})` : null,
  ].filter((x): x is string => x !== null).join(' and ');
  // A flow the trace alone shows has no captured sighting the replay could agree with.
  const agree = input.hops.some((h) => h.evidence === 'observed') ? ', the captures agree with the replay' : ', no captured packet to compare';
  return [
    `NAT timeline: ${sightings} sighting${sightings === 1 ? '' : 's'} across ${across}`,
    nat.length > 0 ? `rewritten by ${nat.join(' and ')}` : 'no rewrite',
    input.comparison === null ? 'no replay' : `${predicted} predicted point${predicted === 1 ? '' : 's'}${divergence === null ? agree : `; ${divergence}`}`,
  ].join('; ');
}

/** `dst 10.96.0.10:80 → 10.40.2.2:8080` */
export function changeText(c: FieldChange): string {
  return `${c.end} ${c.before} → ${c.after}`;
}
