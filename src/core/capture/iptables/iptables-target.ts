/**
 * Targets natlens understands (`-j NAME ...`): their options and how they become Target records.
 * MARK and CONNMARK forms are normalised to xmark semantics, mark = (mark & ~mask) ^ value. Beside each target's
 * reader of iptables-save options (`build`) is its reader of what `iptables -L` prints for it (`listed`).
 */
import type { NatRange, PortRange, Target } from '../../netfilter/ruleset';
import { optionWords, type RuleOption } from './matches/match-module';
import { fail, normaliseLogLevel, parseMarkMask, parseNatRange, parsePortRange, parseU32 } from './iptables-values';
import { unquote, type ListCursor } from './list-words';

export interface TargetSpec {
  /** Option name → number of values it takes. */
  options: ReadonlyMap<string, number>;
  build(opts: readonly RuleOption[]): Target;
  /** A reader of what `iptables -L` prints for this target, one per rule line. */
  listed(): ListedTarget;
}

/**
 * The target's part of an `iptables -L` line: its words come after the matches (`to:10.0.0.1:80`, `MARK or 0x4000`),
 * in any order with them. `read` takes `w` (and the words after it) when they are this target's text.
 */
export interface ListedTarget {
  read(c: ListCursor, w: string): boolean;
  build(): Target;
}

function has(opts: readonly RuleOption[], name: string): boolean {
  return opts.some((o) => o.name === name);
}

function value(opts: readonly RuleOption[], name: string): string | null {
  const o = opts.find((x) => x.name === name);
  return o === undefined ? null : o.values[0];
}

