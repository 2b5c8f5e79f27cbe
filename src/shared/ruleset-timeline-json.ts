/**
 * The `rulesetTimeline` answer as the UI reads it (`natlens rulesets --json`); core-backend.ts checks
 * at compile time that core's RulesetHistory (src/core/correlate/ruleset-history.ts) still fits.
 */

export interface RulesetSnapshotJson {
  captureId: number;
  kind: 'iptables-save' | 'iptables-list';
  /** `file:line`. */
  source: string;
  takenAt: string | null;
  tables: string[];
  command: string | null;
  /** Grep'ed, cut, one chain or one table: a rule missing from it may only be "not shown". */
  partial: boolean;
  /** What follows the command's first `|` (`grep 10.0.34.209`); '' when it was not piped. */
  pipeline: string;
  /** The earlier snapshot of the same kind, tables and pipeline it is compared with; null: none. */
  previous: number | null;
}

export interface ChainChangeJson {
  table: string;
  chain: string;
  change: 'added' | 'removed' | 'changed';
  policyBefore: string | null;
  policyAfter: string | null;
  rulesAdded: string[];
  rulesRemoved: string[];
}

export interface ServiceChangeJson {
  service: string;
  change: 'added' | 'removed' | 'changed';
  endpointsAdded: string[];
  endpointsRemoved: string[];
}

export interface RulesetChangeJson {
  from: number;
  to: number;
  diff: { chains: ChainChangeJson[]; services: ServiceChangeJson[]; partial: boolean };
}

export interface RulesetTimelineJson {
  node: string;
  snapshots: RulesetSnapshotJson[];
  /** Only the pairs that differ. */
  changes: RulesetChangeJson[];
}
