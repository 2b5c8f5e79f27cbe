/**
 * The replay's view of a project: one NodeSnapshot per node, composed from all the captures of its
 * own namespace (a pod's `ip addr` is not the node's), each replacing only what it covers
 * (compose-state.ts). The ruleset is the newest composed snapshot of each family (newestSnapshot).
 */
import type { CaptureKind } from '../capture/records';
import type { NodeSnapshot } from '../simulate/node-snapshot';
import type { ComposedRulesetSnapshot } from './compose-state';
import { ModelError } from './model-error';
import { newestPerFamily, nodeState } from './node-state';
import type { Store } from './store';

export interface WorldOptions {
  /** A ruleset capture id (`trace --snapshot`): the ruleset snapshot it is part of is used for its node instead of the newest. */
  snapshot?: number | null;
}

const RULESET_KINDS: readonly CaptureKind[] = ['iptables-save', 'iptables-list'];

export function loadWorld(store: Store, options: WorldOptions = {}): NodeSnapshot[] {
  const pinned = options.snapshot == null ? null : store.capture(options.snapshot);
  if (options.snapshot != null && (!pinned || !RULESET_KINDS.includes(pinned.kind)))
    throw new ModelError(store.path, `capture ${options.snapshot} is not an iptables capture of this project`);
  return store.listNodes().map(({ id, name }) => {
    const state = nodeState(store, id);
    const pick = (family: 'ipv4' | 'ipv6'): ComposedRulesetSnapshot | null => {
      const own = state.rulesets.filter((s) => s.family === family);
      if (pinned && pinned.nodeId === id && pinned.netns === null) {
        const holding = own.find((s) => s.captures.includes(pinned.id));
        if (holding) return holding;
      }
      return newestSnapshot(store, own);
    };
    const ipv4 = pick('ipv4');
    return {
      name,
      ruleset: ipv4?.ruleset ?? null,
      ruleset6: pick('ipv6')?.ruleset ?? null,
      interfaces: state.interfaces,
      interfacesComplete: state.interfacesComplete,
      routes: state.routes,
      rulesetSource: ipv4 === null ? null : sourceFileOf(store, ipv4.captures),
      rules: newestPerFamily(store, id, 'ip-rule', (c) => store.ipRulesOf(c)),
    };
  });
}

/** When a snapshot's rules were last seen: the latest time its captures carry (iptables-save's `# Generated ... on`), else null. */
function takenAt(store: Store, snapshot: ComposedRulesetSnapshot): number | null {
  let latest: number | null = null;
  for (const id of snapshot.captures) {
    const at = store.capture(id)?.takenAt;
    const ms = at == null ? NaN : Date.parse(at);
    if (!Number.isNaN(ms) && (latest === null || ms > latest)) latest = ms;
  }
  return latest;
}

/**
 * The snapshot in force last: the last one composed (captures are composed in import order), unless the
 * captures' own clocks say another was taken later. A transcript imported after a node's files may hold
 * the rules from before a change the files show (a rollout), and importing it must not bring them back.
 */
export function newestSnapshot(store: Store, snapshots: readonly ComposedRulesetSnapshot[]): ComposedRulesetSnapshot | null {
  const last = snapshots[snapshots.length - 1];
  if (last === undefined) return null;
  let best = last;
  let bestAt = takenAt(store, last);
  if (bestAt === null) return last;
  for (const s of snapshots) {
    const at = takenAt(store, s);
    if (at !== null && at > bestAt) [best, bestAt] = [s, at];
  }
  return best;
}

/** The one file a snapshot's rules were read from (their lines are lines of it); null when they come from several. */
function sourceFileOf(store: Store, captures: readonly number[]): string | null {
  const files = new Set(captures.map((c) => store.capture(c)?.sourceFile ?? null));
  return files.size === 1 ? [...files][0] ?? null : null;
}
