/**
 * The recent match.
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Match } from '../../../netfilter/ruleset';
import { fail, parseNonNegativeInt } from '../iptables-values';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

const LISTED_RECENT_OPS: Readonly<Record<string, 'set' | 'rcheck' | 'update' | 'remove'>> = {
  SET: 'set', CHECK: 'rcheck', UPDATE: 'update', REMOVE: 'remove',
};

/** `recent: CHECK seconds: 60 hit_count: 4 name: SSH side: source mask: 255.255.255.255`. */
export const listRecent: ListedMatchReader = (c, _w, negated, out) => {
  const op = LISTED_RECENT_OPS[c.need('recent')];
  if (op === undefined) fail('unknown recent operation');
  const m: Extract<Match, { kind: 'recent' }> = {
    kind: 'recent', op, name: 'DEFAULT', side: 'source', seconds: null, hitcount: null, reap: false, rttl: false, mask: null, negated,
  };
  for (;;) {
    const k = c.peek();
    if (k === 'seconds:') { c.i++; m.seconds = parseNonNegativeInt(c.need(k)); }
    else if (k === 'hit_count:') { c.i++; m.hitcount = parseNonNegativeInt(c.need(k)); }
    else if (k === 'reap') { c.i++; m.reap = true; }
    else if (k === 'TTL-Match') { c.i++; m.rttl = true; }
    else if (k === 'name:') { c.i++; m.name = c.need(k); }
    else if (k === 'mask:') { c.i++; m.mask = c.need(k); }
    else if (k === 'side:') { c.i++; m.side = c.need(k) === 'dest' ? 'dest' : 'source'; }
    else break;
  }
  out.push(m);
  return true;
};

const RECENT_OPS = new Map<string, 'set' | 'rcheck' | 'update' | 'remove'>([
  ['--set', 'set'], ['--rcheck', 'rcheck'], ['--update', 'update'], ['--remove', 'remove'],
]);

export const recent: MatchModule = {
  options: optionTable([
    ['--set', 0], ['--rcheck', 0], ['--update', 0], ['--remove', 0], ['--name', 1], ['--mask', 1],
    ['--rsource', 0], ['--rdest', 0], ['--seconds', 1], ['--hitcount', 1], ['--reap', 0], ['--rttl', 0],
  ]),
  build: (opts) => {
    const m: Extract<Match, { kind: 'recent' }> = {
      kind: 'recent', op: 'set', name: 'DEFAULT', side: 'source', seconds: null, hitcount: null,
      reap: false, rttl: false, mask: null, negated: false,
    };
    let sawOp = false;
    for (const o of opts) {
      const op = RECENT_OPS.get(o.name);
      if (op !== undefined) {
        if (sawOp) fail('recent takes only one of --set, --rcheck, --update, --remove');
        sawOp = true;
        m.op = op;
        m.negated = o.negated;
        continue;
      }
      switch (o.name) {
        case '--name': m.name = o.values[0]; break;
        case '--mask': m.mask = o.values[0]; break;
        case '--rsource': m.side = 'source'; break;
        case '--rdest': m.side = 'dest'; break;
        case '--seconds': m.seconds = parseNonNegativeInt(o.values[0]); break;
        case '--hitcount': m.hitcount = parseNonNegativeInt(o.values[0]); break;
        case '--reap': m.reap = true; break;
        default: m.rttl = true;
      }
    }
    if (!sawOp) fail('recent needs one of --set, --rcheck, --update, --remove');
    return [m];
  },
};
