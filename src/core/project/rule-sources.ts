/**
 * `file:line` of a rule a replay or a service listing names. A node's ruleset read from one file
 * gives the file directly; one composed from several (an iptables-save and an `iptables -t nat -L`)
 * keeps each rule's line but not its file, so the node's ruleset captures are read once more and the
 * rule is found among them by table, chain, line and text.
 */
import { composeInputs } from '../model/node-state';
import type { Store } from '../model/store';
import type { NodeSnapshot } from '../simulate';

const RULESET_PART = new Set(['ruleset'] as const);

export class RuleSources {
  private readonly byNode = new Map<string, Map<string, string>>();

  constructor(private readonly store: Store, private readonly world: readonly NodeSnapshot[]) {}

  /** Where the rule was read; `node line N` when no capture of the node holds it as given. */
  sourceOf(node: string, table: string, chain: string, line: number, text: string | null): string {
    const file = this.world.find((n) => n.name === node)?.rulesetSource ?? null;
    if (file !== null) return `${file}:${line}`;
    const found = this.index(node).get(key(table, chain, line, text));
    return found ?? `${node} line ${line}`;
  }

  private index(node: string): Map<string, string> {
    let index = this.byNode.get(node);
    if (index !== undefined) return index;
    index = new Map();
    this.byNode.set(node, index);
    const id = this.store.listNodes().find((n) => n.name === node)?.id;
    if (id === undefined) return index;
    const captures = this.store.capturesOf(id).filter((c) => c.netns === null);
    for (const c of composeInputs(this.store, captures, RULESET_PART)) {
      if (c.part !== 'ruleset') continue;
      for (const rs of c.rulesets) {
        for (const t of rs.tables) {
          for (const ch of t.chains) {
            for (const r of ch.rules) index.set(key(t.name, ch.name, r.line, r.text), `${c.sourceFile}:${r.line}`);
            index.set(key(t.name, ch.name, ch.line, null), `${c.sourceFile}:${ch.line}`);
          }
        }
      }
    }
    return index;
  }
}

const key = (table: string, chain: string, line: number, text: string | null): string => `${table}\u0000${chain}\u0000${line}\u0000${text ?? ''}`;
