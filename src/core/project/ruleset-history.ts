/**
 * A node's ruleset timeline as the faces show it: its composed ruleset snapshots in order
 * (compose-state.ts), each made of the captures that show one state of the rules (single-chain
 * listings, a table, a grep, a `-L -n` beside a `-L -n -v` of the same rules), and each diffed against
 * the snapshot before it of the same family. A new snapshot starts only where the captures show a
 * change, so the diff reports real changes; it compares only chains both snapshots know in full, since
 * a chain one of them never showed is "not shown", not "added" or "removed".
 */
import type { CaptureScope } from '../capture/capture-scope';
import type { ComposedRulesetSnapshot } from '../model/compose-state';
import { captureSource } from './nodes';
import { forgetReadRules } from '../model/lazy-rulesets';
import { nodeState } from '../model/node-state';
import type { CaptureRow, Store } from '../model/store';
import type { Ruleset } from '../netfilter/ruleset';
import { diffRulesets } from '../correlate/ruleset-diff';
import type { RulesetChange, RulesetHistory, RulesetHistorySnapshot, RulesetSnapshot, RulesetSnapshotCapture } from '../views/rulesets';

export type { RulesetChange, RulesetHistory, RulesetHistorySnapshot, RulesetSnapshot, RulesetSnapshotCapture };

/** What follows the first `|` of the command line (`grep 10.0.34.209`), spaces squeezed; '' when not piped. */
export function pipelineOf(command: string | null): string {
  if (command === null) return '';
  const bar = command.indexOf('|');
  return bar < 0 ? '' : command.slice(bar + 1).trim().replace(/\s+/g, ' ');
}

function shows(scope: CaptureScope | null): string {
  if (scope === null || scope.of !== 'ruleset') return 'unknown';
  const { part } = scope;
  const what = part.kind === 'whole' ? 'whole' : part.kind === 'tables' ? `table ${part.tables.join(',')}` : `chain ${part.chains.map((c) => `${part.table}/${c}`).join(',')}`;
  return scope.filtered ? `${what} (filtered)` : what;
}

/** `ruleset` with only the chains `other` also knows in full (and its own known in full). */
function comparable(own: ComposedRulesetSnapshot, other: ComposedRulesetSnapshot): Ruleset {
  const known = (s: ComposedRulesetSnapshot, table: string, chain: string): boolean =>
    s.knownChains.includes(`${table}/${chain}`) || (s.wholeTables as readonly string[]).includes(table);
  return {
    ...own.ruleset,
    tables: own.ruleset.tables.map((t) => ({ ...t, chains: t.chains.filter((c) => known(own, t.name, c.name) && known(other, t.name, c.name)) })),
  };
}

/** Null when the project has no such node. */
export function rulesetHistory(store: Store, node: string): RulesetHistory | null {
  const page = rulesetHistoryPage(store, node, 0, Number.MAX_SAFE_INTEGER);
  return page === null ? null : { node: page.node, snapshots: page.snapshots, changes: page.changes };
}

/**
 * The snapshots offset..offset+limit of the timeline and the changes that lead to them (from a snapshot that
 * may lie before the page), with how many snapshots there are; only the page's snapshots are diffed. Null
 * when the project has no such node.
 */
export function rulesetHistoryPage(store: Store, node: string, offset: number, limit: number): (RulesetHistory & { totalSnapshots: number }) | null {
  const nodeId = store.findNode(node);
  if (nodeId === null) return null;
  const rows = new Map<number, CaptureRow>(store.capturesOf(nodeId).map((c) => [c.id, c]));
  const snapshots: RulesetHistorySnapshot[] = [];
  const changes: RulesetChange[] = [];
  const last = new Map<'ipv4' | 'ipv6', { id: number; snapshot: ComposedRulesetSnapshot }>();
  const composed = nodeState(store, nodeId).rulesets;
  const end = Math.min(composed.length, offset + limit);
  composed.forEach((s, i) => {
    const opener = rows.get(s.captures[0]!)!;
    const before = last.get(s.family);
    last.set(s.family, { id: opener.id, snapshot: s });
    if (i < offset || i >= end) return;
    const captures = s.captures.map((id): RulesetSnapshotCapture => {
      const c = rows.get(id)!;
      return { id, kind: c.kind as RulesetSnapshotCapture['kind'], source: captureSource(c), command: c.command, shows: shows(c.scope) };
    });
    snapshots.push({
      captureId: opener.id, kind: opener.kind as RulesetSnapshot['kind'], source: captureSource(opener), takenAt: opener.takenAt,
      tables: s.ruleset.tables.map((t) => t.name).sort(), command: opener.command, partial: s.ruleset.origin.partial,
      pipeline: pipelineOf(opener.command), previous: before?.id ?? null, family: s.family, startedBy: s.startedBy, captures,
    });
    if (before) {
      const diff = diffRulesets(comparable(before.snapshot, s), comparable(s, before.snapshot));
      if (diff.chains.length > 0 || diff.services.length > 0) changes.push({ from: before.id, to: opener.id, diff });
      // The earlier snapshot is diffed with no other: a node with many snapshots holds two at a time (the newest
      // of each family stays read, as a trace would read it).
      forgetReadRules(before.snapshot.ruleset);
    }
  });
  return { node, snapshots, changes, totalSnapshots: composed.length };
}
