/**
 * A trace answer as the cards the Trace tab shows: one per outcome, with its share, verdict, hops
 * (packet before → after, changed fields marked) and the rule-by-rule steps. Plain data; every
 * capture string stays a string for React to render as text.
 */
import type { AssumptionJson, HopJson, NatStepJson, OutcomeJson, PacketJson, TraceResultJson, TraceStepJson, VerdictJson } from '../../shared/contract/trace-json';

export type VerdictTone = 'ok' | 'bad' | 'unknown';

export type PacketFieldName = 'proto' | 'src' | 'sport' | 'dst' | 'dport';

export interface PacketField {
  name: PacketFieldName;
  text: string;
  changed: boolean;
}

export interface PacketLine {
  fields: PacketField[];
  text: string;
}

export interface HopRow {
  key: string;
  node: string;
  /** `cbr0 → eth0`, `cbr0 → (delivered)`, `(local) → eth0`. */
  path: string;
  before: PacketLine;
  after: PacketLine;
  rewritten: boolean;
}

export interface NatRow {
  kind: string;
  before: PacketLine;
  after: PacketLine;
  note: string | null;
}

export interface StepRow {
  key: string;
  node: string;
  /** `nat/PREROUTING`. */
  where: string;
  /** The rule as iptables-save prints it, or `policy ACCEPT`. */
  text: string;
  target: string;
  policy: boolean;
  line: number | null;
  nat: NatRow | null;
  note: string | null;
}

/** One thing the outcome rests on that the captures do not show. */
export interface AssumptionRow {
  key: string;
  /** `assuming 8.8.8.8 is not a local address of n1`. */
  assumed: string;
  /** What the captures do not show. */
  about: string;
  /** The rule it arose at, and where it was read (`file:line`). */
  rule: string | null;
  source: string | null;
}

export interface OutcomeCard {
  key: string;
  /** `50%`, `33.3%`, `<0.1%`. */
  share: string;
  /** 0..1, the width of the bar. */
  fraction: number;
  verdict: VerdictJson;
  verdictLabel: string;
  tone: VerdictTone;
  summary: string;
  /** The decision rests on captures that are missing or partial. */
  uncertain: boolean;
  service: string | null;
  egress: string | null;
  marks: string | null;
  hops: HopRow[];
  steps: StepRow[];
  reason: string | null;
  caveats: string[];
  /** Outcomes with the same assumptions share one set; their shares sum to 100%. */
  assumptions: AssumptionRow[];
  /** Those of `assumptions` this outcome's own path met. */
  assumptionsOnPath: AssumptionRow[];
  /** The rest: met by the other outcomes of its set, which share them. */
  assumptionsOfSet: AssumptionRow[];
}

const VERDICT_LABELS: Record<VerdictJson, string> = {
  deliver: 'Delivered',
  forward: 'Forwarded',
  drop: 'Dropped',
  reject: 'Rejected',
  unknown: 'Unknown',
};

export function verdictTone(verdict: VerdictJson): VerdictTone {
  switch (verdict) {
    case 'deliver':
    case 'forward':
      return 'ok';
    case 'drop':
    case 'reject':
      return 'bad';
    case 'unknown':
      return 'unknown';
    default: {
      const never: never = verdict;
      return never;
    }
  }
}

