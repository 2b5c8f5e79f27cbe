/**
 * The `trace` answer as the UI reads it: CONTRACT.md's `trace --json` document with the richer
 * fields the replay adds (summary, NAT before/after, service, caveats, the ordered trail): core's
 * TraceResult (src/core/views/trace.ts), served as it is. contract-shapes.ts checks that it keeps the
 * contract's fields.
 */
import type { Assumption, Hop, NatTransformation, Outcome, PacketView, Step, TraceResult, Verdict } from '../../core/views/trace';

export type PacketJson = PacketView;
export type VerdictJson = Verdict;
export type NatStepJson = NatTransformation;
export type TraceStepJson = Step;
export type HopJson = Hop;
/** What an outcome rests on that the captures do not show (CONTRACT.md `assumptions`). */
export type AssumptionJson = Assumption;
export type OutcomeJson = Outcome;
export type TraceResultJson = TraceResult;
