/**
 * The `findings` answer as the UI reads it: CONTRACT.md's `natlens findings --json` document.
 * core-backend.ts checks at compile time that core's ProjectFinding (src/core/diagnose/finding.ts)
 * still fits, so the renderer never imports core.
 */

export type FindingSeverityJson = 'error' | 'warning' | 'info';

export interface FindingEvidenceJson {
  /** `file:line` */
  source: string;
  text: string;
}

export type FindingTraceJson =
  | { node: string; proto: 'tcp' | 'udp' | 'icmp'; src: string; dst: string; in: string }
  | { node: string; proto: 'tcp' | 'udp' | 'icmp'; src: string; dst: string; local: true };

export interface FindingJson {
  id: string;
  severity: FindingSeverityJson;
  kind: string;
  title: string;
  explanation: string;
  nodes: string[];
  service: string | null;
  flows: number[];
  evidence: FindingEvidenceJson[];
  trace: FindingTraceJson | null;
}
