/**
 * The project's kernel traces judged (diagnose/kernel-trace-findings.ts): each trace capture's walks against the
 * replay on its node, and the drops they end in; each finding names the stitched flows of the packets it is about.
 */
import type { Store } from '../model/store';
import { FlowStore } from '../model/flow-store';
import type { NodeSnapshot } from '../simulate';
import type { ProjectFinding } from '../diagnose/finding';
import { kernelTraceFindings, type KernelTraceFinding, type SourcedEvent } from '../diagnose/kernel-trace-findings';
import { eventBelongsToFlow } from '../flows/kernel-trace-match';

export function kernelTraceFindingsOf(store: Store, world: NodeSnapshot[], byName: ReadonlyMap<string, NodeSnapshot>): ProjectFinding[] {
  const found: KernelTraceFinding[] = [];
  for (const c of store.kernelTraceCaptures()) {
    const events: SourcedEvent[] = store.kernelTraceOf(c.captureId).map((e) => ({ ...e, sourceFile: c.sourceFile }));
    found.push(...kernelTraceFindings(byName.get(c.node) ?? null, c.node, events, world, !c.partial));
  }
  if (found.length === 0) return [];
  // Few findings, any number of flows: one pass over the flows' tuples.
  const flows = found.map(() => [] as number[]);
  new FlowStore(store).forEachFlowKey((flow) => {
    found.forEach((f, i) => {
      if (f.packets.some((packet) => eventBelongsToFlow(flow, { packet }))) flows[i]!.push(flow.id);
    });
  });
  return found.map((f, i) => ({ ...f.finding, flows: flows[i]! }));
}
