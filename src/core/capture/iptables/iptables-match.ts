/**
 * Match extensions natlens understands (`-m NAME ...`): which options each one takes and how its options
 * become Match records. A module that is not here, or that uses an option not listed here, is kept whole as
 * `{kind: 'unsupported'}` by the rule reader.
 */
import type { AddrType, Cidr, CtState, Match, Negatable, PortRange } from '../../netfilter/ruleset';
import {
  fail, normaliseProtocol, parseAddrTypes, parseCidr, parseCtStates, parseCtStatuses, parseIcmpType, parseMarkMask,
  parseNonNegativeInt, parsePortList, parsePortRange, parseProbability, parseTcpFlags,
} from './iptables-values';
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

const state: MatchModule = {
  options: optionTable([['--state', 1]]),
  build: (opts) => opts.map((o): Match => ({ kind: 'state', states: parseCtStates(o.values[0]) as CtState[], negated: o.negated })),
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

/** The module `-p PROTO` loads implicitly, so `-p tcp --dport 80` works without `-m tcp`. */
export function protocolModule(proto: string | null): string | null {
  switch (proto) {
    case 'tcp': case 'udp': case 'sctp': case 'udplite': case 'icmp': return proto;
    case 'ipv6-icmp': return 'icmp6';
    default: return null;
  }
}