function plain(target: Target): TargetSpec {
  return { options: new Map(), build: () => target, listed: () => ({ read: () => false, build: () => target }) };
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

// ---- what `iptables -L` prints ---------------------------------------------------------------

/** `reject-with icmp-port-unreachable`. */
function listedReject(): ListedTarget {
  let rejectWith: string | null = null;
  return {
    read: (c, w) => {
      if (w !== 'reject-with') return false;
      rejectWith = c.need('reject-with');
      return true;
    },
    build: () => ({ kind: 'reject', with: rejectWith }),
  };
}

/** `to:10.0.0.1:80 random persistent` (DNAT), `to:192.168.1.1 random-fully` (SNAT). */
function listedNat(kind: 'dnat' | 'snat'): ListedTarget {
  const natTo: string[] = [];
  const flags = new Set<string>();
  return {
    read: (_c, w) => {
      if (w.startsWith('to:')) { natTo.push(w.slice(3)); return true; }
      if (w === 'random' || w === 'random-fully' || w === 'persistent') { flags.add(w); return true; }
      return false;
    },
    build: () =>
      kind === 'dnat'
        ? { kind: 'dnat', to: natTo.map(parseNatRange), random: flags.has('random'), persistent: flags.has('persistent') }
        : {
          kind: 'snat', to: natTo.map(parseNatRange), random: flags.has('random'),
          randomFully: flags.has('random-fully'), persistent: flags.has('persistent'),
        },
  };
}

/** `masq ports: 1024-65535 random-fully`. */
function listedMasquerade(): ListedTarget {
  let portsText: string | null = null;
  const flags = new Set<string>();
  return {
    read: (c, w) => {
      if (w === 'masq' && c.peek() === 'ports:') { c.i++; portsText = c.need('masq ports'); return true; }
      if (w === 'random' || w === 'random-fully') { flags.add(w); return true; }
      return false;
    },
    build: () => ({
      kind: 'masquerade', ports: portsText === null ? null : parsePortRange(portsText), random: flags.has('random'),
      randomFully: flags.has('random-fully'),
    }),
  };
}

/** `redir ports 8080 random`. */
function listedRedirect(): ListedTarget {
  let portsText: string | null = null;
  let random = false;
  return {
    read: (c, w) => {
      if (w === 'redir' && c.peek() === 'ports') { c.i++; portsText = c.need('redir ports'); return true; }
      if (w === 'random') { random = true; return true; }
      return false;
    },
    build: () => ({ kind: 'redirect', ports: portsText === null ? null : parsePortRange(portsText), random }),
  };
}

/** `set 0x4000/0x4000`, `xset`, `and`, `or`, `xor` after MARK or CONNMARK, as (value, mask); null: no such operation. */
function listedMark(c: ListCursor, op: string): { value: number; mask: number } | null {
  switch (op) {
    case 'set': { const { value, mask } = parseMarkMask(c.need('MARK set')); return { value, mask: mask ?? 0xffffffff }; }
    case 'xset': { const { value, mask } = parseMarkMask(c.need('MARK xset')); return { value, mask: mask ?? 0xffffffff }; }
    case 'and': return { value: 0, mask: ~parseU32(c.need('MARK and')) >>> 0 };
    case 'or': { const b = parseU32(c.need('MARK or')); return { value: b, mask: b }; }
    case 'xor': return { value: parseU32(c.need('MARK xor')), mask: 0 };
    default: return null;
  }
}

/** `MARK or 0x4000`, `MARK xset 0x4000/0x4000`. */
function listedMarkTarget(): ListedTarget {
  let mark: { value: number; mask: number } | null = null;
  return {
    read: (c, w) => {
      if (w !== 'MARK') return false;
      mark = listedMark(c, c.need('MARK'));
      if (mark === null) fail('unknown MARK operation');
      return true;
    },
    build: () => (mark === null ? { kind: 'other', name: 'MARK', args: [] } : { kind: 'mark', ...mark }),
  };
}

/** `CONNMARK save nfmask 0xff ctmask ~0xff`, `CONNMARK restore mask 0x1`, `CONNMARK set 0x1`. */
function listedConnmark(): ListedTarget {
  let mark: { value: number; mask: number } | null = null;
  let save: { mode: 'save' | 'restore'; nfmask: number; ctmask: number } | null = null;
  return {
    read: (c, w) => {
      if (w !== 'CONNMARK') return false;
      const op = c.need('CONNMARK');
      if (op === 'save' || op === 'restore') {
        let nf = 0xffffffff;
        let ct = 0xffffffff;
        for (;;) {
          const k = c.peek();
          if (k === 'mask') { c.i++; nf = ct = parseU32(c.need('mask').replace('~', '')); }
          else if (k === 'nfmask') { c.i++; nf = parseU32(c.need('nfmask').replace('~', '')); }
          else if (k === 'ctmask') { c.i++; ct = parseU32(c.need('ctmask').replace('~', '')); }
          else break;
        }
        save = { mode: op, nfmask: nf, ctmask: ct };
        return true;
      }
      mark = listedMark(c, op);
      if (mark === null) fail(`unknown CONNMARK operation "${op}"`);
      return true;
    },
    build: () => {
      if (save !== null) return { kind: 'connmark', ...save };
      if (mark === null) return { kind: 'other', name: 'CONNMARK', args: [] };
      return { kind: 'connmark', mode: 'set', ...mark };
    },
  };
}

/** `LOG flags 0 level 4 prefix "x: "`. */
function listedLog(): ListedTarget {
  let prefix: string | null = null;
  let level: string | null = null;
  return {
    read: (c, w) => {
      if (w !== 'LOG') return false;
      for (;;) {
        const k = c.peek();
        if (k === 'flags') { c.i++; c.need('flags'); }
        else if (k === 'level') { c.i++; level = normaliseLogLevel(c.need('level')); }
        else if (k === 'prefix') { c.i++; prefix = unquote(c.need('prefix')); }
        else break;
      }
      return true;
    },
    build: () => ({ kind: 'log', prefix, level }),
  };
}

/** `NOTRACK` (the CT target's text for --notrack alone), `CT zone 1 helper ftp`. */
function listedCt(): ListedTarget {
  let notrackWord = false;
  const args: string[] = [];
  return {
    read: (c, w) => {
      if (w === 'NOTRACK') { notrackWord = true; return true; }
      if (w !== 'CT') return false;
      for (;;) {
        const k = c.peek();
        if (k === 'notrack') { c.i++; args.push('--notrack'); }
        else if (k === 'zone' || k === 'helper' || k === 'ctevents' || k === 'expevents' || k === 'timeout') { c.i++; args.push(`--${k}`, c.need(k)); }
        else break;
      }
      return true;
    },
    build: () => {
      if (notrackWord && args.length === 0) return { kind: 'notrack' };
      const zone = args.indexOf('--zone');
      const helper = args.indexOf('--helper');
      return {
        kind: 'ct', notrack: args.includes('--notrack'), zone: zone < 0 ? null : parseU32(args[zone + 1]!),
        helper: helper < 0 ? null : args[helper + 1]!, args,
      };
    },
  };
}

export const TARGETS: ReadonlyMap<string, TargetSpec> = new Map<string, TargetSpec>([
  ['ACCEPT', plain({ kind: 'accept' })],
  ['DROP', plain({ kind: 'drop' })],
  ['RETURN', plain({ kind: 'return' })],
  ['TRACE', plain({ kind: 'trace' })],
  ['NOTRACK', plain({ kind: 'notrack' })],
  ['REJECT', { options: new Map([['--reject-with', 1]]), build: (o) => ({ kind: 'reject', with: value(o, '--reject-with') }), listed: listedReject }],
  ['DNAT', {
    options: new Map([['--to-destination', 1], ['--random', 0], ['--persistent', 0]]),
    build: (o) => ({ kind: 'dnat', to: natRanges(o, '--to-destination'), random: has(o, '--random'), persistent: has(o, '--persistent') }),
    listed: () => listedNat('dnat'),
  }],
  ['SNAT', {
    options: new Map([['--to-source', 1], ['--random', 0], ['--random-fully', 0], ['--persistent', 0]]),
    build: (o) => ({
      kind: 'snat', to: natRanges(o, '--to-source'), random: has(o, '--random'),
      randomFully: has(o, '--random-fully'), persistent: has(o, '--persistent'),
    }),
    listed: () => listedNat('snat'),
  }],
  ['MASQUERADE', {
    options: new Map([['--to-ports', 1], ['--random', 0], ['--random-fully', 0]]),
    build: (o) => ({ kind: 'masquerade', ports: ports(o), random: has(o, '--random'), randomFully: has(o, '--random-fully') }),
    listed: listedMasquerade,
  }],
  ['REDIRECT', {
    options: new Map([['--to-ports', 1], ['--random', 0]]),
    build: (o) => ({ kind: 'redirect', ports: ports(o), random: has(o, '--random') }),
    listed: listedRedirect,
  }],
  ['MARK', {
    options: new Map(MARK_OPTIONS),
    build: (o) => ({ kind: 'mark', ...xmark(singleMarkOption(o, 'MARK')) }),
    listed: listedMarkTarget,
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
    listed: listedConnmark,
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
    listed: listedLog,
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
    listed: listedCt,
  }],
]);

/** Extension targets natlens keeps as `other` even when written without options, so they are never taken for chains. */
export const EXTENSION_TARGETS: ReadonlySet<string> = new Set([
  'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNSECMARK', 'DNPT', 'DSCP', 'ECN', 'HL', 'HMARK', 'IDLETIMER',
  'LED', 'MIRROR', 'NETMAP', 'NFLOG', 'NFQUEUE', 'QUEUE', 'RATEEST', 'SAME', 'SECMARK', 'SET', 'SNPT', 'SYNPROXY',
  'TCPMSS', 'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY', 'TTL', 'ULOG',
]);
