/**
 * The `rulesetTimeline` answer as the UI reads it (`natlens rulesets --json`): core's ruleset history
 * (src/core/views/rulesets.ts), served as it is; no external document fixes its shape.
 */
import type { ChainChange, RulesetChange, RulesetHistory, RulesetHistorySnapshot, ServiceChange } from '../../core/views/rulesets';

export type RulesetSnapshotJson = RulesetHistorySnapshot;
export type ChainChangeJson = ChainChange;
export type ServiceChangeJson = ServiceChange;
export type RulesetChangeJson = RulesetChange;
export type RulesetTimelineJson = RulesetHistory;

/** Snapshots one `rulesetTimeline` answer carries when the request names no `limit`, and at most. */
export const RULESET_PAGE = 50;
export const MAX_RULESET_PAGE = 500;

/**
 * `POST /api/rulesets {node, offset, limit}`: the snapshots offset..offset+limit of the node's timeline, oldest
 * first, and the changes that lead to them (a change `to` a snapshot of the page, `from` one that may be on an
 * earlier page); `page` says where the page stands in the whole timeline.
 */
export interface RulesetTimelinePageJson extends RulesetTimelineJson {
  page: { offset: number; limit: number; totalSnapshots: number; nextOffset: number | null };
}
