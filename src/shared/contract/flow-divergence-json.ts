/**
 * The `flowDivergence` answer as the UI reads it: the replay of a flow's first packet beside the
 * flow's captured sightings, point by point. core's view (src/core/views/flow-divergence.ts), served as it is.
 */
import type { CapturedPoint, DivergenceRow, FlowDivergenceView, OutcomeComparison, PointStatus } from '../../core/views/flow-divergence';

export type DivergenceStatusJson = PointStatus;
export type CapturedSightingJson = CapturedPoint;
export type DivergenceRowJson = DivergenceRow;
export type OutcomeComparisonJson = OutcomeComparison;
export type FlowDivergenceJson = FlowDivergenceView;
