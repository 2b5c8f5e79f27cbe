/**
 * A node compiled for replay: rulesets indexed, addresses and routes turned into lookups. Pure
 * and cacheable: `compileNode` depends only on the snapshot.
 */
import { compileRuleset } from './compiled-ruleset';
import type { CompiledRuleset } from './compiled-ruleset';
import type { Family } from '../common/ip';
import type { NodeSnapshot } from './node-snapshot';
import { compileRouting } from './routing';
import type { NodeRouting } from './routing';

export interface CompiledNode {
  name: string;
  snapshot: NodeSnapshot;
  v4: CompiledRuleset | null;
  v6: CompiledRuleset | null;
  routing: NodeRouting;
}

export function compileNode(snapshot: NodeSnapshot): CompiledNode {
  const v4 = snapshot.ruleset !== null && snapshot.ruleset.family === 'ipv4' ? compileRuleset(snapshot.ruleset) : null;
  const six = snapshot.ruleset6 ?? (snapshot.ruleset !== null && snapshot.ruleset.family === 'ipv6' ? snapshot.ruleset : null);
  return {
    name: snapshot.name,
    snapshot,
    v4,
    v6: six !== null ? compileRuleset(six) : null,
    routing: compileRouting(snapshot.interfaces, snapshot.routes, snapshot.rules ?? null),
  };
}

export function rulesetFor(node: CompiledNode, family: Family): CompiledRuleset | null {
  return family === 'ipv4' ? node.v4 : node.v6;
}

const cache = new WeakMap<NodeSnapshot, CompiledNode>();

/** compileNode, memoised per snapshot object: tracing many packets through one world compiles it once. */
export function compiledNodeOf(snapshot: NodeSnapshot): CompiledNode {
  let hit = cache.get(snapshot);
  if (hit === undefined) {
    hit = compileNode(snapshot);
    cache.set(snapshot, hit);
  }
  return hit;
}
