/**
 * A node's ruleset timeline as the faces show it: its iptables snapshots in order, each with the
 * command that printed it and whether it is a fragment, diffed against the earlier snapshot it is
 * comparable with. Only like with like: same kind, family and tables (a `-t nat -L` listing is never
 * the "after" of a filter listing), and a piped listing (`| grep ...`) only against the same pipeline,
 * since a grep's missing lines are "not shown", not "removed".
 */
import { captureSource } from '../model/nodes-view';
import type { Store } from '../model/store';
import type { Ruleset } from '../netfilter/ruleset';
import { diffRulesets, type RulesetDiff } from './ruleset-diff';

export interface RulesetSnapshot {
  captureId: number;
  kind: 'iptables-save' | 'iptables-list';
  source: string;
  takenAt: string | null;
  tables: string[];
}

export interface RulesetChange {
  from: number;
  to: number;
  diff: RulesetDiff;
}

export interface RulesetHistorySnapshot extends RulesetSnapshot {
  command: string | null;
  /** Grep'ed, cut, one chain or one table: a rule missing from it may only be "not shown". */
  partial: boolean;
  /** What follows the command's first `|` (`grep 10.0.34.209`); '' when it was not piped. */
  pipeline: string;
  /** The earlier snapshot this one is compared with; null when there is none alike. */
  previous: number | null;
}

export interface RulesetHistory {
  node: string;
  snapshots: RulesetHistorySnapshot[];
  /** Only the pairs that differ; a snapshot with a `previous` and no change here is unchanged. */
  changes: RulesetChange[];
}

/** What follows the first `|` of the command line (`grep 10.0.34.209`), spaces squeezed; '' when not piped. */
export function pipelineOf(command: string | null): string {
  if (command === null) return '';
  const bar = command.indexOf('|');
  return bar < 0 ? '' : command.slice(bar + 1).trim().replace(/\s+/g, ' ');
}

/** Null when the project has no such node. */
export function rulesetHistory(store: Store, node: string): RulesetHistory | null {
  const nodeId = store.findNode(node);
  if (nodeId === null) return null;
  const snapshots: RulesetHistorySnapshot[] = [];
  const changes: RulesetChange[] = [];
  const last = new Map<string, { id: number; ruleset: Ruleset }>();
  for (const c of store.capturesOf(nodeId)) {
    if ((c.kind !== 'iptables-save' && c.kind !== 'iptables-list') || c.netns !== null) continue;
    for (const ruleset of store.rulesetsOf(c.id)) {
      const tables = ruleset.tables.map((t) => t.name).sort();
      const pipeline = pipelineOf(c.command);
      const key = [c.kind, ruleset.family, tables.join(','), pipeline].join('|');
      const before = last.get(key);
      snapshots.push({
        captureId: c.id, kind: c.kind, source: captureSource(c), takenAt: c.takenAt, tables,
        command: c.command, partial: c.partial || ruleset.origin.partial, pipeline, previous: before?.id ?? null,
      });
      if (before) {
        const diff = diffRulesets(before.ruleset, ruleset);
        if (diff.chains.length > 0 || diff.services.length > 0) changes.push({ from: before.id, to: c.id, diff });
      }
      last.set(key, { id: c.id, ruleset });
    }
  }
  return { node, snapshots, changes };
}
