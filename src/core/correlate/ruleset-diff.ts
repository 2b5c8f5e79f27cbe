/**
 * What changed between two captures of one node's ruleset (before / after in a transcript): rules added
 * and removed per chain, policies, chains, and the Kubernetes services and endpoints that came or went.
 * Rules compare by their text, as a multiset, so a reorder is not reported as a change of content.
 */
import { kubeProxyServices } from '../netfilter/kube-proxy';
import type { Ruleset, TableName } from '../netfilter/ruleset';

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

function chainIndex(ruleset: Ruleset): Map<string, { table: TableName; policy: string | null; rules: string[] }> {
  const index = new Map<string, { table: TableName; policy: string | null; rules: string[] }>();
  for (const table of ruleset.tables)
    for (const chain of table.chains)
      index.set(`${table.name}\u0000${chain.name}`, { table: table.name, policy: chain.policy, rules: chain.rules.map((r) => r.text) });
  return index;
}

/** a − b as multisets, in a's order. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

export function diffRulesets(before: Ruleset, after: Ruleset): RulesetDiff {
  const a = chainIndex(before);
  const b = chainIndex(after);
  const chains: ChainChange[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    const chain = key.split('\u0000')[1]!;
    const table = (x ?? y)!.table;
    const rulesAdded = minus(y?.rules ?? [], x?.rules ?? []);
    const rulesRemoved = minus(x?.rules ?? [], y?.rules ?? []);
    const policyBefore = x?.policy ?? null;
    const policyAfter = y?.policy ?? null;
    if (x && y && rulesAdded.length === 0 && rulesRemoved.length === 0 && policyBefore === policyAfter) continue;
    const change = !x ? 'added' : !y ? 'removed' : 'changed';
    chains.push({ table, chain, change, policyBefore, policyAfter, rulesAdded, rulesRemoved });
  }
  const servicesBefore = new Map(kubeProxyServices(before).map((s) => [s.name, s.endpoints]));
  const servicesAfter = new Map(kubeProxyServices(after).map((s) => [s.name, s.endpoints]));
  const services: ServiceChange[] = [];
  for (const name of [...new Set([...servicesBefore.keys(), ...servicesAfter.keys()])].sort()) {
    const x = servicesBefore.get(name);
    const y = servicesAfter.get(name);
    const endpointsAdded = minus(y ?? [], x ?? []);
    const endpointsRemoved = minus(x ?? [], y ?? []);
    if (x && y && endpointsAdded.length === 0 && endpointsRemoved.length === 0) continue;
    services.push({ service: name, change: !x ? 'added' : !y ? 'removed' : 'changed', endpointsAdded, endpointsRemoved });
  }
  return { chains, services, partial: before.origin.partial || after.origin.partial };
}
