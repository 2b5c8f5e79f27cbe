/**
 * The JSON a rule's matches and target are stored as. It is what JSON.stringify writes, written by hand for
 * the records kube-proxy-scale dumps are made of: JSON.stringify takes ~1.3 µs for a typical rule, these a
 * third of that, and a 170,000-rule import writes every rule on its critical path. Records without a case
 * here go through JSON.stringify; stored JSON is read back with JSON.parse either way.
 *
 * The pieces are gathered in an array and joined once. Joined with `+`, they would make a rope of dozens
 * of small strings per rule, which V8 must copy into one flat string before posting it to another thread:
 * that took longer than writing the JSON.
 */
import type { Match, NatRange, PortRange, Target } from '../netfilter/ruleset';

type Pieces = string[];

export function matchesJson(matches: readonly Match[]): string {
  const out: Pieces = ['['];
  for (let i = 0; i < matches.length; i++) {
    if (i > 0) out.push(',');
    writeMatch(out, matches[i]!);
  }
  out.push(']');
  return out.join('');
}

export function targetJson(target: Target): string {
  const out: Pieces = [];
  switch (target.kind) {
    case 'accept':
    case 'drop':
    case 'return':
    case 'trace':
    case 'notrack':
      out.push('{"kind":"', target.kind, '"}');
      break;
    case 'jump':
    case 'goto':
      out.push('{"kind":"', target.kind, '","chain":');
      str(out, target.chain);
      out.push('}');
      break;
    case 'dnat':
      out.push('{"kind":"dnat","to":');
      natRanges(out, target.to);
      out.push(',"random":', bool(target.random), ',"persistent":', bool(target.persistent), '}');
      break;
    case 'snat':
      out.push('{"kind":"snat","to":');
      natRanges(out, target.to);
      out.push(',"random":', bool(target.random), ',"randomFully":', bool(target.randomFully), ',"persistent":', bool(target.persistent), '}');
      break;
    case 'masquerade':
      out.push('{"kind":"masquerade","ports":');
      portRangeOrNull(out, target.ports);
      out.push(',"random":', bool(target.random), ',"randomFully":', bool(target.randomFully), '}');
      break;
    case 'mark':
      out.push('{"kind":"mark","value":', num(target.value), ',"mask":', num(target.mask), '}');
      break;
    default:
      return JSON.stringify(target);
  }
  return out.join('');
}

function writeMatch(out: Pieces, m: Match): void {
  switch (m.kind) {
    case 'source':
    case 'destination':
      out.push('{"kind":"', m.kind, '","cidr":{"address":');
      str(out, m.cidr.address);
      out.push(',"prefixLength":', num(m.cidr.prefixLength), '},"negated":', bool(m.negated), '}');
      return;
    case 'in-interface':
    case 'out-interface':
      out.push('{"kind":"', m.kind, '","name":');
      str(out, m.name);
      out.push(',"negated":', bool(m.negated), '}');
      return;
    case 'protocol':
      out.push('{"kind":"protocol","proto":');
      str(out, m.proto);
      out.push(',"negated":', bool(m.negated), '}');
      return;
    case 'fragment':
      out.push('{"kind":"fragment","negated":', bool(m.negated), '}');
      return;
    case 'ports':
      out.push('{"kind":"ports","which":"', m.which, '","ranges":[');
      for (let i = 0; i < m.ranges.length; i++) {
        if (i > 0) out.push(',');
        portRange(out, m.ranges[i]!);
      }
      out.push('],"negated":', bool(m.negated), '}');
      return;
    case 'comment':
      out.push('{"kind":"comment","text":');
      str(out, m.text);
      out.push('}');
      return;
    case 'mark':
    case 'connmark':
      out.push('{"kind":"', m.kind, '","value":', num(m.value), ',"mask":', num(m.mask), ',"negated":', bool(m.negated), '}');
      return;
    case 'statistic':
      if (m.mode === 'random') {
        out.push('{"kind":"statistic","mode":"random","probability":', num(m.probability), ',"negated":', bool(m.negated), '}');
      } else {
        out.push('{"kind":"statistic","mode":"nth","every":', num(m.every), ',"packet":', num(m.packet), ',"negated":', bool(m.negated), '}');
      }
      return;
    default:
      out.push(JSON.stringify(m));
  }
}

function natRanges(out: Pieces, ranges: readonly NatRange[]): void {
  out.push('[');
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    out.push(i === 0 ? '{"minAddress":' : ',{"minAddress":');
    strOrNull(out, r.minAddress);
    out.push(',"maxAddress":');
    strOrNull(out, r.maxAddress);
    out.push(',"ports":');
    portRangeOrNull(out, r.ports);
    out.push('}');
  }
  out.push(']');
}

function portRange(out: Pieces, r: PortRange): void {
  out.push('{"min":', num(r.min), ',"max":', num(r.max), '}');
}

function portRangeOrNull(out: Pieces, r: PortRange | null): void {
  if (r === null) out.push('null');
  else portRange(out, r);
}

function strOrNull(out: Pieces, s: string | null): void {
  if (s === null) out.push('null');
  else str(out, s);
}

const bool = (b: boolean): string => (b ? 'true' : 'false');

/** As JSON.stringify writes a number (non-finite ones as null). */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** A JSON string literal: printable ASCII without quotes or backslashes as it is, anything else by JSON.stringify. */
function str(out: Pieces, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 92) {
      out.push(JSON.stringify(s));
      return;
    }
  }
  out.push('"', s, '"');
}
