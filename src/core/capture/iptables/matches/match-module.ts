/** What every match extension provides: its iptables-save options and their reading, and its `iptables -L` reader. */
import type { Match } from '../../../netfilter/ruleset';
import type { ListCursor } from '../list-words';
import type { RecordPool } from '../record-pool';

/** One option as written in a rule: `! --dport 80` → {name: '--dport', negated: true, values: ['80']}. */
export interface RuleOption {
  name: string;
  negated: boolean;
  values: string[];
}

/** Options as the words iptables-save wrote for them: `!`, name, values. */
export function optionWords(opts: readonly RuleOption[]): string[] {
  const words: string[] = [];
  for (const o of opts) {
    if (o.negated) words.push('!');
    words.push(o.name, ...o.values);
  }
  return words;
}

/**
 * Reads what `iptables -L` prints for one match extension, from just after its first word `w` (`negated`: a `!`
 * stood before it); pushes the records into `out`. False: `w` is not this extension's text here.
 */
export type ListedMatchReader = (c: ListCursor, w: string, negated: boolean, out: Match[]) => boolean;

export interface MatchModule {
  /** Option name → number of values it takes. */
  options: ReadonlyMap<string, number>;
  /** `pool`, when given, supplies records shared with other rules of the same dump. */
  build(opts: readonly RuleOption[], pool: RecordPool | null): Match[];
}

export function optionTable(entries: Array<[string, number]>): ReadonlyMap<string, number> {
  return new Map(entries);
}
