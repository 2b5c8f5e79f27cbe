/**
 * The icmp and icmp6 matches (`--icmp-type`, `--icmpv6-type`).
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Match } from '../../../netfilter/ruleset';
import { fail, parseIcmpType, parseNonNegativeInt } from '../iptables-values';
import { bang } from '../list-words';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

/** `icmptype 8`, `icmp echo-request`, `ipv6-icmptype 128 code 0`. */
export const listIcmp: ListedMatchReader = (c, w, _negated, out) => {
  const v6 = w.startsWith('ipv6');
  let first = c.need(w);
  let neg = false;
  if (w === 'icmp' || w === 'ipv6-icmp') {
    const b = bang(first);
    neg = b.negated;
    first = b.value;
    if (first === 'type') first = c.need('icmp type');
  }
  let code: number | null = null;
  let codeText = '';
  if (c.peek() === 'code') {
    c.i++;
    codeText = c.need('icmp code');
    code = parseNonNegativeInt(codeText);
    if (code > 255) fail(`bad ICMP code "${codeText}"`);
  }
  else if (c.peek() === 'codes') { c.i++; c.need('icmp codes'); }
  const parsed = parseIcmpType(first, v6);
  out.push({
    kind: 'icmp-type', type: parsed.type, code: code ?? parsed.code,
    name: parsed.type === null ? 'any' : codeText === '' ? first : `${first}/${codeText}`, negated: neg,
  });
  return true;
};

export function icmpModule(option: string, v6: boolean): MatchModule {
  return {
    options: optionTable([[option, 1]]),
    build: (opts) =>
      opts.map((o): Match => {
        const { type, code } = parseIcmpType(o.values[0], v6);
        return { kind: 'icmp-type', type, code, name: o.values[0], negated: o.negated };
      }),
  };
}
