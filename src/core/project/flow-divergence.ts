/**
 * The divergence view of one stored flow: its first packet replayed where it was first seen
 * (flow-replay.ts chooses the node and ingress) and compared, point by point, with the flow's
 * captured sightings (flow-divergence.ts). The store side of the view; flows must be stitched.
 */
import { flowDetail } from './flows';
import { loadWorld } from './node-world';
import type { Store } from '../model/store';
import type { NodeSnapshot } from '../simulate';
import { compareReplay } from '../diagnose/flow-divergence';
import type { FlowDivergenceView } from '../views/flow-divergence';
import { replayFlow } from './flow-replay';
import { placeOf } from '../diagnose/path-divergence';

export type { FlowDivergenceView };

export interface FlowDivergenceOptions {
  /**
   * The replay's world (loadWorld), when the caller keeps one across requests: compiled rules are
   * cached per snapshot object, so a kept world replays a 170k-rule node without compiling it again.
   */
  world?: NodeSnapshot[];
}

/** Null for an unknown flow. */
export function projectFlowDivergence(store: Store, flowId: number, options: FlowDivergenceOptions = {}): FlowDivergenceView | null {
  // The timeline is stored with the flow: no observation needs reading.
  const detail = flowDetail(store, flowId, { limit: 0 });
  if (detail === null) return null;
  const world = options.world ?? loadWorld(store);
  const replay = replayFlow(store, flowId, { world });
  if (replay === null) return null;
  if (replay.kind === 'not-replayed') return { kind: 'not-replayed', flow: flowId, reason: replay.reason };
  // Captured sightings only: a kernel trace's points are the replay's start, not places a packet was captured.
  const hops = detail.timeline.hops.filter((h) => h.evidence === 'observed');
  const r = replay.request;
  return {
    kind: 'replayed',
    flow: flowId,
    start: { node: r.node, in: r.in ?? null, local: r.local === true, packet: replay.sighting.packet },
    trace: replay.trace,
    why: replay.why,
    outcomes: replay.result.outcomes.length,
    comparison: compareReplay(replay.result.outcomes, hops, { place: placeOf(new Map(world.map((n) => [n.name, n]))) }),
    replies: hops.filter((h) => h.direction === 'reply').reduce((n, h) => n + h.packets, 0),
  };
}
