/**
 * The findings list as every face shows it: one finding per id (flows meeting the same rule join the
 * same finding, at the most severe of their severities), most severe first, then by kind and id.
 */
import { SEVERITY_ORDER, type FindingEvidence, type ProjectFinding } from './finding';

/** Evidence lines kept per finding; the flows list stays complete. */
const EVIDENCE_LIMIT = 16;

const rank = (f: ProjectFinding): number => SEVERITY_ORDER.indexOf(f.severity);

function mergeInto(a: ProjectFinding, b: ProjectFinding): ProjectFinding {
  const worse = rank(b) < rank(a) ? b : a;
  const evidence: FindingEvidence[] = [];
  const seen = new Set<string>();
  for (const e of [...a.evidence, ...b.evidence]) {
    const key = `${e.source}\n${e.text}`;
    if (seen.has(key) || evidence.length >= EVIDENCE_LIMIT) continue;
    seen.add(key);
    evidence.push(e);
  }
  const flows = [...new Set([...a.flows, ...b.flows])].sort((x, y) => x - y);
  return {
    ...worse,
    nodes: [...new Set([...a.nodes, ...b.nodes])].sort(),
    service: a.service ?? b.service,
    flows,
    evidence,
    trace: a.trace ?? b.trace,
  };
}

export function compareFindings(a: ProjectFinding, b: ProjectFinding): number {
  return rank(a) - rank(b) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id, 'en', { numeric: true });
}

/** Joins findings of one id and sorts them. `retitle` rewrites a merged finding whose flows grew (counts in titles). */
export function findingList(all: readonly ProjectFinding[], retitle: (f: ProjectFinding) => ProjectFinding = (f) => f): ProjectFinding[] {
  const byId = new Map<string, ProjectFinding>();
  for (const f of all) {
    const had = byId.get(f.id);
    byId.set(f.id, had ? mergeInto(had, f) : f);
  }
  return [...byId.values()].map(retitle).sort(compareFindings);
}
