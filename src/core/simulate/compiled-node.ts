/**
 * A node compiled for replay: rulesets indexed, addresses and routes turned into lookups. Pure
 * and cacheable: `compileNode` depends only on the snapshot. Routing is compiled at once (every
 * node of a world is asked whether it owns the next hop); a ruleset only when a packet reaches
 * the node, so a trace reads and compiles the rules of the nodes on its path and no others.
 */
import { compileRuleset } from './compiled-ruleset';
import type { CompiledRuleset, CompileOptions } from './compiled-ruleset';
import type { Family } from '../common/ip';
import { defineLazy } from '../common/lazy-property';
import type { NodeSnapshot } from './node-snapshot';
import { compileRouting } from './routing';
import type { NodeRouting } from './routing';

export interface CompiledNode {
  name: string;
  snapshot: NodeSnapshot;
  /** Compiled on first read. */
  v4: CompiledRuleset | null;
  /** Compiled on first read. */
  v6: CompiledRuleset | null;
  routing: NodeRouting;
}

export function compileNode(snapshot: NodeSnapshot, options: CompileOptions = {}): CompiledNode {
  const node = {
    name: snapshot.name,
    snapshot,
    routing: compileRouting(snapshot.interfaces, snapshot.routes, snapshot.rules ?? null),
  } as CompiledNode;
  defineLazy(node, 'v4', () => {
    const own = snapshot.ruleset;
    return own !== null && own.family === 'ipv4' ? compileRuleset(own, options) : null;
  });
  defineLazy(node, 'v6', () => {
    const own = snapshot.ruleset;
    const six = snapshot.ruleset6 ?? (own !== null && own.family === 'ipv6' ? own : null);
    return six !== null ? compileRuleset(six, options) : null;
  });
  return node;
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
