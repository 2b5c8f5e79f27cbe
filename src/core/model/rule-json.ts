/**
 * How a chain's rules are stored: one JSON array per chain (chains.rules), each rule
 * `[line, text, packets, bytes, matches, target]` with its parsed Match[] and Target, so the simulator
 * reads rules back without reparsing. One row per chain rather than per rule: a kube-proxy-scale
 * ruleset is 170,000 rules in 60,000 chains. The `rules` view shows them one row each.
 */
import { isSharedRecord } from '../capture/record-pool';
import type { Match, Rule, Target } from '../netfilter/ruleset';

/**
 * JSON of parsed rule records. The iptables-save reader shares equal match and target records between
 * rules (one object for every `-p tcp`, every copy of a service's comment), so each of those is written once.
 */
export class RecordJson {
  private readonly written = new Map<object, string>();

  of(record: object): string {
    if (!isSharedRecord(record)) return JSON.stringify(record);
    let text = this.written.get(record);
    if (text === undefined) this.written.set(record, (text = JSON.stringify(record)));
    return text;
  }

  /** One stored rule (its position is its place in the chain's array). */
  rule(r: Rule): string {
    let matches = '[';
    for (let i = 0; i < r.matches.length; i++) matches += (i === 0 ? '' : ',') + this.of(r.matches[i]!);
    const c = r.counters;
    const counters = c === null ? 'null,null' : `${c.packets},${c.bytes}`;
    return `[${r.line},${JSON.stringify(r.text)},${counters},${matches}],${r.target === null ? 'null' : this.of(r.target)}]`;
  }
}

type StoredRule = [number, string, number | null, number | null, Match[], Target | null];

/** A chain's stored rules, positions from 1. */
export function decodeRules(json: string): Rule[] {
  return (JSON.parse(json) as StoredRule[]).map(([line, text, packets, bytes, matches, target], i) => ({
    position: i + 1,
    text,
    line,
    counters: packets === null || bytes === null ? null : { packets, bytes },
    matches,
    target,
  }));
}
