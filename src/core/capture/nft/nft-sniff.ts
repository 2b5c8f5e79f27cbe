/** Content sniff for nft's ruleset listing (`nft list ruleset|table|chain`, `-a`, `-n`), and greps that keep its chain lines. */
import { leadingLines } from '../leading-lines';

const TABLE_LINE = /^table (?:ip|ip6|inet|arp|bridge|netdev) \S+ \{/;
const CHAIN_LINE = /^\s*chain \S+ \{/;
/** A rule as nft prints one (an expression iptables-nft writes, or a counter with its statement). */
const RULE_LINE = /^\s*(?:(?:meta l4proto|ip6? (?:s|d)addr|(?:i|o)ifname|ct state|ct status|fib daddr|tcp dport|udp dport)\s|counter packets \d+ bytes \d+\b)/;
const NFT_WARNING = /^# Warning: table \S+ \S+ is managed by iptables-nft/;

/**
 * A `table FAMILY NAME {` line among the leading lines (after nft's own `# Warning:` lines), or a grep that
 * kept `chain NAME {` lines beside rules.
 */
export function looksLikeNftRuleset(head: string): boolean {
  const lines = leadingLines(head, 12).filter((l) => l.trim() !== '' && !NFT_WARNING.test(l));
  const first = lines[0];
  if (first === undefined) return false;
  if (TABLE_LINE.test(first)) return true;
  return CHAIN_LINE.test(first) && lines.slice(1).some((l) => RULE_LINE.test(l) || /^\s*type \S+ hook \S+ /.test(l));
}
