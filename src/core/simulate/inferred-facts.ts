/**
 * Facts a node's captures imply without showing them, each with its evidence. Today: an address a
 * rule SNATs to (`-j SNAT --to-source X`) is one of the node's own, which answers "is X local?"
 * (addrtype, input routing) when its addresses were not captured. Computed once per node.
 */
import type { Inference } from './assumption';
import type { CompiledNode } from './compiled-node';
import { localAddressFact } from './rule-match';
import { chainFacts } from '../netfilter/chain-facts';
import { chainsOnDemand } from '../netfilter/chain-index';
import { parseIp } from '../common/ip';

const cache = new WeakMap<CompiledNode, Map<string, Inference>>();

function inferencesOf(node: CompiledNode): Map<string, Inference> {
  const out = new Map<string, Inference>();
  const file = node.snapshot.rulesetSource ?? null;
  for (const ruleset of [node.snapshot.ruleset, node.snapshot.ruleset6]) {
    for (const table of ruleset?.tables ?? []) {
      if (table.name !== 'nat') continue;
      // A stored table names its chains holding a SNAT rule from their headers, without making the others.
      for (const chain of chainsOnDemand(table)?.snatChains() ?? table.chains) {
        // A stored chain knows from its project's SNAT index whether it holds one: the others stay unread.
        if (chainFacts(chain)?.snat === false) continue;
        for (const rule of chain.rules) {
          // Only `-j SNAT` (iptables -L: a SNAT target column) makes a snat target: other rules' targets, read
          // from their text when first asked for (rule-chunks.ts), are not parsed at all.
          if (!rule.text.includes('SNAT')) continue;
          const t = rule.target;
          if (t === null || t.kind !== 'snat') continue;
          for (const range of t.to) {
            // One address, not a range: a pool's members need not all be local.
            if (range.minAddress === null || (range.maxAddress !== null && range.maxAddress !== range.minAddress)) continue;
            const ip = parseIp(range.minAddress);
            if (ip === null) continue;
            const fact = localAddressFact(node.name, ip);
            if (out.has(fact.key)) continue;
            out.set(fact.key, {
              value: true,
              assumed: `inferred: ${range.minAddress} is an address of ${node.name}, since ${chain.name} SNATs to it`,
              rule: rule.text,
              source: file === null ? null : `${file}:${rule.line}`,
            });
          }
        }
      }
    }
  }
  return out;
}

/** What the captures imply about the fact `key` on `node`, if anything. */
export function inferredFact(node: CompiledNode, key: string): Inference | null {
  let facts = cache.get(node);
  if (facts === undefined) {
    facts = inferencesOf(node);
    cache.set(node, facts);
  }
  return facts.get(key) ?? null;
}
