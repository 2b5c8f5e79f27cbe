/**
 * The addrtype match (`--src-type`, `--dst-type` LOCAL, UNICAST...).
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { AddrType, Negatable } from '../../../netfilter/ruleset';
import { parseAddrTypes } from '../iptables-values';
import { bang } from '../list-words';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

/** `ADDRTYPE match dst-type LOCAL limit-in`. */
export const listAddrtype: ListedMatchReader = (c, _w, _negated, out) => {
  if (c.peek() === 'match') c.i++;
  let src: Negatable<AddrType[]> | null = null;
  let dst: Negatable<AddrType[]> | null = null;
  let limitIfaceIn = false;
  let limitIfaceOut = false;
  for (;;) {
    const k = c.peek();
    if (k === 'src-type' || k === 'dst-type') {
      c.i++;
      const b = bang(c.need(k));
      const v = { value: parseAddrTypes(b.value), negated: b.negated };
      if (k === 'src-type') src = v;
      else dst = v;
    } else if (k === 'limit-in') { c.i++; limitIfaceIn = true; }
    else if (k === 'limit-out') { c.i++; limitIfaceOut = true; }
    else break;
  }
  out.push({ kind: 'addrtype', src, dst, limitIfaceIn, limitIfaceOut });
  return true;
};

export const addrtype: MatchModule = {
  options: optionTable([['--src-type', 1], ['--dst-type', 1], ['--limit-iface-in', 0], ['--limit-iface-out', 0]]),
  build: (opts) => {
    let src: Negatable<AddrType[]> | null = null;
    let dst: Negatable<AddrType[]> | null = null;
    let limitIfaceIn = false;
    let limitIfaceOut = false;
    for (const o of opts) {
      if (o.name === '--src-type') src = { value: parseAddrTypes(o.values[0]), negated: o.negated };
      else if (o.name === '--dst-type') dst = { value: parseAddrTypes(o.values[0]), negated: o.negated };
      else if (o.name === '--limit-iface-in') limitIfaceIn = true;
      else limitIfaceOut = true;
    }
    return [{ kind: 'addrtype', src, dst, limitIfaceIn, limitIfaceOut }];
  },
};
