/**
 * The divergence view of one stored flow (the `flowDivergence` answer): its first packet's replay beside the
 * flow's captured sightings, point by point. core/diagnose/flow-divergence.ts compares them; core/project/
 * flow-divergence.ts reads the flow and runs the replay.
 */
import type { FindingTrace } from './findings';
import type { TupleView } from './flow-timeline';

export type PointStatus =
  /** Captured at the predicted place with the predicted addresses and ports. */
  | 'agree'
  /** Captured at the predicted place with other addresses or ports (another DNAT target, no SNAT...). */
  | 'differs'
  /** The place captured this connection, but not the packet the replay predicts there. */
  | 'missing'
  /** Nothing captured this connection at the place: neither confirmed nor contradicted. */
  | 'unobserved'
  /** Captured where the replay does not pass (after a predicted drop, on another interface or node). */
  | 'unpredicted';

/** A field of an address-and-port tuple. */
export type TupleField = 'src' | 'sport' | 'dst' | 'dport';

export interface PredictedPoint {
  /** Index of the outcome's hop. */
  hop: number;
  node: string;
  interface: string;
  /** in: the packet as it arrives (before the node's rules); out: as it leaves (after them). */
  side: 'in' | 'out';
  packet: TupleView;
}

export interface CapturedPoint {
  node: string;
  interface: string | null;
  packet: TupleView;
  packets: number;
  /** Aligned epoch seconds of the first packet. */
  time: number;
  explanation: string;
}

export interface DivergenceRow {
  status: PointStatus;
  predicted: PredictedPoint | null;
  captured: CapturedPoint | null;
  /**
   * More sightings of the same packet at the same place: the bridge and the port it came through,
   * a `-i any` capture beside one of the interface.
   */
  also: CapturedPoint[];
  /** The fields the capture shows otherwise than predicted (`differs` only). */
  fields: TupleField[];
}

export interface OutcomeComparison {
  /** Index into the replay's outcomes. */
  outcome: number;
  probability: number;
  verdict: string;
  summary: string;
  rows: DivergenceRow[];
  /** Index into `rows` of the first difference; null when the captures agree wherever they look. */
  firstDivergence: number | null;
  agreed: number;
  /** One sentence: the first difference, or that there is none. */
  headline: string;
}

export type FlowDivergenceView =
  | {
      kind: 'replayed';
      flow: number;
      start: { node: string; in: string | null; local: boolean; packet: TupleView };
      trace: FindingTrace | null;
      why: string;
      outcomes: number;
      comparison: OutcomeComparison | null;
      replies: number;
    }
  | { kind: 'not-replayed'; flow: number; reason: string };
