import type { StitchSummary } from '../core/project/flows-stitch';

/** ` (N from the kernel trace alone)` after a stitch's flow count, when a kernel trace made any flow; else nothing. */
export function tracedText(summary: Pick<StitchSummary, 'tracedFlows'>): string {
  const n = summary.tracedFlows ?? 0;
  return n === 0 ? '' : ` (${n} from the kernel trace alone)`;
}
