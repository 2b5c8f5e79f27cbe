/**
 * Match extensions natlens understands (`-m NAME ...`): which options each one takes and how its options
 * become Match records. A module that is not here, or that uses an option not listed here, is kept whole as
 * `{kind: 'unsupported'}` by the rule reader. Beside each module's reader of iptables-save options is its reader
 * of what `iptables -L` prints for it (LISTED_MATCHES).
 */
import type { AddrType, Cidr, CtState, Match, Negatable, PortRange } from '../../netfilter/ruleset';
import {
  fail, isKnownPortText, normaliseProtocol, parseAddrTypes, parseCidr, parseCtStates, parseCtStatuses, parseIcmpType, parseMarkMask,
  parseNonNegativeInt, parsePortList, parsePortRange, parseProbability, parseTcpFlags,
} from './iptables-values';
import { bang, type ListCursor } from './list-words';
import type { RecordPool } from './record-pool';

/** One option as written in a rule: `! --dport 80` → {name: '--dport', negated: true, values: ['80']}. */
export interface RuleOption {
  name: string;
  negated: boolean;
  values: string[];
}

/** Options as the words iptables-save wrote for them: `!`, name, values. */
export function optionWords(opts: readonly RuleOption[]): string[] {
  const words: string[] = [];
  for (const o of opts) {
    if (o.negated) words.push('!');
    words.push(o.name, ...o.values);
  }
  return words;
}

/**
 * Reads what `iptables -L` prints for one match extension, from just after its first word `w` (`negated`: a `!`
 * stood before it); pushes the records into `out`. False: `w` is not this extension's text here.
 */
export type ListedMatchReader = (c: ListCursor, w: string, negated: boolean, out: Match[]) => boolean;

export interface MatchModule {
  /** Option name → number of values it takes. */
  options: ReadonlyMap<string, number>;
  /** `pool`, when given, supplies records shared with other rules of the same dump. */
  build(opts: readonly RuleOption[], pool: RecordPool | null): Match[];
}

function optionTable(entries: Array<[string, number]>): ReadonlyMap<string, number> {
  return new Map(entries);
}

const PORT_OPTIONS: Array<[string, number]> = [
  ['--sport', 1], ['--source-port', 1], ['--dport', 1], ['--destination-port', 1],
];

function portWhich(name: string): 'sport' | 'dport' {
  return name === '--sport' || name === '--source-port' ? 'sport' : 'dport';
}

const SYN_MASK = ['FIN', 'SYN', 'RST', 'ACK'];