/** Whole percentages stay whole; others keep one decimal; tiny shares do not round to 0%. */
export function formatShare(probability: number): string {
  const percent = probability * 100;
  if (percent > 0 && percent < 0.1) return '<0.1%';
  const rounded = Math.round(percent * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

function endpoint(ip: string, port: number | null): string {
  if (port === null) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function packetText(p: PacketJson): string {
  return `${p.proto} ${endpoint(p.src, p.sport)} → ${endpoint(p.dst, p.dport)}`;
}

/** The packet as fields, each marked when it differs from `reference` (the packet before a rewrite). */
export function packetLine(p: PacketJson, reference: PacketJson | null = null): PacketLine {
  const field = (name: PacketFieldName, value: string | number | null): PacketField => ({
    name,
    text: value === null ? '' : String(value),
    changed: reference !== null && reference[name] !== p[name],
  });
  return {
    fields: [field('proto', p.proto), field('src', p.src), field('sport', p.sport), field('dst', p.dst), field('dport', p.dport)],
    text: packetText(p),
  };
}

function samePacket(a: PacketJson, b: PacketJson): boolean {
  return a.proto === b.proto && a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;
}

function hopRow(h: HopJson, i: number, verdict: VerdictJson, last: boolean): HopRow {
  const end = h.out ?? (last ? `(${verdict === 'deliver' ? 'delivered' : verdict === 'forward' ? 'forwarded' : verdict})` : '—');
  return {
    key: `${i}:${h.node}`,
    node: h.node,
    path: `${h.in ?? '(local)'} → ${end}`,
    before: packetLine(h.before),
    after: packetLine(h.after, h.before),
    rewritten: !samePacket(h.before, h.after),
  };
}

function natRow(n: NatStepJson): NatRow {
  return { kind: n.kind.toUpperCase(), before: packetLine(n.before), after: packetLine(n.after, n.before), note: n.note };
}

function stepRow(s: TraceStepJson, i: number): StepRow {
  return {
    key: `${i}`,
    node: s.node,
    where: `${s.table}/${s.chain}`,
    text: s.policy || s.rule === null ? `policy ${s.target}` : s.rule,
    target: s.target,
    policy: s.policy,
    line: s.line,
    nat: s.nat === null ? null : natRow(s.nat),
    note: s.note,
  };
}

function marksText(marks: Record<string, string>): string | null {
  const set = Object.entries(marks).filter(([, v]) => v !== '0x0' && v !== '0');
  return set.length === 0 ? null : set.map(([node, mark]) => `${node} ${mark}`).join(', ');
}

export function outcomeCard(o: OutcomeJson, index: number): OutcomeCard {
  const service = o.service;
  return {
    key: `${index}`,
    share: formatShare(o.probability),
    fraction: Math.min(1, Math.max(0, o.probability)),
    verdict: o.verdict,
    verdictLabel: VERDICT_LABELS[o.verdict],
    tone: verdictTone(o.verdict),
    summary: o.summary,
    uncertain: o.verdict === 'unknown' || o.caveats.length > 0 || o.assumptions.length > 0,
    service: service === null ? null : `${service.id}${service.endpoint === null ? '' : ` → ${service.endpoint}`}${service.entry === null ? '' : ` (${service.entry})`}`,
    egress: o.egress === null ? null : `${o.egress.node} ${o.egress.interface}${o.egress.nextHop === null ? '' : ` via ${o.egress.nextHop}`}`,
    marks: marksText(o.marks),
    hops: o.hops.map((h, i) => hopRow(h, i, o.verdict, i === o.hops.length - 1)),
    steps: o.steps.map(stepRow),
    reason: o.reason,
    caveats: o.caveats,
    ...assumptionRows(o),
  };
}

/** An answer without `assumptionsOnPath` (an older server) counts every assumption as on the path. */
function assumptionRows(o: OutcomeJson): Pick<OutcomeCard, 'assumptions' | 'assumptionsOnPath' | 'assumptionsOfSet'> {
  const rows = o.assumptions.map(assumptionRow);
  const onPath = new Set(o.assumptionsOnPath ?? rows.map((_, i) => i));
  return { assumptions: rows, assumptionsOnPath: rows.filter((_, i) => onPath.has(i)), assumptionsOfSet: rows.filter((_, i) => !onPath.has(i)) };
}

function assumptionRow(a: AssumptionJson, i: number): AssumptionRow {
  return { key: `${i}`, assumed: a.assumed, about: a.about, rule: a.rule, source: a.source };
}

function assumptionSet(o: OutcomeJson): string {
  return JSON.stringify(o.assumptions.map((a) => [a.node, a.about, a.assumed, a.rule, a.source]));
}

/**
 * Outcomes resting on the same assumptions stay together (their shares sum to 100%), sets in the
 * replay's order; within a set, most likely first, equal shares in the replay's order.
 */
export function outcomeCards(result: TraceResultJson): OutcomeCard[] {
  const setOrder = new Map<string, number>();
  for (const o of result.outcomes) if (!setOrder.has(assumptionSet(o))) setOrder.set(assumptionSet(o), setOrder.size);
  const setOf = (o: OutcomeJson): number => setOrder.get(assumptionSet(o)) ?? 0;
  return result.outcomes
    .map((o, i) => ({ o, i }))
    .sort((a, b) => setOf(a.o) - setOf(b.o) || b.o.probability - a.o.probability || a.i - b.i)
    .map(({ o, i }) => outcomeCard(o, i));
}

/** `2 outcomes: 2 forwarded` / `3 outcomes: 2 forwarded, 1 unknown`. */
export function outcomesHeadline(cards: readonly OutcomeCard[]): string {
  const counts = new Map<string, number>();
  for (const c of cards) counts.set(c.verdictLabel.toLowerCase(), (counts.get(c.verdictLabel.toLowerCase()) ?? 0) + 1);
  const parts = [...counts.entries()].map(([label, n]) => `${n} ${label}`);
  const sets = new Set(cards.map((c) => JSON.stringify(c.assumptions.map((a) => [a.assumed, a.about, a.rule, a.source])))).size;
  const worlds = sets > 1 ? ` · ${sets} sets of assumptions, each summing to 100%` : '';
  return `${cards.length} ${cards.length === 1 ? 'outcome' : 'outcomes'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}${worlds}`;
}
