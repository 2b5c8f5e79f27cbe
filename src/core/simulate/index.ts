/** The simulated replay's public face: what the CLI, the server and the UI call. */
export { tracePacket } from './trace-packet';
export { compileNode, compiledNodeOf } from './compiled-node';
export type { CompiledNode } from './compiled-node';
export type { NodeSnapshot } from './node-snapshot';
export { SimulateError } from './trace';
export type { Assumption } from './assumption';
export type {
  Egress, Hop, KubeEntry, NatKind, NatTransformation, Outcome, PacketView, RouteResult, ServiceHit, Step,
  TraceEvent, TraceInput, TraceRequest, TraceResult, Verdict,
} from './trace';
