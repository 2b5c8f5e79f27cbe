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
