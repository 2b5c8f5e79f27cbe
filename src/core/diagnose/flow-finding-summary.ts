/**
 * Per-flow findings summarised by class. A finding about one flow only (`one-sided-tcp:17`) is kept as
 * it is while few flows are alike; when more than SUMMARY_THRESHOLD flows give the same kind of finding
 * with the same severity, nodes and service (a SYN scan, thousands of health checks without answer), they
 * become one finding that lists the first flows and counts them all. Memory per class, not per flow.
 */
import type { FindingEvidence, ProjectFinding } from './finding';

/** More alike per-flow findings than this become one summary. */
export const SUMMARY_THRESHOLD = 20;
/** Flow ids a finding lists; `flowCount` counts them all. */
export const FINDING_FLOW_LIMIT = 100;
const SUMMARY_EVIDENCE = 8;

/** Flows a finding counts beyond those it lists. */
export function unlistedFlows(f: ProjectFinding): number {
  return Math.max(0, (f.flowCount ?? f.flows.length) - f.flows.length);
}

/** A finding about exactly one flow, named after it (`<kind>:<flow id>`). */
export function isPerFlow(f: ProjectFinding): boolean {
  return f.flows.length === 1 && f.id === `${f.kind}:${f.flows[0]}` && (f.flowCount ?? 1) === 1;
}

interface FlowClass {
  /** The first SUMMARY_THRESHOLD + 1 findings, as they came: given back unchanged while the class stays small. */
  members: ProjectFinding[];
  count: number;
  flows: number[];
  evidence: FindingEvidence[];
  trace: ProjectFinding['trace'];
}

const classKey = (f: ProjectFinding): string => JSON.stringify([f.kind, f.severity, f.service, [...f.nodes].sort()]);

export class FlowFindingSummaries {
  private readonly classes = new Map<string, FlowClass>();

  /** Takes a per-flow finding (isPerFlow) into its class. */
  add(f: ProjectFinding): void {
    const key = classKey(f);
    let c = this.classes.get(key);
    if (c === undefined) this.classes.set(key, (c = { members: [], count: 0, flows: [], evidence: [], trace: null }));
    c.count++;
    if (c.members.length <= SUMMARY_THRESHOLD) c.members.push(f);
    if (c.flows.length < FINDING_FLOW_LIMIT) c.flows.push(f.flows[0]!);
    for (const e of f.evidence) {
      if (c.evidence.length >= SUMMARY_EVIDENCE) break;
      if (!c.evidence.some((x) => x.source === e.source && x.text === e.text)) c.evidence.push(e);
    }
    c.trace ??= f.trace;
  }

  /** Each small class's findings as they were given; one summary for each larger one. */
  findings(): ProjectFinding[] {
    const out: ProjectFinding[] = [];
    for (const c of this.classes.values()) {
      if (c.count <= SUMMARY_THRESHOLD) out.push(...c.members);
      else out.push(summary(c));
    }
    return out;
  }
}

function summary(c: FlowClass): ProjectFinding {
  const first = c.members[0]!;
  const nodes = [...first.nodes].sort();
  const flows = [...c.flows].sort((a, b) => a - b);
  const listed = c.count > flows.length ? `; the first ${flows.length} are listed` : '';
  return {
    id: `${first.kind}:flows:${first.severity}:${nodes.join(',')}${first.service === null ? '' : `:${first.service}`}`,
    severity: first.severity,
    kind: first.kind,
    title: `${nodes.length > 0 ? `${nodes.join(', ')}: ` : ''}${c.count} flows alike${first.service ? ` (${first.service})` : ''}, such as ${first.title}`,
    explanation: `${c.count} captured flows give this same finding${listed}. The first of them: ${first.explanation}`,
    nodes,
    service: first.service,
    flows,
    flowCount: c.count,
    evidence: c.evidence,
    trace: c.trace,
  };
}
