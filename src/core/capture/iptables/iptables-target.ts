/**
 * Targets natlens understands (`-j NAME ...`): their options and how they become Target records.
 * MARK and CONNMARK forms are normalised to xmark semantics, mark = (mark & ~mask) ^ value.
 */
import type { NatRange, PortRange, Target } from '../../netfilter/ruleset';
import { optionWords, type RuleOption } from './iptables-match';
import { fail, normaliseLogLevel, parseMarkMask, parseNatRange, parsePortRange, parseU32 } from './iptables-values';

export interface TargetSpec {
  /** Option name → number of values it takes. */
  options: ReadonlyMap<string, number>;
  build(opts: readonly RuleOption[]): Target;
}

function has(opts: readonly RuleOption[], name: string): boolean {
  return opts.some((o) => o.name === name);
}

function value(opts: readonly RuleOption[], name: string): string | null {
  const o = opts.find((x) => x.name === name);
  return o === undefined ? null : o.values[0];
}

function plain(target: Target): TargetSpec {
  return { options: new Map(), build: () => target };
}

function natRanges(opts: readonly RuleOption[], name: string): NatRange[] {
  return opts.filter((o) => o.name === name).map((o) => parseNatRange(o.values[0]));
}

function ports(opts: readonly RuleOption[]): PortRange | null {
  const v = value(opts, '--to-ports');
  return v === null ? null : parsePortRange(v);
}

/** MARK / CONNMARK --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark as (value, mask). */
function xmark(o: RuleOption): { value: number; mask: number } {
  const v = o.values[0];
  switch (o.name) {
    case '--set-xmark': {
      const { value: x, mask } = parseMarkMask(v);
      return { value: x, mask: mask ?? 0xffffffff };
    }
    case '--set-mark': {
      const { value: x, mask } = parseMarkMask(v);
      return { value: x, mask: ((mask ?? 0xffffffff) | x) >>> 0 };
    }
    case '--and-mark': return { value: 0, mask: ~parseU32(v) >>> 0 };
    case '--or-mark': { const b = parseU32(v); return { value: b, mask: b }; }
    case '--xor-mark': return { value: parseU32(v), mask: 0 };
    default: return fail(`unexpected mark option ${o.name}`);
  }
}

const MARK_OPTIONS: Array<[string, number]> = [
  ['--set-xmark', 1], ['--set-mark', 1], ['--and-mark', 1], ['--or-mark', 1], ['--xor-mark', 1],
];

function singleMarkOption(opts: readonly RuleOption[], target: string): RuleOption {
  const marks = opts.filter((o) => MARK_OPTIONS.some(([n]) => n === o.name));
  if (marks.length !== 1) fail(`${target} needs exactly one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark`);
  return marks[0];
}

export const TARGETS: ReadonlyMap<string, TargetSpec> = new Map<string, TargetSpec>([
  ['ACCEPT', plain({ kind: 'accept' })],
  ['DROP', plain({ kind: 'drop' })],
  ['RETURN', plain({ kind: 'return' })],
  ['TRACE', plain({ kind: 'trace' })],
  ['NOTRACK', plain({ kind: 'notrack' })],
  ['REJECT', { options: new Map([['--reject-with', 1]]), build: (o) => ({ kind: 'reject', with: value(o, '--reject-with') }) }],
  ['DNAT', {
    options: new Map([['--to-destination', 1], ['--random', 0], ['--persistent', 0]]),
    build: (o) => ({ kind: 'dnat', to: natRanges(o, '--to-destination'), random: has(o, '--random'), persistent: has(o, '--persistent') }),
  }],
  ['SNAT', {
    options: new Map([['--to-source', 1], ['--random', 0], ['--random-fully', 0], ['--persistent', 0]]),
    build: (o) => ({
      kind: 'snat', to: natRanges(o, '--to-source'), random: has(o, '--random'),
      randomFully: has(o, '--random-fully'), persistent: has(o, '--persistent'),
    }),
  }],
  ['MASQUERADE', {
    options: new Map([['--to-ports', 1], ['--random', 0], ['--random-fully', 0]]),
    build: (o) => ({ kind: 'masquerade', ports: ports(o), random: has(o, '--random'), randomFully: has(o, '--random-fully') }),
  }],
  ['REDIRECT', {
    options: new Map([['--to-ports', 1], ['--random', 0]]),
    build: (o) => ({ kind: 'redirect', ports: ports(o), random: has(o, '--random') }),
  }],
  ['MARK', {
    options: new Map(MARK_OPTIONS),
    build: (o) => ({ kind: 'mark', ...xmark(singleMarkOption(o, 'MARK')) }),
  }],
  ['CONNMARK', {
    options: new Map([...MARK_OPTIONS, ['--save-mark', 0], ['--restore-mark', 0], ['--nfmask', 1], ['--ctmask', 1], ['--mask', 1]]),
    build: (o) => {
      const save = has(o, '--save-mark');
      if (save || has(o, '--restore-mark')) {
        const mask = value(o, '--mask');
        const nf = value(o, '--nfmask') ?? mask;
        const ct = value(o, '--ctmask') ?? mask;
        return {
          kind: 'connmark', mode: save ? 'save' : 'restore',
          nfmask: nf === null ? 0xffffffff : parseU32(nf), ctmask: ct === null ? 0xffffffff : parseU32(ct),
        };
      }
      return { kind: 'connmark', mode: 'set', ...xmark(singleMarkOption(o, 'CONNMARK')) };
    },
  }],
  ['LOG', {
    options: new Map([
      ['--log-prefix', 1], ['--log-level', 1], ['--log-tcp-sequence', 0], ['--log-tcp-options', 0],
      ['--log-ip-options', 0], ['--log-uid', 0], ['--log-macdecode', 0],
    ]),
    build: (o) => {
      const level = value(o, '--log-level');
      return { kind: 'log', prefix: value(o, '--log-prefix'), level: level === null ? null : normaliseLogLevel(level) };
    },
  }],
  ['CT', {
    options: new Map([
      ['--notrack', 0], ['--zone', 1], ['--zone-orig', 1], ['--zone-reply', 1], ['--helper', 1],
      ['--ctevents', 1], ['--expevents', 1], ['--timeout', 1],
    ]),
    build: (o) => {
      const zone = value(o, '--zone');
      return {
        kind: 'ct', notrack: has(o, '--notrack'), zone: zone === null ? null : parseU32(zone),
        helper: value(o, '--helper'), args: optionWords(o),
      };
    },
  }],
]);

/** Extension targets natlens keeps as `other` even when written without options, so they are never taken for chains. */
export const EXTENSION_TARGETS: ReadonlySet<string> = new Set([
  'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNSECMARK', 'DNPT', 'DSCP', 'ECN', 'HL', 'HMARK', 'IDLETIMER',
  'LED', 'MIRROR', 'NETMAP', 'NFLOG', 'NFQUEUE', 'QUEUE', 'RATEEST', 'SAME', 'SECMARK', 'SET', 'SNPT', 'SYNPROXY',
  'TCPMSS', 'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY', 'TTL', 'ULOG',
]);
