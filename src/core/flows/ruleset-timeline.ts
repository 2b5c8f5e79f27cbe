/**
 * A node's ruleset over time: its iptables captures in import order (before / after in a transcript),
 * each consecutive pair of the same kind and tables diffed the way kube-proxy reads (rules per chain,
 * services and endpoints that came or went).
 */
import { diffRulesets, type RulesetDiff } from '../correlate/ruleset-diff';
import { captureSource } from '../model/nodes-view';
import type { Store } from '../model/store';

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

export interface RulesetTimeline {
  node: string;
  snapshots: RulesetSnapshot[];
  changes: RulesetChange[];
}

/** Null when the project has no such node. */
export function rulesetTimeline(store: Store, node: string): RulesetTimeline | null {
  const nodeId = store.findNode(node);
  if (nodeId === null) return null;
  const snapshots: RulesetSnapshot[] = [];
  const changes: RulesetChange[] = [];
  const previous = new Map<string, { id: number; ruleset: ReturnType<Store['rulesetsOf']>[number] }>();
  for (const c of store.capturesOf(nodeId)) {
    if ((c.kind !== 'iptables-save' && c.kind !== 'iptables-list') || c.netns !== null) continue;
    for (const ruleset of store.rulesetsOf(c.id)) {
      const tables = ruleset.tables.map((t) => t.name).sort();
      snapshots.push({ captureId: c.id, kind: c.kind, source: captureSource(c), takenAt: c.takenAt, tables });
      // Only like with like: a `-t nat` listing is not an "after" of a filter listing.
      const key = `${c.kind}|${ruleset.family}|${tables.join(',')}`;
      const before = previous.get(key);
      if (before) {
        const diff = diffRulesets(before.ruleset, ruleset);
        if (diff.chains.length > 0 || diff.services.length > 0) changes.push({ from: before.id, to: c.id, diff });
      }
      previous.set(key, { id: c.id, ruleset });
    }
  }
  return { node, snapshots, changes };
}