/** `tcp dpt:80 flags:0x17/0x02` (and udp, sctp, udplite): what -L prints of the protocol's options. */
const listTcpUdp: ListedMatchReader = (c, w, _negated, out) => {
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

const tcp: MatchModule = {
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

const udpLike: MatchModule = {
  options: optionTable(PORT_OPTIONS),
  build: (opts) =>
    opts.map((o): Match => ({ kind: 'ports', which: portWhich(o.name), ranges: [parsePortRange(o.values[0])], negated: o.negated })),
};

/** `multiport dports 80,443`. */
const listMultiport: ListedMatchReader = (c, _w, _negated, out) => {
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

const multiport: MatchModule = {
  options: optionTable([
    ['--sports', 1], ['--source-ports', 1], ['--dports', 1], ['--destination-ports', 1], ['--ports', 1],
  ]),
  build: (opts) =>
    opts.map((o): Match => {
      const which = o.name === '--ports' ? 'either' : o.name === '--sports' || o.name === '--source-ports' ? 'sport' : 'dport';
      return { kind: 'ports', which, ranges: parsePortList(o.values[0]), negated: o.negated };
    }),
};

/** `icmptype 8`, `icmp echo-request`, `ipv6-icmptype 128 code 0`. */
const listIcmp: ListedMatchReader = (c, w, _negated, out) => {
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

function icmpModule(option: string, v6: boolean): MatchModule {
  return {
    options: optionTable([[option, 1]]),
    build: (opts) =>
      opts.map((o): Match => {
        const { type, code } = parseIcmpType(o.values[0], v6);
        return { kind: 'icmp-type', type, code, name: o.values[0], negated: o.negated };
      }),
  };
}

const comment: MatchModule = {
  options: optionTable([['--comment', 1]]),
  build: (opts, pool) => opts.map((o): Match => (pool === null ? { kind: 'comment', text: o.values[0] } : pool.comment(o.values[0]))),
};

/** `ADDRTYPE match dst-type LOCAL limit-in`. */
const listAddrtype: ListedMatchReader = (c, _w, _negated, out) => {
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

const addrtype: MatchModule = {
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

/** `mark match 0x4000/0x4000`, `connmark match !0x1`; the word alone is no match (MARK's own text). */
function listMark(kind: 'mark' | 'connmark'): ListedMatchReader {
  return (c, w, _negated, out) => {
    if (c.peek() !== 'match') return false;
    c.i++;
    let neg = false;
    let v = c.need(`${w} match`);
    if (v === '!') { neg = true; v = c.need(`${w} match`); }
    const { value, mask } = parseMarkMask(v);
    out.push({ kind, value, mask: mask ?? 0xffffffff, negated: neg });
    return true;
  };
}

function markModule(kind: 'mark' | 'connmark'): MatchModule {
  return {
    options: optionTable([['--mark', 1]]),
    build: (opts) =>
      opts.map((o): Match => {
        const { value, mask } = parseMarkMask(o.values[0]);
        return { kind, value, mask: mask ?? 0xffffffff, negated: o.negated };
      }),
  };
}

/** The conntrack match's words in a listing; a run of them is one record. */
export const LISTED_CT_WORDS: ReadonlySet<string> = new Set([
  'ctstate', 'ctproto', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctorigsrcport', 'ctorigdstport',
  'ctreplsrcport', 'ctrepldstport', 'ctstatus', 'ctdir',
]);

type CtMatch = Extract<Match, { kind: 'conntrack' }>;

function emptyConntrack(): CtMatch {
  return {
    kind: 'conntrack', ctstate: null, ctproto: null, ctorigsrc: null, ctorigdst: null, ctreplsrc: null, ctrepldst: null,
    ctorigsrcport: null, ctorigdstport: null, ctreplsrcport: null, ctrepldstport: null, ctstatus: null, ctdir: null,
  };
}

/** `ctstate NEW ctorigdst 10.0.0.1 ! ctdir REPLY`. */
const listConntrack: ListedMatchReader = (c, firstWord, firstNegated, out) => {
  const m = emptyConntrack();
  let w = firstWord;
  let neg = firstNegated;
  for (;;) {
    const v = c.need(w);
    const cidr = (): Negatable<Cidr> => ({ value: parseCidr(v), negated: neg });
    const port = (): Negatable<PortRange> => ({ value: parsePortRange(v), negated: neg });
    switch (w) {
      case 'ctstate': m.ctstate = { value: parseCtStates(v), negated: neg }; break;
      case 'ctproto': m.ctproto = { value: normaliseProtocol(v), negated: neg }; break;
      case 'ctorigsrc': m.ctorigsrc = cidr(); break;
      case 'ctorigdst': m.ctorigdst = cidr(); break;
      case 'ctreplsrc': m.ctreplsrc = cidr(); break;
      case 'ctrepldst': m.ctrepldst = cidr(); break;
      case 'ctorigsrcport': m.ctorigsrcport = port(); break;
      case 'ctorigdstport': m.ctorigdstport = port(); break;
      case 'ctreplsrcport': m.ctreplsrcport = port(); break;
      case 'ctrepldstport': m.ctrepldstport = port(); break;
      case 'ctstatus': m.ctstatus = { value: parseCtStatuses(v), negated: neg }; break;
      default: m.ctdir = v === 'REPLY' ? 'REPLY' : 'ORIGINAL';
    }
    neg = false;
    let k = c.peek();
    if (k === '!' && LISTED_CT_WORDS.has(c.at(c.i + 1))) { neg = true; c.i++; k = c.peek(); }
    if (!LISTED_CT_WORDS.has(k)) {
      if (neg) c.i--;
      break;
    }
    c.i++;
    w = k;
  }
  out.push(m);
  return true;
};

const CT_CIDR = ['--ctorigsrc', '--ctorigdst', '--ctreplsrc', '--ctrepldst'] as const;
const CT_PORT = ['--ctorigsrcport', '--ctorigdstport', '--ctreplsrcport', '--ctrepldstport'] as const;

const conntrack: MatchModule = {
  options: optionTable([
    ['--ctstate', 1], ['--ctproto', 1], ...CT_CIDR.map((n): [string, number] => [n, 1]),
    ...CT_PORT.map((n): [string, number] => [n, 1]), ['--ctstatus', 1], ['--ctdir', 1],
  ]),
  build: (opts) => {
    const m: Extract<Match, { kind: 'conntrack' }> = {
      kind: 'conntrack', ctstate: null, ctproto: null, ctorigsrc: null, ctorigdst: null, ctreplsrc: null,
      ctrepldst: null, ctorigsrcport: null, ctorigdstport: null, ctreplsrcport: null, ctrepldstport: null,
      ctstatus: null, ctdir: null,
    };
    for (const o of opts) {
      const v = o.values[0];
      const neg = o.negated;
      switch (o.name) {
        case '--ctstate': m.ctstate = { value: parseCtStates(v), negated: neg }; break;
        case '--ctproto': m.ctproto = { value: normaliseProtocol(v), negated: neg }; break;
        case '--ctorigsrc': m.ctorigsrc = negCidr(v, neg); break;
        case '--ctorigdst': m.ctorigdst = negCidr(v, neg); break;
        case '--ctreplsrc': m.ctreplsrc = negCidr(v, neg); break;
        case '--ctrepldst': m.ctrepldst = negCidr(v, neg); break;
        case '--ctorigsrcport': m.ctorigsrcport = negPort(v, neg); break;
        case '--ctorigdstport': m.ctorigdstport = negPort(v, neg); break;
        case '--ctreplsrcport': m.ctreplsrcport = negPort(v, neg); break;
        case '--ctrepldstport': m.ctrepldstport = negPort(v, neg); break;
        case '--ctstatus': m.ctstatus = { value: parseCtStatuses(v), negated: neg }; break;
        default: {
          const dir = v.toUpperCase();
          if (dir !== 'ORIGINAL' && dir !== 'REPLY') fail(`bad --ctdir "${v}"`);
          m.ctdir = dir;
        }
      }
    }
    return [m];
  },
};

function negCidr(v: string, negated: boolean): Negatable<Cidr> {
  return { value: parseCidr(v), negated };
}

function negPort(v: string, negated: boolean): Negatable<PortRange> {
  return { value: parsePortRange(v), negated };
}

/** `state RELATED,ESTABLISHED`. */
const listState: ListedMatchReader = (c, _w, negated, out) => {
  out.push({ kind: 'state', states: parseCtStates(c.need('state')) as CtState[], negated });
  return true;
};

const state: MatchModule = {
  options: optionTable([['--state', 1]]),
  build: (opts) => opts.map((o): Match => ({ kind: 'state', states: parseCtStates(o.values[0]) as CtState[], negated: o.negated })),
};

/** `statistic mode random probability 0.5`, `statistic mode nth every 2 packet 0`. */
const listStatistic: ListedMatchReader = (c, _w, _negated, out) => {
  if (c.peek() !== 'mode') return false;
  c.i++;
  const mode = c.need('statistic mode');
  let neg = false;
  if (c.peek() === '!') { neg = true; c.i++; }
  if (mode === 'random') {
    if (c.peek() !== 'probability') fail('statistic mode random needs a probability');
    c.i++;
    out.push({ kind: 'statistic', mode: 'random', probability: parseProbability(c.need('probability')), negated: neg });
    return true;
  }
  if (mode === 'nth') {
    if (c.peek() !== 'every') fail('statistic mode nth needs every');
    c.i++;
    const every = parseNonNegativeInt(c.need('every'));
    let packet = 0;
    if (c.peek() === 'packet') { c.i++; packet = parseNonNegativeInt(c.need('packet')); }
    out.push({ kind: 'statistic', mode: 'nth', every, packet, negated: neg });
    return true;
  }
  return fail(`unknown statistic mode "${mode}"`);
};

const statistic: MatchModule = {
  options: optionTable([['--mode', 1], ['--probability', 1], ['--every', 1], ['--packet', 1]]),
  build: (opts, pool) => {
    const get = (name: string): string | undefined => opts.find((o) => o.name === name)?.values[0];
    const negated = opts.some((o) => o.negated);
    const mode = get('--mode');
    if (mode === 'random') {
      const p = get('--probability');
      if (p === undefined) fail('statistic --mode random needs --probability');
      const probability = parseProbability(p);
      return [pool === null ? { kind: 'statistic', mode: 'random', probability, negated } : pool.randomStatistic(p, probability, negated)];
    }
    if (mode === 'nth') {
      const every = get('--every');
      if (every === undefined) fail('statistic --mode nth needs --every');
      const packet = get('--packet');
      return [{ kind: 'statistic', mode: 'nth', every: parseNonNegativeInt(every), packet: packet === undefined ? 0 : parseNonNegativeInt(packet), negated }];
    }
    return fail(`statistic needs --mode random or nth`);
  },
};

const LISTED_RECENT_OPS: Readonly<Record<string, 'set' | 'rcheck' | 'update' | 'remove'>> = {
  SET: 'set', CHECK: 'rcheck', UPDATE: 'update', REMOVE: 'remove',
};

/** `recent: CHECK seconds: 60 hit_count: 4 name: SSH side: source mask: 255.255.255.255`. */
const listRecent: ListedMatchReader = (c, _w, negated, out) => {
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

const recent: MatchModule = {
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

/** `PHYSDEV match --physdev-in eth0 ! --physdev-is-bridged`. */
const listPhysdev: ListedMatchReader = (c, _w, _negated, out) => {
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

const physdev: MatchModule = {
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

export function parseSetFlags(text: string): Array<'src' | 'dst'> {
  return text.split(',').map((f) => {
    if (f !== 'src' && f !== 'dst') fail(`bad set flag "${f}"`);
    return f;
  });
}

/** `match-set KUBE-CLUSTER-IP dst,dst`. */
const listSet: ListedMatchReader = (c, _w, negated, out) => {
  const name = c.need('match-set');
  out.push({ kind: 'set', name, flags: parseSetFlags(c.need('match-set flags')), negated });
  return true;
};

const set: MatchModule = {
  options: optionTable([['--match-set', 2], ['--set', 2]]),
  build: (opts) => opts.map((o): Match => ({ kind: 'set', name: o.values[0], flags: parseSetFlags(o.values[1]), negated: o.negated })),
};

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

const PROTOCOL_MODULES = new Set(['tcp', 'udp', 'sctp', 'udplite']);

/** Marks `-m PROTO` without options: rendered into the rule's text, then left out of its matches. */
function emptyProtocolModule(module: string): Match {
  return { kind: 'unsupported', module, args: [] };
}

/** The placeholder of emptyProtocolModule. */
export function isEmptyProtocolModule(m: Match): boolean {
  return m.kind === 'unsupported' && m.args.length === 0 && PROTOCOL_MODULES.has(m.module);
}

/** The module `-p PROTO` loads implicitly, so `-p tcp --dport 80` works without `-m tcp`. */
export function protocolModule(proto: string | null): string | null {
  switch (proto) {
    case 'tcp': case 'udp': case 'sctp': case 'udplite': case 'icmp': return proto;
    case 'ipv6-icmp': return 'icmp6';
    default: return null;
  }
}
