/**
 * The tcp, udp, sctp and udplite matches (ports, TCP flags) and multiport.
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Match } from '../../../netfilter/ruleset';
import { fail, isKnownPortText, parsePortList, parsePortRange, parseTcpFlags } from '../iptables-values';
import { bang } from '../list-words';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

const PORT_OPTIONS: Array<[string, number]> = [
  ['--sport', 1], ['--source-port', 1], ['--dport', 1], ['--destination-port', 1],
];

function portWhich(name: string): 'sport' | 'dport' {
  return name === '--sport' || name === '--source-port' ? 'sport' : 'dport';
}

const SYN_MASK = ['FIN', 'SYN', 'RST', 'ACK'];

/** `tcp dpt:80 flags:0x17/0x02` (and udp, sctp, udplite): what -L prints of the protocol's options. */
export const listTcpUdp: ListedMatchReader = (c, w, _negated, out) => {
  const before = out.length;
  for (;;) {
    const k = c.peek();
    const colon = k.indexOf(':');
    const key = colon < 0 ? '' : k.slice(0, colon);
    if (key === 'spt' || key === 'spts' || key === 'dpt' || key === 'dpts') {
      c.i++;
      const { negated: neg, value } = bang(k.slice(colon + 1));
      // `iptables -L` without -n prints the local /etc/services name: one natlens does not know stays unknown.
      if (!isKnownPortText(value)) {
        out.push({ kind: 'unsupported', module: w, args: [k] });
        continue;
      }
      out.push({ kind: 'ports', which: key.startsWith('s') ? 'sport' : 'dport', ranges: [parsePortRange(value)], negated: neg });
    } else if (key === 'flags') {
      c.i++;
      const { negated: neg, value } = bang(k.slice(colon + 1));
      const slash = value.indexOf('/');
      if (slash < 0) fail(`bad tcp flags "${k}"`);
      out.push({ kind: 'tcp-flags', mask: parseTcpFlags(value.slice(0, slash)), set: parseTcpFlags(value.slice(slash + 1)), negated: neg });
    } else if (k.startsWith('option=') || k.startsWith('!option=')) {
      c.i++;
      out.push({ kind: 'unsupported', module: w, args: [k] });
    } else {
      // `-m tcp` with no option (kube-proxy's DNAT rules): nothing to match, but part of the rule's text.
      if (out.length === before) out.push(emptyProtocolModule(w));
      return true;
    }
  }
};

export const tcp: MatchModule = {
  options: optionTable([...PORT_OPTIONS, ['--tcp-flags', 2], ['--syn', 0]]),
  build: (opts) =>
    opts.map((o): Match => {
      if (o.name === '--tcp-flags') {
        return { kind: 'tcp-flags', mask: parseTcpFlags(o.values[0]), set: parseTcpFlags(o.values[1]), negated: o.negated };
      }
      if (o.name === '--syn') return { kind: 'tcp-flags', mask: SYN_MASK, set: ['SYN'], negated: o.negated };
      return { kind: 'ports', which: portWhich(o.name), ranges: [parsePortRange(o.values[0])], negated: o.negated };
    }),
};

export const udpLike: MatchModule = {
  options: optionTable(PORT_OPTIONS),
  build: (opts) =>
    opts.map((o): Match => ({ kind: 'ports', which: portWhich(o.name), ranges: [parsePortRange(o.values[0])], negated: o.negated })),
};

/** `multiport dports 80,443`. */
export const listMultiport: ListedMatchReader = (c, _w, _negated, out) => {
  const which = c.need('multiport');
  if (which !== 'sports' && which !== 'dports' && which !== 'ports') fail(`bad multiport "${which}"`);
  let list = c.need('multiport list');
  let neg = false;
  if (list === '!') { neg = true; list = c.need('multiport list'); }
  const b = bang(list);
  if (!isKnownPortText(b.value)) {
    out.push({ kind: 'unsupported', module: 'multiport', args: [which, ...(neg ? ['!'] : []), list] });
    return true;
  }
  out.push({
    kind: 'ports', which: which === 'ports' ? 'either' : which === 'sports' ? 'sport' : 'dport',
    ranges: parsePortList(b.value), negated: neg || b.negated,
  });
  return true;
};

export const multiport: MatchModule = {
  options: optionTable([
    ['--sports', 1], ['--source-ports', 1], ['--dports', 1], ['--destination-ports', 1], ['--ports', 1],
  ]),
  build: (opts) =>
    opts.map((o): Match => {
      const which = o.name === '--ports' ? 'either' : o.name === '--sports' || o.name === '--source-ports' ? 'sport' : 'dport';
      return { kind: 'ports', which, ranges: parsePortList(o.values[0]), negated: o.negated };
    }),
};

const PROTOCOL_MODULES = new Set(['tcp', 'udp', 'sctp', 'udplite']);

/** Marks `-m PROTO` without options: rendered into the rule's text, then left out of its matches. */
function emptyProtocolModule(module: string): Match {
  return { kind: 'unsupported', module, args: [] };
}

/** The placeholder of emptyProtocolModule. */
export function isEmptyProtocolModule(m: Match): boolean {
  return m.kind === 'unsupported' && m.args.length === 0 && PROTOCOL_MODULES.has(m.module);
}
