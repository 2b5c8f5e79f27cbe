/** Findings (core/views/findings.ts) as core/diagnose orders and builds them. */
import type { FindingEvidence, FindingSeverity, FindingTrace, ProjectFinding } from '../views/findings';

export type { FindingEvidence, FindingSeverity, FindingTrace, ProjectFinding };

/** Most severe first: the order findings are listed in. */
export const SEVERITY_ORDER: readonly FindingSeverity[] = ['error', 'warning', 'info'];
