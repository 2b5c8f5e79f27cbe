/**
 * The rules of a table whose text holds a word (`REJECT`, `DNAT`, `--comment`), found without reading every rule.
 * A check looking for a few rules of a large table (a kube-proxy node's ~10k) asks here instead of going through
 * `chain.rules`: a chain read back from a project (model/lazy-rulesets.ts) whose rules are not read yet is scanned
 * in its stored form by its reader, so only the rules found are made and the chain stays unread; any other chain
 * is gone through rule by rule. The answer is the same either way.
 */
import type { Chain, Rule, Table } from './ruleset';

/**
 * Visits the rules of `chains` (all of them this scanner's) whose text may hold `needle`: every rule whose text
 * does, maybe others, in no particular order, each with ways to read its text alone or the whole rule. Stops when
 * `visit` returns true.
 */
export interface RuleScanner {
  scan(chains: readonly Chain[], needle: string, visit: (chain: Chain, text: () => string, rule: () => Rule) => boolean | void): void;
}

export const RULE_SCANNER: unique symbol = Symbol('natlens.ruleScanner');

interface WithScanner {
  readonly [RULE_SCANNER]?: RuleScanner | null;
}

/** A rule with the chain it is in. */
export interface ChainRule {
  chain: Chain;
  rule: Rule;
}

/** The scanner that can search `chain` without reading it, or null: then its rules are gone through. */
function scannerOf(chain: Chain): RuleScanner | null {
  return (chain as WithScanner)[RULE_SCANNER] ?? null;
}

/** The table's chains that a scanner searches, grouped by scanner; the others (in table order) stay in `read`. */
function split(table: Table): { scanned: Map<RuleScanner, Chain[]>; read: Set<Chain> } {
  const scanned = new Map<RuleScanner, Chain[]>();
  const read = new Set<Chain>();
  for (const chain of table.chains) {
    const scanner = scannerOf(chain);
    if (scanner === null) {
      read.add(chain);
      continue;
    }
    const list = scanned.get(scanner);
    if (list === undefined) scanned.set(scanner, [chain]);
    else list.push(chain);
  }
  return { scanned, read };
}

function checkNeedle(needle: string): void {
  if (!/^[\x20-\x7e]+$/.test(needle)) throw new Error(`rulesNaming: the word looked for must be printable ASCII, not ${JSON.stringify(needle)}`);
}

/**
 * The rules of `table` whose text contains `needle` (printable ASCII), in the table's chain order and each chain's
 * rule order: what `chain.rules.filter((r) => r.text.includes(needle))` over every chain gives.
 */
export function rulesNaming(table: Table, needle: string): ChainRule[] {
  checkNeedle(needle);
  const { scanned, read } = split(table);
  const found = new Map<Chain, Rule[]>();
  for (const [scanner, chains] of scanned) {
    scanner.scan(chains, needle, (chain, _text, rule) => {
      const one = rule();
      if (!one.text.includes(needle)) return;
      const list = found.get(chain);
      if (list === undefined) found.set(chain, [one]);
      else list.push(one);
    });
  }
  const out: ChainRule[] = [];
  for (const chain of table.chains) {
    if (read.has(chain)) {
      for (const rule of chain.rules) if (rule.text.includes(needle)) out.push({ chain, rule });
      continue;
    }
    const rules = found.get(chain);
    if (rules === undefined) continue;
    rules.sort((a, b) => a.position - b.position);
    for (const rule of rules) out.push({ chain, rule });
  }
  return out;
}

/** Whether some rule of `table` whose text contains `needle` (printable ASCII) has a text `test` accepts. */
export function someRuleText(table: Table, needle: string, test: (text: string) => boolean): boolean {
  checkNeedle(needle);
  const { scanned, read } = split(table);
  for (const chain of read) for (const rule of chain.rules) if (rule.text.includes(needle) && test(rule.text)) return true;
  let found = false;
  for (const [scanner, chains] of scanned) {
    scanner.scan(chains, needle, (_chain, read) => {
      const text = read();
      return (found = text.includes(needle) && test(text));
    });
    if (found) return true;
  }
  return false;
}
