/** The replay's result types (core/views/trace.ts) and the error of a request it cannot start. */
import type { Egress, HookName, Hop, KubeEntry, NatKind, NatTransformation, Outcome, PacketView, RouteResult, ServiceHit, SettingDrop, Step, TraceEvent, TraceInput, TraceRequest, TraceResult, Verdict } from '../views/trace';

export type { Assumption } from './assumption';
export type { Egress, HookName, Hop, KubeEntry, NatKind, NatTransformation, Outcome, PacketView, RouteResult, ServiceHit, SettingDrop, Step, TraceEvent, TraceInput, TraceRequest, TraceResult, Verdict };

/**
 * A request the simulator cannot even start (unknown node, bad address): faces map it to exit 1;
 * `usage` marks a request that contradicts the captures themselves (an interface the node does not
 * have, --local without --src where no source can be chosen): exit 2.
 */
export class SimulateError extends Error {
  constructor(readonly reason: string, readonly usage = false) {
    super(reason);
    this.name = 'SimulateError';
  }
}
