/**
 * The `flowDivergence` answer as the UI reads it: the replay of a flow's first packet beside the
 * flow's captured sightings, point by point. core-backend.ts checks at compile time that core's
 * view (src/core/diagnose/project-flow-divergence.ts) still fits.
 */
import type { FindingTraceJson } from './finding-json';
import type { TupleJson } from './flow-json';

export type DivergenceStatusJson = 'agree' | 'differs' | 'missing' | 'unobserved' | 'unpredicted';

export interface CapturedSightingJson {
  node: string;
  interface: string | null;
  packet: TupleJson;
  packets: number;
  time: number;
  explanation: string;
}

export interface DivergenceRowJson {
  status: DivergenceStatusJson;
  predicted: { hop: number; node: string; interface: string; side: 'in' | 'out'; packet: TupleJson } | null;
  captured: CapturedSightingJson | null;
  /** More sightings of the same packet at the same place (the bridge and its port). */
  also: CapturedSightingJson[];
  fields: Array<'src' | 'sport' | 'dst' | 'dport'>;
}

export interface OutcomeComparisonJson {
  outcome: number;
  probability: number;
  verdict: string;
  summary: string;
  rows: DivergenceRowJson[];
  firstDivergence: number | null;
  agreed: number;
  headline: string;
}

export type FlowDivergenceJson =
  | {
      kind: 'replayed';
      flow: number;
      /** Where the replay starts: the first sighting's node, arrival and packet. */
      start: { node: string; in: string | null; local: boolean; packet: TupleJson };
      /** The same replay as `natlens trace` (and the Trace tab) runs it; null for a protocol it does not take. */
      trace: FindingTraceJson | null;
      /** Why the replay starts at this node and interface. */
      why: string;
      outcomes: number;
      /** The outcome the captures bear out best; null when the replay has none. */
      comparison: OutcomeComparisonJson | null;
      /** Reply-direction sightings: the replay follows the first packet only, so they are not compared. */
      replies: number;
    }
  | { kind: 'not-replayed'; flow: number; reason: string };
