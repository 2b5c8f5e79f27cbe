/**
 * Match extensions natlens understands (`-m NAME ...`): which options each one takes and how its options
 * become Match records. A module that is not here, or that uses an option not listed here, is kept whole as
 * `{kind: 'unsupported'}` by the rule reader. Each extension is a file of matches/, holding its reader of
 * iptables-save options beside its reader of what `iptables -L` prints for it; these tables dispatch to them.
 */
import type { Match } from '../../netfilter/ruleset';
import type { ListedMatchReader, MatchModule } from './matches/match-module';
import { addrtype, listAddrtype } from './matches/addrtype';
import { comment } from './matches/comment';
import { conntrack, LISTED_CT_WORDS, listConntrack } from './matches/conntrack';
import { icmpModule, listIcmp } from './matches/icmp';
import { listMark, markModule } from './matches/mark';
import { listPhysdev, physdev } from './matches/physdev';
import { listMultiport, listTcpUdp, multiport, tcp, udpLike } from './matches/ports';
import { listRecent, recent } from './matches/recent';
import { listSet, set } from './matches/set';
import { listState, state } from './matches/state';
import { listStatistic, statistic } from './matches/statistic';

export const MATCH_MODULES: ReadonlyMap<string, MatchModule> = new Map([
  ['tcp', tcp], ['udp', udpLike], ['sctp', udpLike], ['udplite', udpLike], ['multiport', multiport],
  ['icmp', icmpModule('--icmp-type', false)], ['icmp6', icmpModule('--icmpv6-type', true)],
  ['comment', comment], ['addrtype', addrtype], ['mark', markModule('mark')], ['connmark', markModule('connmark')],
  ['conntrack', conntrack], ['state', state], ['statistic', statistic], ['recent', recent], ['physdev', physdev],
  ['set', set],
]);

/**
 * Listing reader by the word `iptables -L` prints for the extension (`tcp`, `ADDRTYPE`, `recent:`, `ctstate`...):
 * reads the extension's words from the cursor into `out`; false when the word is not that extension's text here.
 */
export const LISTED_MATCHES: ReadonlyMap<string, ListedMatchReader> = new Map<string, ListedMatchReader>([
  ['tcp', listTcpUdp], ['udp', listTcpUdp], ['sctp', listTcpUdp], ['udplite', listTcpUdp], ['multiport', listMultiport],
  ['icmptype', listIcmp], ['ipv6-icmptype', listIcmp], ['icmp', listIcmp], ['ipv6-icmp', listIcmp],
  ['ADDRTYPE', listAddrtype], ['mark', listMark('mark')], ['connmark', listMark('connmark')], ['state', listState],
  ['statistic', listStatistic], ['recent:', listRecent], ['PHYSDEV', listPhysdev], ['match-set', listSet],
  ...[...LISTED_CT_WORDS].map((w): [string, ListedMatchReader] => [w, listConntrack]),
]);

/** The module `-p PROTO` loads implicitly, so `-p tcp --dport 80` works without `-m tcp`. */
export function protocolModule(proto: string | null): string | null {
  switch (proto) {
    case 'tcp': case 'udp': case 'sctp': case 'udplite': case 'icmp': return proto;
    case 'ipv6-icmp': return 'icmp6';
    default: return null;
  }
}
