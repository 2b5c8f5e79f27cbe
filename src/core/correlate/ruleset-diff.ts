/**
 * What changed between two captures of one node's ruleset (before / after in a transcript): rules added
 * and removed per chain, policies, chains, and the Kubernetes services and endpoints that came or went.
 * Rules compare as a multiset, so a reorder is not reported as a change of content, and only on the fields
 * both captures show (rule-key.ts): a `-L -n` and a `-L -n -v` of the same rules are the same rules.
 */
import { kubeProxyServices } from '../netfilter/kube-proxy';
import { hiddenBetween, ruleKey } from '../netfilter/rule-key';
import type { Chain, Ruleset, TableName } from '../netfilter/ruleset';
import type { ChainChange, RulesetDiff, ServiceChange } from '../views/rulesets';



export type { ChainChange, RulesetDiff, ServiceChange };

function chainIndex(ruleset: Ruleset): Map<string, { table: TableName; chain: Chain }> {
  const index = new Map<string, { table: TableName; chain: Chain }>();
  for (const table of ruleset.tables) for (const chain of table.chains) index.set(`${table.name}\u0000${chain.name}`, { table: table.name, chain });
  return index;
}

/** a − b as multisets, in a's order; `keyOf` says which elements are the same. */
function minus<T>(a: readonly T[], b: readonly T[], keyOf: (x: T) => string = String): T[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(keyOf(x), (left.get(keyOf(x)) ?? 0) + 1);
  const out: T[] = [];
  for (const x of a) {
    const n = left.get(keyOf(x)) ?? 0;
    if (n > 0) left.set(keyOf(x), n - 1);
    else out.push(x);
  }
  return out;
}

export function diffRulesets(before: Ruleset, after: Ruleset): RulesetDiff {
  const a = chainIndex(before);
  const b = chainIndex(after);
  const chains: ChainChange[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    const chain = name.split('\u0000')[1]!;
    const table = (x ?? y)!.table;
    const hidden = hiddenBetween(
      { chain: x?.chain ?? y!.chain, interfacesShown: before.origin.interfacesShown, format: before.origin.format },
      { chain: y?.chain ?? x!.chain, interfacesShown: after.origin.interfacesShown, format: after.origin.format },
    );
    const key = (r: Chain['rules'][number]): string => ruleKey(chain, r, hidden);
    const rulesAdded = minus(y?.chain.rules ?? [], x?.chain.rules ?? [], key).map((r) => r.text);
    const rulesRemoved = minus(x?.chain.rules ?? [], y?.chain.rules ?? [], key).map((r) => r.text);
    const policyBefore = x?.chain.policy ?? null;
    const policyAfter = y?.chain.policy ?? null;
    if (x && y && rulesAdded.length === 0 && rulesRemoved.length === 0 && (policyBefore === policyAfter || policyBefore === null || policyAfter === null)) continue;
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
