/**
 * The node view's "Ruleset history": the `rulesetTimeline` answer as a readable diff per snapshot,
 * the same reading as `natlens rulesets`. Plain text lines with a tone; the component colours them
 * and never renders them as HTML.
 */
import type { NodeJson } from '../../shared/contract/contract-json';
import type { ChainChangeJson, RulesetSnapshotJson, RulesetTimelineJson, RulesetTimelinePageJson, ServiceChangeJson } from '../../shared/contract/ruleset-timeline-json';
import { formatTakenAt } from './node-list';

export type DiffTone = 'added' | 'removed' | 'changed';

export interface DiffLine {
  tone: DiffTone;
  text: string;
}

export interface DiffSection {
  /** `filter/FORWARD`, `nat/KUBE-SVC-… (chain added)`, or `Services`. */
  heading: string;
  lines: DiffLine[];
}

export type SnapshotStatus = 'first' | 'unchanged' | 'changed';

export interface SnapshotBlock {
  key: string;
  /** `#14 iptables-list [filter]`. */
  title: string;
  source: string;
  takenAt: string;
  command: string | null;
  status: SnapshotStatus;
  /** What this snapshot is compared with, or why it is not. */
  comparison: string;
  /** Set when either side is a fragment: a "removed" may only mean "not shown". */
  partialNote: string | null;
  sections: DiffSection[];
}

export interface RulesetHistoryView {
  summary: string;
  blocks: SnapshotBlock[];
}

const RULESET_KINDS = ['iptables-save', 'iptables-list', 'nft-ruleset'];

/** Worth a "Ruleset history" section: the node has iptables captures of its own namespace. */
export function rulesetCaptureCount(node: NodeJson): number {
  return node.captures.filter((c) => RULESET_KINDS.includes(c.kind) && (c.netns ?? null) === null).length;
}

function chainSection(c: ChainChangeJson): DiffSection {
  const lines: DiffLine[] = [];
  if (c.policyBefore !== null && c.policyAfter !== null && c.policyBefore !== c.policyAfter) lines.push({ tone: 'changed', text: `policy ${c.policyBefore} → ${c.policyAfter}` });
  for (const r of c.rulesRemoved) lines.push({ tone: 'removed', text: `- ${r}` });
  for (const r of c.rulesAdded) lines.push({ tone: 'added', text: `+ ${r}` });
  return { heading: `${c.table}/${c.chain}${c.change === 'changed' ? '' : ` (chain ${c.change})`}`, lines };
}

function serviceLine(s: ServiceChangeJson): DiffLine {
  switch (s.change) {
    case 'added':
      return { tone: 'added', text: `+ ${s.service} (${s.endpointsAdded.length > 0 ? `endpoints ${s.endpointsAdded.join(', ')}` : 'no endpoints'})` };
    case 'removed':
      return { tone: 'removed', text: `- ${s.service}${s.endpointsRemoved.length > 0 ? ` (endpoints ${s.endpointsRemoved.join(', ')})` : ''}` };
    case 'changed':
      return { tone: 'changed', text: `~ ${s.service} endpoints ${[...s.endpointsAdded.map((e) => `+${e}`), ...s.endpointsRemoved.map((e) => `-${e}`)].join(' ')}` };
    default: {
      const never: never = s.change;
      return never;
    }
  }
}

function titleOf(s: RulesetSnapshotJson): string {
  return `#${s.captureId} ${s.kind}${s.tables.length > 0 ? ` [${s.tables.join(', ')}]` : ''}`;
}

/**
 * The timeline read so far with `page` added (null: it is the first page). A page that does not start where
 * the read ones end (the captures changed and the timeline was read again) replaces them.
 */
export function withRulesetPage(read: RulesetTimelinePageJson | null, page: RulesetTimelinePageJson): RulesetTimelinePageJson {
  if (read === null || page.page.offset === 0 || page.page.offset !== read.snapshots.length || page.node !== read.node) return page;
  return {
    node: page.node,
    snapshots: [...read.snapshots, ...page.snapshots],
    changes: [...read.changes, ...page.changes],
    page: { ...page.page, offset: 0 },
  };
}

/** `page` (when given) says how many snapshots there are beyond those in `t`. */
export function rulesetHistoryView(t: RulesetTimelineJson & { page?: RulesetTimelinePageJson['page'] }): RulesetHistoryView {
  const byId = new Map(t.snapshots.map((s) => [s.captureId, s]));
  const blocks = t.snapshots.map((s, i): SnapshotBlock => {
    const base = { key: `${s.captureId}-${i}`, title: titleOf(s), source: s.source, takenAt: s.takenAt === null ? '' : formatTakenAt(s.takenAt), command: s.command };
    if (s.previous === null) {
      const comparison = 'first snapshot: nothing to compare with';
      return { ...base, status: 'first', comparison, partialNote: null, sections: [] };
    }
    const before = byId.get(s.previous);
    const comparison = `compared with #${s.previous}${before ? ` (${before.source})` : ''}`;
    const change = t.changes.find((c) => c.to === s.captureId && c.from === s.previous);
    if (change === undefined) return { ...base, status: 'unchanged', comparison, partialNote: null, sections: [] };
    const sections = change.diff.chains.map(chainSection);
    if (change.diff.services.length > 0) sections.push({ heading: 'Services', lines: change.diff.services.map(serviceLine) });
    const partialNote = change.diff.partial ? 'A partial listing (grep, one chain or one table): "removed" may only mean "not shown".' : null;
    return { ...base, status: 'changed', comparison, partialNote, sections };
  });
  const changed = blocks.filter((b) => b.status === 'changed').length;
  const n = t.snapshots.length;
  const total = t.page?.totalSnapshots ?? n;
  const summary =
    n === 0
      ? 'No iptables captures of this node.'
      : total > n
        ? `The first ${n} of ${total} snapshots, ${changed} with changes; each is compared with the one before it, on the chains both show in full`
        : `${n} snapshot${n === 1 ? '' : 's'}, ${changed} with changes; each is compared with the one before it, on the chains both show in full`;
  return { summary, blocks };
}
