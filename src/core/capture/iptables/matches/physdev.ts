/**
 * The physdev match (bridged traffic's ports).
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Match } from '../../../netfilter/ruleset';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

/** `PHYSDEV match --physdev-in eth0 ! --physdev-is-bridged`. */
export const listPhysdev: ListedMatchReader = (c, _w, _negated, out) => {
  if (c.peek() === 'match') c.i++;
  const m: Extract<Match, { kind: 'physdev' }> = { kind: 'physdev', physdevIn: null, physdevOut: null, isIn: null, isOut: null, isBridged: null };
  for (;;) {
    let k = c.peek();
    let neg = false;
    if (k === '!' && c.at(c.i + 1).startsWith('--physdev')) { neg = true; c.i++; k = c.peek(); }
    if (k === '--physdev-in') { c.i++; m.physdevIn = { value: c.need(k), negated: neg }; }
    else if (k === '--physdev-out') { c.i++; m.physdevOut = { value: c.need(k), negated: neg }; }
    else if (k === '--physdev-is-in') { c.i++; m.isIn = { value: true, negated: neg }; }
    else if (k === '--physdev-is-out') { c.i++; m.isOut = { value: true, negated: neg }; }
    else if (k === '--physdev-is-bridged') { c.i++; m.isBridged = { value: true, negated: neg }; }
    else break;
  }
  out.push(m);
  return true;
};

export const physdev: MatchModule = {
  options: optionTable([
    ['--physdev-in', 1], ['--physdev-out', 1], ['--physdev-is-in', 0], ['--physdev-is-out', 0], ['--physdev-is-bridged', 0],
  ]),
  build: (opts) => {
    const m: Extract<Match, { kind: 'physdev' }> = {
      kind: 'physdev', physdevIn: null, physdevOut: null, isIn: null, isOut: null, isBridged: null,
    };
    for (const o of opts) {
      if (o.name === '--physdev-in') m.physdevIn = { value: o.values[0], negated: o.negated };
      else if (o.name === '--physdev-out') m.physdevOut = { value: o.values[0], negated: o.negated };
      else if (o.name === '--physdev-is-in') m.isIn = { value: true, negated: o.negated };
      else if (o.name === '--physdev-is-out') m.isOut = { value: true, negated: o.negated };
      else m.isBridged = { value: true, negated: o.negated };
    }
    return [m];
  },
};
