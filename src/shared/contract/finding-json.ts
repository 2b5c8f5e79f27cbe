/**
 * The `findings` answer as the UI reads it: CONTRACT.md's `natlens findings --json` document, which is
 * core's ProjectFinding (src/core/views/findings.ts). contract-shapes.ts checks that it keeps the contract's fields.
 */
import type { FindingEvidence, FindingSeverity, FindingTrace, ProjectFinding } from '../../core/views/findings';

export type FindingSeverityJson = FindingSeverity;
export type FindingEvidenceJson = FindingEvidence;
export type FindingTraceJson = FindingTrace;
export type FindingJson = ProjectFinding;

/** Findings one `findings` answer carries when the request names no `limit`, and at most. */
export const FINDING_PAGE = 100;
export const MAX_FINDING_PAGE = 1000;

/**
 * `GET /api/findings?offset=N&limit=M`: a page of the findings (most severe first, as `natlens findings --json`
 * lists them all), how many there are, and how many of each severity (the headline over the list).
 */
export interface FindingPageJson {
  findings: FindingJson[];
  page: { offset: number; limit: number; total: number; nextOffset: number | null };
  severities: Record<FindingSeverity, number>;
}
