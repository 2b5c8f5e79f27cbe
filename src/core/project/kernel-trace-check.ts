/**
 * The project's kernel traces judged (diagnose/kernel-trace-findings.ts): each trace capture's walks against the
 * replay on its node, and the drops they end in.
 */
import type { Store } from '../model/store';
import type { NodeSnapshot } from '../simulate';
import type { ProjectFinding } from '../diagnose/finding';
import { kernelTraceFindings, type SourcedEvent } from '../diagnose/kernel-trace-findings';

export function kernelTraceFindingsOf(store: Store, world: NodeSnapshot[], byName: ReadonlyMap<string, NodeSnapshot>): ProjectFinding[] {
  const found: ProjectFinding[] = [];
  for (const c of store.kernelTraceCaptures()) {
    const events: SourcedEvent[] = store.kernelTraceOf(c.captureId).map((e) => ({ ...e, sourceFile: c.sourceFile }));
    found.push(...kernelTraceFindings(byName.get(c.node) ?? null, c.node, events, world));
  }
  return found;
}
