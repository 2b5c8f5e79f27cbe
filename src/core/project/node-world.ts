/**
 * The replay's view of a project: one NodeSnapshot per node, composed from all the captures of its
 * own namespace (a pod's `ip addr` is not the node's), each replacing only what it covers
 * (compose-state.ts). The ruleset is the newest composed snapshot of each family (newestSnapshot).
 */
import { isRulesetKind } from '../records/records';
import type { NodeSnapshot } from '../simulate/node-snapshot';
import type { ComposedRulesetSnapshot } from '../model/compose-state';
import { ModelError } from '../model/model-error';
import { forgetRulesetStates, LINK_PARTS, newestPerFamily, newestSnapshot, nodeState, RULESET_PARTS } from '../model/node-state';
import { forgetReadRules } from '../model/lazy-rulesets';
import { nodeSysctls } from '../model/node-sysctl';
import type { Store } from '../model/store';

export interface WorldOptions {
  /** A ruleset capture id (`trace --snapshot`): the ruleset snapshot it is part of is used for its node instead of the newest. */
  snapshot?: number | null;
}

type RulesetFields = Pick<NodeSnapshot, 'ruleset' | 'ruleset6' | 'rulesetSource'>;

/** How to drop what a snapshot of loadWorld read of its node's rulesets (forgetNodeRules). */
const forgetters = new WeakMap<NodeSnapshot, () => void>();

const RULESET_FIELDS = ['ruleset', 'ruleset6', 'rulesetSource'] as const;

/**
 * The snapshot's ruleset fields, each read from `picked` when first read and then a plain field, as defineLazy
 * makes them; `reread` turns the fields still holding what was picked back into reads (one someone assigned stays).
 */
function defineRulesetFields(snapshot: NodeSnapshot, picked: () => RulesetFields): { reread: (was: RulesetFields) => void } {
  const define = (key: (typeof RULESET_FIELDS)[number]): void => {
    Object.defineProperty(snapshot, key, {
      configurable: true,
      enumerable: true,
      get(): unknown {
        const value = picked()[key];
        Object.defineProperty(snapshot, key, { configurable: true, enumerable: true, writable: true, value });
        return value;
      },
      set(value: unknown): void {
        Object.defineProperty(snapshot, key, { configurable: true, enumerable: true, writable: true, value });
      },
    });
  };
  for (const key of RULESET_FIELDS) define(key);
  return {
    reread: (was) => {
      for (const key of RULESET_FIELDS) {
        const own = Object.getOwnPropertyDescriptor(snapshot, key);
        if (own !== undefined && own.get === undefined && own.value === was[key]) define(key);
      }
    },
  };
}

/**
 * The world, read lazily: each node's interfaces, routes and policy rules at once (every node may own
 * the next hop), its rulesets when first read, and then chain by chain (lazy-rulesets.ts). A trace
 * reads the rules of the nodes on its path only; callers that read every ruleset get them all, and
 * drop each node's when done with it (forgetNodeRules).
 * The snapshots read from `store` when used, so they must not outlive it.
 */
export function loadWorld(store: Store, options: WorldOptions = {}): NodeSnapshot[] {
  const pinned = options.snapshot == null ? null : store.capture(options.snapshot);
  if (options.snapshot != null && (!pinned || !isRulesetKind(pinned.kind)))
    throw new ModelError(store.path, `capture ${options.snapshot} is not an iptables capture of this project`);
  return store.listNodes().map(({ id, name }) => {
    const links = nodeState(store, id, null, LINK_PARTS);
    let picked: RulesetFields | null = null;
    const rulesets = (): RulesetFields => {
      if (picked !== null) return picked;
      const state = nodeState(store, id, null, RULESET_PARTS);
      const pick = (family: 'ipv4' | 'ipv6'): ComposedRulesetSnapshot | null => {
        const own = state.rulesets.filter((s) => s.family === family);
        if (pinned && pinned.nodeId === id && pinned.netns === null) {
          const holding = own.find((s) => s.captures.includes(pinned.id));
          if (holding) return holding;
        }
        return newestSnapshot(store, own);
      };
      const ipv4 = pick('ipv4');
      picked = {
        ruleset: ipv4?.ruleset ?? null,
        ruleset6: pick('ipv6')?.ruleset ?? null,
        rulesetSource: ipv4 === null ? null : sourceFileOf(store, ipv4.captures),
      };
      return picked;
    };
    const snapshot = {
      name,
      interfaces: links.interfaces,
      interfacesComplete: links.interfacesComplete,
      routes: links.routes,
      rules: newestPerFamily(store, id, 'ip-rule', (c) => store.ipRulesOf(c)),
      sysctls: nodeSysctls(store, id),
    } as NodeSnapshot;
    const fields = defineRulesetFields(snapshot, rulesets);
    forgetters.set(snapshot, () => {
      if (picked === null) return;
      fields.reread(picked);
      picked = null;
      forgetRulesetStates(store, id);
    });
    return snapshot;
  });
}

/**
 * Drops the rules read from the store for `node` (see forgetReadRules), and for a node of loadWorld its
 * rulesets' chains too (composed again from the store when next asked for): after a pass that went through
 * them, so a pass over every node holds one node's rules and chains at a time. Rulesets someone assigned stay.
 */
export function forgetNodeRules(node: NodeSnapshot): void {
  if (node.ruleset !== null) forgetReadRules(node.ruleset);
  if (node.ruleset6 != null) forgetReadRules(node.ruleset6);
  forgetters.get(node)?.();
}

/** The one file a snapshot's rules were read from (their lines are lines of it); null when they come from several. */
function sourceFileOf(store: Store, captures: readonly number[]): string | null {
  const files = new Set(captures.map((c) => store.capture(c)?.sourceFile ?? null));
  return files.size === 1 ? [...files][0] ?? null : null;
}
