/**
 * A node's ruleset timeline as the faces show it (`natlens rulesets --json`): its snapshots, each made of the
 * captures that show one state of the rules, and what changed between them. core/correlate/ruleset-diff.ts
 * diffs two rulesets, core/model/compose-state.ts starts the snapshots, core/project/ruleset-history.ts
 * assembles the timeline.
 */
import type { TableName } from '../netfilter/ruleset';

/** What a command typed in a transcript changed on the node. */
export type StateChange = 'rules' | 'routes' | 'interfaces' | 'everything';

/** A command of a transcript that changed a node's rules, routes or interfaces. */
export interface StateChangeNote {
  command: string;
  /** `file:line` of the command. */
  source: string;
  changes: StateChange;
}

export type RulesetSnapshotStart =
  | { kind: 'first' }
  /** Commands typed before the capture that opened it changed the rules. */
  | { kind: 'command'; notes: StateChangeNote[] }
  /** The capture that opened it shows chains that differ from what was known. */
  | { kind: 'differs'; chains: string[] };

export interface ChainChange {
  table: TableName;
  chain: string;
  change: 'added' | 'removed' | 'changed';
  policyBefore: string | null;
  policyAfter: string | null;
  rulesAdded: string[];
  rulesRemoved: string[];
}

export interface ServiceChange {
  service: string;
  change: 'added' | 'removed' | 'changed';
  endpointsAdded: string[];
  endpointsRemoved: string[];
}

export interface RulesetDiff {
  chains: ChainChange[];
  services: ServiceChange[];
  /** Either side is a fragment (grep, one chain): a "removed" may only mean "not shown". */
  partial: boolean;
}

export interface RulesetSnapshot {
  captureId: number;
  kind: 'iptables-save' | 'iptables-list' | 'nft-ruleset';
  source: string;
  takenAt: string | null;
  tables: string[];
}

export interface RulesetChange {
  from: number;
  to: number;
  diff: RulesetDiff;
}

/** One capture that makes a snapshot. */
export interface RulesetSnapshotCapture {
  id: number;
  kind: 'iptables-save' | 'iptables-list' | 'nft-ruleset';
  source: string;
  command: string | null;
  /** What of the ruleset it shows: `whole`, `table nat`, `chain nat/KUBE-SVC-X`, plus ` (filtered)` for a grep. */
  shows: string;
}

export interface RulesetHistorySnapshot extends RulesetSnapshot {
  /** The command of the capture that opened the snapshot. */
  command: string | null;
  /** Not the whole ruleset: a table or chains of it, or a grep's lines. */
  partial: boolean;
  /** What follows the opening command's first `|` (`grep 10.0.34.209`); '' when it was not piped. */
  pipeline: string;
  /** The snapshot before it of the same family; null for the first. */
  previous: number | null;
  family: 'ipv4' | 'ipv6';
  /** Why a new snapshot starts here: the first, a state-changing command typed before it, or a capture that differs. */
  startedBy: RulesetSnapshotStart;
  /** Every capture that makes it, the opening one first. */
  captures: RulesetSnapshotCapture[];
}

export interface RulesetHistory {
  node: string;
  snapshots: RulesetHistorySnapshot[];
  /** Only the pairs that differ; a snapshot with a `previous` and no change here is unchanged. */
  changes: RulesetChange[];
}
