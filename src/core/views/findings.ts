/**
 * A finding as CONTRACT.md's `natlens findings --json` fixes it: what is wrong, how bad, and the
 * evidence that proves it (captured lines, the flows that show the symptom, the replay that
 * explains it). Every face (CLI, UI, reports) shows this one shape; core/diagnose finds them.
 */

export type FindingSeverity = 'error' | 'warning' | 'info';

/** A place in a capture (`file:line`) and the text found there (a rule, a conntrack entry, a packet). */
export interface FindingEvidence {
  source: string;
  text: string;
}

/** The replay that shows the finding, runnable as `natlens trace`. Exactly one of `in` / `local`. */
export type FindingTrace =
  | { node: string; proto: 'tcp' | 'udp' | 'icmp'; src: string; dst: string; in: string }
  | { node: string; proto: 'tcp' | 'udp' | 'icmp'; src: string; dst: string; local: true };

export interface ProjectFinding {
  /** Stable across runs over the same project: the kind and what it is about (`service-without-endpoints:default/web:http`). */
  id: string;
  severity: FindingSeverity;
  /** Stable kebab-case name (`service-without-endpoints`, `flow-dropped`, ...). */
  kind: string;
  title: string;
  /** Why it matters and what would fix it. */
  explanation: string;
  nodes: string[];
  /** `namespace/name[:port]` */
  service: string | null;
  /** The flows that show it, in id order: at most the first 100 (FINDING_FLOW_LIMIT); `flowCount` counts them all. */
  flows: number[];
  /** How many flows show it; findingList sets it on every finding it gives (a builder may leave it out: `flows.length`). */
  flowCount?: number;
  evidence: FindingEvidence[];
  trace: FindingTrace | null;
}
