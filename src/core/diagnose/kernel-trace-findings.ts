/**
 * The findings of a node's kernel trace: each walk's disagreement with the replay (kernel-walk-agreement.ts) and where
 * walks ended in a drop or were lost at routing (kernel-walk-end.ts), the same end of many packets said once.
 */
import type { KernelTracePacket } from '../records/records';
import type { NodeSnapshot } from '../simulate';
import type { ProjectFinding } from './finding';
import { lineEvidence, type SourcedEvent } from './kernel-trace-line';
import { walkAgreement } from './kernel-walk-agreement';
import { walkDrop, walkLost } from './kernel-walk-end';
import { kernelWalks } from './kernel-walks';

export type { SourcedEvent };
export { walkAgreement, type WalkAgreement } from './kernel-walk-agreement';

/** A finding and the packets (as first traced) it is about, so the caller can name their flows. */
export interface KernelTraceFinding {
  finding: ProjectFinding;
  packets: KernelTracePacket[];
}

/**
 * `complete`: the capture is the whole log of the time it covers (not a grep, head or tail of it), so a walk that stops
 * stopped in the kernel, not in the paste.
 */
export function kernelTraceFindings(
  node: NodeSnapshot | null, nodeName: string, events: readonly SourcedEvent[], world: NodeSnapshot[], complete = false,
): KernelTraceFinding[] {
  const found: KernelTraceFinding[] = [];
  const drops = new Map<string, KernelTraceFinding>();
  for (const walk of kernelWalks(events)) {
    const packet = walk.find((e) => e.packet.src !== null)?.packet ?? null;
    const drop = walkDrop(node, nodeName, walk) ?? (complete && node !== null ? walkLost(node, walk, world) : null);
    if (drop !== null) {
      const seen = drops.get(drop.id);
      if (seen === undefined) drops.set(drop.id, { finding: drop, packets: packet === null ? [] : [packet] });
      else {
        if (packet !== null) seen.packets.push(packet);
        if (seen.finding.evidence.length < 6) seen.finding.evidence.splice(seen.packets.length - 1, 0, lineEvidence(walk[walk.length - 1]!));
      }
    }
    if (node !== null) {
      const agreement = walkAgreement(node, walk, world);
      if (agreement.kind === 'disagrees') found.push({ finding: agreement.finding, packets: packet === null ? [] : [packet] });
    }
  }
  for (const drop of drops.values()) {
    const n = drop.packets.length;
    found.push(n > 1 ? { ...drop, finding: { ...drop.finding, title: `${drop.finding.title} (${n} traced packets)` } } : drop);
  }
  return found;
}
