/**
 * The JSON a rule's matches and target are stored as. It is what JSON.stringify writes, written by hand for
 * the records kube-proxy-scale dumps are made of: JSON.stringify takes ~2 µs for a typical rule's matches,
 * these ~0.4 µs, and a 170,000-rule import stringifies every rule on its critical path. Records without a
 * case here go through JSON.stringify; stored JSON is read back with JSON.parse either way.
 */
import type { Match, NatRange, PortRange, Target } from '../netfilter/ruleset';

export function matchesJson(matches: readonly Match[]): string {
  let json = '[';
  for (let i = 0; i < matches.length; i++) json += (i === 0 ? '' : ',') + matchJson(matches[i]!);
  return `${json}]`;
}

export function targetJson(target: Target): string {
  switch (target.kind) {
    case 'accept':
    case 'drop':
    case 'return':
    case 'trace':
    case 'notrack':
      return `{"kind":"${target.kind}"}`;
    case 'jump':
    case 'goto':
      return `{"kind":"${target.kind}","chain":${str(target.chain)}}`;
    case 'dnat':
      return `{"kind":"dnat","to":${natRanges(target.to)},"random":${target.random},"persistent":${target.persistent}}`;
    case 'snat':
      return `{"kind":"snat","to":${natRanges(target.to)},"random":${target.random},"randomFully":${target.randomFully},"persistent":${target.persistent}}`;
    case 'masquerade':
      return `{"kind":"masquerade","ports":${portRangeOrNull(target.ports)},"random":${target.random},"randomFully":${target.randomFully}}`;
    case 'mark':
      return `{"kind":"mark","value":${num(target.value)},"mask":${num(target.mask)}}`;
    default:
      return JSON.stringify(target);
  }
}

function matchJson(m: Match): string {
  switch (m.kind) {
    case 'source':
    case 'destination':
      return `{"kind":"${m.kind}","cidr":{"address":${str(m.cidr.address)},"prefixLength":${num(m.cidr.prefixLength)}},"negated":${m.negated}}`;
    case 'in-interface':
    case 'out-interface':
      return `{"kind":"${m.kind}","name":${str(m.name)},"negated":${m.negated}}`;
    case 'protocol':
      return `{"kind":"protocol","proto":${str(m.proto)},"negated":${m.negated}}`;
    case 'fragment':
      return `{"kind":"fragment","negated":${m.negated}}`;
    case 'ports': {
      let ranges = '[';
      for (let i = 0; i < m.ranges.length; i++) ranges += (i === 0 ? '' : ',') + portRange(m.ranges[i]!);
      return `{"kind":"ports","which":"${m.which}","ranges":${ranges}],"negated":${m.negated}}`;
    }
    case 'comment':
      return `{"kind":"comment","text":${str(m.text)}}`;
    case 'mark':
    case 'connmark':
      return `{"kind":"${m.kind}","value":${num(m.value)},"mask":${num(m.mask)},"negated":${m.negated}}`;
    case 'statistic':
      return m.mode === 'random'
        ? `{"kind":"statistic","mode":"random","probability":${num(m.probability)},"negated":${m.negated}}`
        : `{"kind":"statistic","mode":"nth","every":${num(m.every)},"packet":${num(m.packet)},"negated":${m.negated}}`;
    default:
      return JSON.stringify(m);
  }
}

function natRanges(ranges: readonly NatRange[]): string {
  let json = '[';
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    json += `${i === 0 ? '' : ','}{"minAddress":${strOrNull(r.minAddress)},"maxAddress":${strOrNull(r.maxAddress)},"ports":${portRangeOrNull(r.ports)}}`;
  }
  return `${json}]`;
}

const portRange = (r: PortRange): string => `{"min":${num(r.min)},"max":${num(r.max)}}`;
const portRangeOrNull = (r: PortRange | null): string => (r === null ? 'null' : portRange(r));
const strOrNull = (s: string | null): string => (s === null ? 'null' : str(s));

/** As JSON.stringify writes a number (non-finite ones as null). */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** A JSON string literal: printable ASCII without quotes or backslashes as it is, anything else by JSON.stringify. */
function str(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 92) return JSON.stringify(s);
  }
  return `"${s}"`;
}
