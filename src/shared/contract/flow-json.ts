/**
 * The Flows tab's answers: a page of flows (CONTRACT.md's `flows --json` fields without the
 * observations, plus counts and TCP events) and one flow's detail with a page of its observations
 * and its transformation timeline. All of it is core's flow view (src/core/views/flows.ts); contract-shapes.ts
 * checks that it keeps CONTRACT.md's fields.
 */
import type { ConntrackView, NatRewrite, TimelineHop, TupleView } from '../../core/views/flow-timeline';
import type { ClockRow, FlowTcp, FlowView, ObservationView } from '../../core/views/flows';

/** A flow's timeline is core's (no external document fixes it): these are its parts, as the UI names them. */
export type TupleJson = TupleView;
export type TimelineHopJson = TimelineHop;
export type NatRewriteJson = NatRewrite;
export type ConntrackViewJson = ConntrackView;

export type FlowTcpJson = FlowTcp;

/** One row of the flow table: the flow without its observations, timeline and links. */
export type FlowRowJson = Pick<FlowView, 'id' | 'proto' | 'original' | 'reply' | 'nat' | 'service' | 'evidence' | 'firstSeen' | 'lastSeen' | 'packets' | 'tcp'>;

export type ClockJson = ClockRow;

export interface FlowPageJson {
  /** Flows in the project (with a filter: the matching ones); the page holds `flows.length` of them from `offset`. */
  total: number;
  /** With a filter: the flows in the project before it was applied. */
  unfiltered?: number;
  offset: number;
  flows: FlowRowJson[];
  clock: ClockJson[];
}

export type ObservationJson = ObservationView;

/** One flow with a page of its observations (packets in aligned-time order, then conntrack listings). */
export type FlowDetailJson = FlowRowJson & Pick<FlowView, 'observations' | 'observationsOmitted' | 'timeline' | 'links'> & {
  observationsOffset: number;
};
