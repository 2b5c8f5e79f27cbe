/**
 * The replay's view of a project: one NodeSnapshot per node, from the newest captures of its own
 * namespace (a pod's `ip addr` is not the node's). A node with an iptables-save uses it; a node with
 * only `iptables -L` listings gets the newest listing of each table merged into one ruleset.
 */
import type { CaptureKind, RuleRecord } from '../capture/records';
import type { Ruleset, Table } from '../netfilter/ruleset';
import type { NodeSnapshot } from '../simulate/node-snapshot';
import { ModelError } from './model-error';
import type { CaptureRow, Store } from './store';

export interface WorldOptions {
  /** A ruleset capture id (`trace --snapshot`): used for its node instead of the newest. */
  snapshot?: number | null;
}

const RULESET_KINDS: readonly CaptureKind[] = ['iptables-save', 'iptables-list'];

export function loadWorld(store: Store, options: WorldOptions = {}): NodeSnapshot[] {
  const pinned = options.snapshot == null ? null : store.capture(options.snapshot);
  if (options.snapshot != null && (!pinned || !RULESET_KINDS.includes(pinned.kind)))
    throw new ModelError(store.path, `capture ${options.snapshot} is not an iptables capture of this project`);
  return store.listNodes().map(({ id, name }) => {
    const own = store.capturesOf(id).filter((c) => c.netns === null);
    const newest = (kinds: readonly CaptureKind[]): CaptureRow | null =>
      own.filter((c) => kinds.includes(c.kind)).reduce<CaptureRow | null>((a, c) => (a && a.id > c.id ? a : c), null);
    const addr = newest(['ip-addr']);
    const routes = newest(['ip-route', 'route-table']);
    const rulesets = pinned && pinned.nodeId === id ? store.rulesetsOf(pinned.id) : rulesetsOfNode(store, own);
    const ipRules = ipRulesOfNode(store, own);
    return {
      name,
      ruleset: rulesets.find((r) => r.family === 'ipv4') ?? null,
      ruleset6: rulesets.find((r) => r.family === 'ipv6') ?? null,
      interfaces: addr ? store.interfacesOf(addr.id) : null,
      // `ip addr show eth0`, `ifconfig eth0`, a grep: the node may have interfaces this capture does not list.
      ...(addr ? { interfacesComplete: !addr.partial } : {}),
      routes: routes ? store.routesOf(routes.id) : null,
      rulesetSource: rulesetFileOf(pinned && pinned.nodeId === id ? [pinned] : own),
      rules: ipRules,
    };
  });
}

/** The one file the node's ruleset rules were read from (their lines are lines of it); null when they come from several. */
function rulesetFileOf(captures: readonly CaptureRow[]): string | null {
  const rulesets = captures.filter((c) => RULESET_KINDS.includes(c.kind));
  const saves = rulesets.filter((c) => c.kind === 'iptables-save').sort((a, b) => b.id - a.id);
  const used = saves[0] ? [saves[0]] : rulesets;
  const files = new Set(used.map((c) => c.sourceFile));
  return files.size === 1 ? [...files][0] ?? null : null;
}

/** Each family's rules from the newest `ip rule` capture holding that family (`ip rule` and `ip -6 rule` are two captures). */
function ipRulesOfNode(store: Store, own: readonly CaptureRow[]): RuleRecord[] | null {
  const captures = own.filter((c) => c.kind === 'ip-rule').sort((a, b) => b.id - a.id);
  if (captures.length === 0) return null;
  const out: RuleRecord[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    for (const c of captures) {
      const rules = store.ipRulesOf(c.id).filter((r) => r.family === family);
      if (rules.length === 0) continue;
      out.push(...rules);
      break;
    }
  }
  return out;
}

function rulesetsOfNode(store: Store, own: readonly CaptureRow[]): Ruleset[] {
  const saves = own.filter((c) => c.kind === 'iptables-save').sort((a, b) => b.id - a.id);
  if (saves[0]) return store.rulesetsOf(saves[0].id);
  const listings = own.filter((c) => c.kind === 'iptables-list').sort((a, b) => b.id - a.id);
  const merged = new Map<string, Ruleset>();
  for (const capture of listings) {
    for (const listed of store.rulesetsOf(capture.id)) {
      const into = merged.get(listed.family);
      if (!into) {
        merged.set(listed.family, { ...listed, origin: { ...listed.origin }, tables: [...listed.tables] });
        continue;
      }
      // Newest first: an older listing only contributes tables the newer ones did not show.
      const missing: Table[] = listed.tables.filter((t) => !into.tables.some((u) => u.name === t.name));
      if (missing.length === 0) continue;
      into.tables.push(...missing);
      into.origin.partial ||= listed.origin.partial;
      into.origin.interfacesShown &&= listed.origin.interfacesShown;
      into.origin.countersShown &&= listed.origin.countersShown;
    }
  }
  return [...merged.values()];
}
