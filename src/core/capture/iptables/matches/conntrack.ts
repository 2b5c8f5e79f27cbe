/**
 * The conntrack match (`--ctstate`, original and reply addresses and ports, `--ctstatus`, `--ctdir`).
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import type { Cidr, Match, Negatable, PortRange } from '../../../netfilter/ruleset';
import { fail, normaliseProtocol, parseCidr, parseCtStates, parseCtStatuses, parsePortRange } from '../iptables-values';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

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
export const listConntrack: ListedMatchReader = (c, firstWord, firstNegated, out) => {
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

export const conntrack: MatchModule = {
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
