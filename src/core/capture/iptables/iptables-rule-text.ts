/**
 * A rule's matches and target read again from its text (`-A CHAIN args` or `-I CHAIN [N] args`), as
 * IptablesSaveReader reads them: the store keeps most rules as their text alone (rule-chunks.ts).
 */
import type { Counters, Match, Rule, Target } from '../../netfilter/ruleset';
import { parseRuleArgs, RULE_WORDS, tokenizeInto, type RuleTokens } from './iptables-args';

const DIGITS = /^\d+$/;
/** One token buffer for every rule read again, as the dump reader keeps one (tokens are copied into records). */
const BUFFER: RuleTokens = { tokens: [], quoted: [] };
const WORDS = RULE_WORDS.clone();

/** Throws RuleSyntaxError (or Error) when the text is not a rule iptables-save could have written. */
export function parseRuleText(text: string): { matches: Match[]; target: Target | null } {
  const count = tokenizeInto(BUFFER, text, 0, text.length, WORDS);
  const verb = count > 0 ? BUFFER.tokens[0] : undefined;
  const insert = verb === '-I' || verb === '--insert';
  if (!insert && verb !== '-A' && verb !== '--append') throw new Error(`expected -A CHAIN, found "${text.slice(0, 40)}"`);
  if (count < 2) throw new Error(`${verb} needs a chain name`);
  const from = insert && count > 2 && DIGITS.test(BUFFER.tokens[2]!) ? 3 : 2;
  const args = parseRuleArgs(BUFFER, from, count, null);
  return { matches: args.matches, target: args.target };
}

/**
 * A rule whose matches are read from its text when first asked for: the dump reader's, for rules scanRuleArgs
 * vouched for (rule-scan.ts), whose target it built already. Most rules of a large dump are stored as their
 * text and never asked. `matches` is an accessor: spread or JSON.stringify see no matches on it.
 */
export class RuleMatchesLater implements Rule {
  private read: Match[] | null = null;

  constructor(
    public position: number,
    public text: string,
    public line: number,
    public counters: Counters | null,
    public target: Target | null,
    /** commentOf(matches), known without reading them. */
    readonly comment: string | null,
  ) {}

  get matches(): Match[] {
    return (this.read ??= parseRuleText(this.text).matches);
  }

  set matches(matches: Match[]) {
    this.read = matches;
  }
}
