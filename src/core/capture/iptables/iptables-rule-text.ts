/**
 * A rule's matches and target read again from its text (`-A CHAIN args` or `-I CHAIN [N] args`), as
 * IptablesSaveReader reads them: the store keeps most rules as their text alone (rule-chunks.ts).
 */
import type { Counters, Match, Rule, Target } from '../../netfilter/ruleset';
import type { FrontendFacts, FrontendSource } from '../../netfilter/kube-proxy';
import { parseRuleArgs, RULE_WORDS, tokenizeInto, type RuleTokens } from './iptables-args';
import { normaliseProtocol, parseCidr } from './iptables-values';

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
export class RuleMatchesLater implements Rule, FrontendSource {
  private read: Match[] | null = null;
  /**
   * Where the text holds what frontendOfMatches reads, as RuleLexer noted it: the last destination's and protocol's
   * values (from, to; from -1: none), the last `--dport` (-1: none); `known` false: read the matches instead.
   */
  private known = false;
  private dstFrom = -1;
  private dstTo = -1;
  private protoFrom = -1;
  private protoTo = -1;
  private dport = -1;
  /** Where `text` continues after `-A CHAIN` when it reads `-A CHAIN` + the end or a space (as the lexer saw it); -1: not known. */
  argsFrom = -1;

  constructor(
    public position: number,
    public text: string,
    public line: number,
    public counters: Counters | null,
    public target: Target | null,
    /** commentOf(matches), known without reading them. */
    readonly comment: string | null,
  ) {}

  /** Sets where the text holds its frontend (offsets into `text`), as the lexer found it. */
  frontendAt(dstFrom: number, dstTo: number, protoFrom: number, protoTo: number, dport: number): this {
    this.known = true;
    this.dstFrom = dstFrom;
    this.dstTo = dstTo;
    this.protoFrom = protoFrom;
    this.protoTo = protoTo;
    this.dport = dport;
    return this;
  }

  frontendFacts(): FrontendFacts | undefined {
    if (!this.known) return undefined;
    const { text } = this;
    return {
      address: this.dstFrom < 0 ? null : parseCidr(text.slice(this.dstFrom, this.dstTo)).address,
      port: this.dport < 0 ? null : this.dport,
      proto: this.protoFrom < 0 ? null : normaliseProtocol(text.slice(this.protoFrom, this.protoTo)),
    };
  }

  get matches(): Match[] {
    return (this.read ??= parseRuleText(this.text).matches);
  }

  set matches(matches: Match[]) {
    this.read = matches;
  }
}
