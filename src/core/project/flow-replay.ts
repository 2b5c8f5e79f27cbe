/** The store side of a flow's replay (diagnose/flow-replay.ts): reads the stored flow and the world, then replays it. */
import { flowDetail } from './flows';
import type { Store } from '../model/store';
import type { NodeSnapshot } from '../simulate';
import { replayFlowView, type FlowReplay } from '../diagnose/flow-replay';
import { loadWorld } from './node-world';

export interface FlowReplayOptions {
  /** The replay's world, when the caller replays many flows (loadWorld once). */
  world?: NodeSnapshot[];
  /** How many of the flow's first packets are looked through for one sent by the client (default 64). */
  scan?: number;
}

/** Replays flow `flowId`'s first packet; null when there is no such flow. Flows must have been stitched. */
export function replayFlow(store: Store, flowId: number, options: FlowReplayOptions = {}): FlowReplay | null {
  const detail = flowDetail(store, flowId, { limit: options.scan ?? 64 });
  if (detail === null) return null;
  return replayFlowView(detail, options.world ?? loadWorld(store));
}
