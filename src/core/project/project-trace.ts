/**
 * A trace over a project's store, as every face runs it: the world the replay sees (newest captures
 * per node, or the pinned ruleset snapshot), then the replay itself.
 */
import { SimulateError, tracePacket, type NodeSnapshot, type TraceRequest, type TraceResult } from '../simulate';
import { loadWorld } from './node-world';
import type { Store } from '../model/store';

export interface ProjectTraceOptions {
  /** A ruleset capture id (`trace --snapshot`); null: the newest of each node. */
  snapshot: number | null;
  /** The world loadWorld gives for `snapshot`, kept by a caller that traces again and again (the server); absent: loaded here. */
  world?: NodeSnapshot[];
}

/** Throws SimulateError for an unknown node, ModelError for a snapshot that is not a ruleset capture. */
export function traceProject(store: Store, request: TraceRequest, options: ProjectTraceOptions): TraceResult {
  const world = options.world ?? loadWorld(store, { snapshot: options.snapshot });
  if (!world.some((n) => n.name === request.node))
    throw new SimulateError(`unknown node "${request.node}" (known: ${world.map((n) => n.name).join(', ') || 'none'})`);
  return tracePacket(world, request);
}
