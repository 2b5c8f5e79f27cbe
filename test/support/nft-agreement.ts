/**
 * What two readings of the same kernel rules must agree on: tables, chains (name, built-in, policy) and each
 * rule's counters, matches and target, as the replay reads them. Left out: rule text and lines (each format its
 * own), comments (nft 1.0.6 does not print iptables-nft's), the arguments of extensions kept as text, and the
 * order of a rule's matches (nft prints them in its own order). `-m state` and `-m conntrack --ctstate` are one
 * match to the kernel (nft prints both as `ct state`). An extension nft cannot print (`xt match NAME`) stands
 * for the match of that module the other reading has. A built-in chain iptables-nft never created (a dump that
 * declares no built-in chain) is not in nft's listing, and iptables-nft-save prints it empty with policy ACCEPT:
 * the same to the kernel (no hook, nothing filtered), so an empty ACCEPT built-in chain counts as absent.
 */
import type { Match, Rule, Ruleset, Target } from '../../src/core/netfilter/ruleset';
import { protocolNumber } from '../../src/core/netfilter/rule-values';

function matchShape(m: Match): string {
  switch (m.kind) {
    case 'state':
      return JSON.stringify({ kind: 'conntrack', ctstate: { value: m.states, negated: m.negated } });
    case 'conntrack':
      return JSON.stringify(Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null)));
    case 'protocol':
      return JSON.stringify({ ...m, proto: protocolNumber(m.proto) });
    case 'unsupported':
      return JSON.stringify({ kind: 'unsupported', module: m.module });
    case 'icmp-type':
      return JSON.stringify({ ...m, name: '' });
    default:
      return JSON.stringify(m);
  }
}

function targetShape(t: Target | null): string {
  if (t === null) return 'null';
  if (t.kind === 'other') return JSON.stringify({ kind: 'other', name: t.name });
  if (t.kind === 'ct') return JSON.stringify({ kind: 'ct', notrack: t.notrack, zone: t.zone, helper: t.helper });
  return JSON.stringify(t);
}

/** The module a match of the other reading was written with, as `xt match NAME` names it. */
function moduleOf(m: Match): string {
  switch (m.kind) {
    case 'icmp-type':
      return m.type !== null && m.type >= 128 ? 'icmp6' : 'icmp';
    case 'unsupported':
      return m.module;
    default:
      return m.kind;
  }
}

function ruleDifference(nft: Rule, other: Rule): string | null {
  const rest = other.matches.filter((m) => m.kind !== 'comment');
  const mine: string[] = [];
  for (const m of nft.matches) {
    if (m.kind === 'comment') continue;
    if (m.kind === 'unsupported' && m.module !== 'nft') {
      const k = rest.findIndex((o) => moduleOf(o) === m.module);
      if (k >= 0) {
        rest.splice(k, 1);
        continue;
      }
    }
    mine.push(matchShape(m));
  }
  const a = { counters: nft.counters, matches: mine.sort(), target: targetShape(nft.target) };
  const b = { counters: other.counters, matches: rest.map(matchShape).sort(), target: targetShape(other.target) };
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja === jb ? null : `nft line ${nft.line} "${nft.text}" reads as ${ja}; line ${other.line} "${other.text}" as ${jb}`;
}

/** Every difference between the nft reading and the other one (empty when they agree). */
export function rulesetDifferences(nft: Ruleset, other: Ruleset): string[] {
  const out: string[] = [];
  if (nft.family !== other.family) out.push(`family ${nft.family} vs ${other.family}`);
  const names = (r: Ruleset): string => r.tables.map((t) => t.name).sort().join(',');
  if (names(nft) !== names(other)) out.push(`tables ${names(nft)} vs ${names(other)}`);
  for (const t of nft.tables) {
    const o = other.tables.find((x) => x.name === t.name);
    if (o === undefined) continue;
    const chains = (cs: typeof t.chains): string =>
      cs.filter((c) => !(c.builtin && c.policy === 'ACCEPT' && c.rules.length === 0)).map((c) => `${c.name}:${c.builtin}:${c.policy}`).sort().join(' ');
    if (chains(t.chains) !== chains(o.chains)) out.push(`${t.name} chains ${chains(t.chains)} vs ${chains(o.chains)}`);
    for (const c of t.chains) {
      const oc = o.chains.find((x) => x.name === c.name);
      if (oc === undefined) continue;
      if (c.rules.length !== oc.rules.length) out.push(`${t.name} ${c.name}: ${c.rules.length} rules vs ${oc.rules.length}`);
      c.rules.forEach((r, k) => {
        const d = oc.rules[k] === undefined ? null : ruleDifference(r, oc.rules[k]!);
        if (d !== null) out.push(`${t.name} ${c.name} rule ${k + 1}: ${d}`);
      });
    }
  }
  return out;
}
