/**
 * The findings list as every face shows it: one finding per id (flows meeting the same rule join the
 * same finding, at the most severe of their severities), most severe first, then by kind and id.
 */
import { SEVERITY_ORDER, type FindingEvidence, type ProjectFinding } from './finding';
import { FINDING_FLOW_LIMIT } from './flow-finding-summary';

/** Evidence lines kept per finding. */
const EVIDENCE_LIMIT = 16;

const rank = (f: ProjectFinding): number => SEVERITY_ORDER.indexOf(f.severity);

/** The findings of one id joined as they come: sets, so that 100,000 flows meeting one rule cost linear time. */
interface Joined {
  head: ProjectFinding;
  nodes: Set<string>;
  service: string | null;
  flows: Set<number>;
  /** Flows counted by a finding beyond those it lists (a summary's flowCount). */
  unlisted: number;
  evidence: FindingEvidence[];
  seen: Set<string>;
  trace: ProjectFinding['trace'];
}

function join(into: Joined, f: ProjectFinding): void {
  if (rank(f) < rank(into.head)) into.head = f;
  for (const n of f.nodes) into.nodes.add(n);
  into.service ??= f.service;
  for (const id of f.flows) into.flows.add(id);
  into.unlisted += Math.max(0, (f.flowCount ?? f.flows.length) - f.flows.length);
  for (const e of f.evidence) {
    const key = `${e.source}\n${e.text}`;
    if (into.seen.has(key) || into.evidence.length >= EVIDENCE_LIMIT) continue;
    into.seen.add(key);
    into.evidence.push(e);
  }
  into.trace ??= f.trace;
}

function joined(j: Joined, merged: boolean): ProjectFinding {
  const all = j.flows.size > FINDING_FLOW_LIMIT || merged ? [...j.flows].sort((x, y) => x - y) : j.head.flows;
  const flows = all.length > FINDING_FLOW_LIMIT ? all.slice(0, FINDING_FLOW_LIMIT) : all;
  const base = merged ? { ...j.head, nodes: [...j.nodes].sort(), service: j.service, evidence: j.evidence, trace: j.trace } : j.head;
  return { ...base, flows, flowCount: j.flows.size + j.unlisted };
}

export function compareFindings(a: ProjectFinding, b: ProjectFinding): number {
  return rank(a) - rank(b) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id, 'en', { numeric: true });
}

/**
 * Joins findings of one id and sorts them; each lists at most FINDING_FLOW_LIMIT flows and counts them all
 * (`flowCount`). `retitle` rewrites a merged finding whose flows grew (counts in titles).
 */
export function findingList(all: readonly ProjectFinding[], retitle: (f: ProjectFinding) => ProjectFinding = (f) => f): ProjectFinding[] {
  const byId = new Map<string, { j: Joined; merged: boolean }>();
  for (const f of all) {
    const had = byId.get(f.id);
    if (had) {
      join(had.j, f);
      had.merged = true;
      continue;
    }
    const j: Joined = { head: f, nodes: new Set(), service: null, flows: new Set(), unlisted: 0, evidence: [], seen: new Set(), trace: null };
    join(j, f);
    byId.set(f.id, { j, merged: false });
  }
  return [...byId.values()].map(({ j, merged }) => retitle(joined(j, merged))).sort(compareFindings);
}
