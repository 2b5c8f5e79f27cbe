/**
 * Comparing rules across captures that show different columns ("hidden is unknown"): `iptables -L -n`
 * hides the interfaces that `-L -n -v` and iptables-save show, `-L` without `-n` prints host names
 * instead of addresses, listings and saves print comments differently. Two rules are the same when
 * they agree on every field both captures show; a field one of them hides is never compared.
 */
import { renderRule } from './rule-text';
import type { Chain, Match, Rule, Ruleset } from './ruleset';

export interface HiddenFields {
  interfaces: boolean;
  /** Source and destination, printed as names (`-L` without `-n`). */
  addresses: boolean;
  comments: boolean;
  /**
   * Arguments of extensions natlens keeps as text (an `unsupported` match, an `other` target): a listing
   * prints them in its own words (`TCPMSS clamp to PMTU`), a save as options (`--clamp-mss-to-pmtu`).
   */
  extensionArgs: boolean;
}

/** What a chain as captured shows: its ruleset's columns and its own rules. */
export interface ShownChain {
  chain: Chain;
  interfacesShown: boolean;
  format: Ruleset['origin']['format'];
}

const hostNames = (chain: Chain): boolean =>
  chain.rules.some((r) => r.matches.some((m) => m.kind === 'unsupported' && m.module === 'host'));

/** How many kinds of field a captured chain hides (interfaces, addresses as names): of two that agree, the one hiding fewer is kept. */
export function hiddenCount(c: ShownChain): number {
  return (c.interfacesShown ? 0 : 1) + (hostNames(c.chain) ? 1 : 0);
}

/** The fields either of two captured chains hides. */
export function hiddenBetween(a: ShownChain, b: ShownChain): HiddenFields {
  return {
    interfaces: !a.interfacesShown || !b.interfacesShown,
    addresses: hostNames(a.chain) || hostNames(b.chain),
    // A comment changes nothing a rule matches, and listings print, truncate or (pasted) drop them unlike saves.
    comments: true,
    extensionArgs: a.format !== b.format,
  };
}

function shown(m: Match, hidden: HiddenFields): boolean {
  switch (m.kind) {
    case 'in-interface':
    case 'out-interface':
      return !hidden.interfaces;
    case 'source':
    case 'destination':
      return !hidden.addresses;
    case 'unsupported':
      return m.module !== 'host' || !hidden.addresses;
    case 'comment':
      return !hidden.comments;
    default:
      return true;
  }
}

/** The rule with the hidden fields left out, as iptables-save would print it. */
export function ruleKey(chain: string, rule: Rule, hidden: HiddenFields): string {
  const matches = rule.matches.filter((m) => shown(m, hidden));
  if (!hidden.extensionArgs) return renderRule(chain, matches, rule.target);
  const target = rule.target?.kind === 'other' ? { ...rule.target, args: [] } : rule.target;
  return renderRule(chain, matches.map((m) => (m.kind === 'unsupported' && m.module !== 'host' ? { ...m, args: [] } : m)), target);
}

/** Same policy (where both show one) and the same rules in the same order, on the fields both show. */
export function chainsAgree(a: ShownChain, b: ShownChain): boolean {
  if (a.chain.policy !== null && b.chain.policy !== null && a.chain.policy !== b.chain.policy) return false;
  if (a.chain.rules.length !== b.chain.rules.length) return false;
  const hidden = hiddenBetween(a, b);
  return a.chain.rules.every((r, i) => ruleKey(a.chain.name, r, hidden) === ruleKey(b.chain.name, b.chain.rules[i]!, hidden));
}
