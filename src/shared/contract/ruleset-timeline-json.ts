/**
 * The `rulesetTimeline` answer as the UI reads it (`natlens rulesets --json`); core-backend.ts checks
 * at compile time that core's RulesetHistory (src/core/project/ruleset-history.ts) still fits.
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
  /** The snapshot before it (of the same family) it is compared with; null: none. */
  previous: number | null;
  family?: 'ipv4' | 'ipv6';
  /** Why a new snapshot starts here: the first, a command that changed the rules, or a capture that differs. */
  startedBy?: { kind: 'first' } | { kind: 'command'; notes: Array<{ command: string; source: string }> } | { kind: 'differs'; chains: string[] };
  /** The captures that make the snapshot (one state of the rules), the opening one first. */
  captures?: Array<{ id: number; kind: string; source: string; command: string | null; shows: string }>;
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
