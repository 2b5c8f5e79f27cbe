/**
 * The `findings` answer as the UI reads it: CONTRACT.md's `natlens findings --json` document, which is
 * core's ProjectFinding (src/core/views/findings.ts). contract-shapes.ts checks that it keeps the contract's fields.
 */
import type { FindingEvidence, FindingSeverity, FindingTrace, ProjectFinding } from '../../core/views/findings';

export type FindingSeverityJson = FindingSeverity;
export type FindingEvidenceJson = FindingEvidence;
export type FindingTraceJson = FindingTrace;
export type FindingJson = ProjectFinding;
