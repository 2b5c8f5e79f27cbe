/**
 * Renders a rule the way iptables-save prints it (`-A CHAIN -s ... -p tcp -m tcp --dport 80 -j ACCEPT`):
 * the text users know, shown in traces and synthesised for `iptables -L` listings.
 */
import { assertNever } from '../common/assert-never';
import {
  ADDR_TYPES, CT_STATES, CT_STATUSES, formatIcmpType, formatNatRange, formatPortRange, formatTcpFlags, hex, protocolNumber,
} from './rule-values';
import type { Cidr, Match, NatRange, Negatable, PortRange, Target } from './ruleset';

const UNQUOTED = /^[A-Za-z0-9_-]+$/;

/** iptables' own quoting (xtables_save_string): only [A-Za-z0-9_-]+ stays bare; `"`, `\` and `'` are escaped. */
export function quoteArg(text: string): string {
  if (UNQUOTED.test(text)) return text;
  return `"${text.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** Raw args of unsupported modules and other targets: quoted only when they could not be read back otherwise. */
function rawArg(text: string): string {
  return text !== '' && !/[\s"\\']/.test(text) ? text : quoteArg(text);
}

function neg(negated: boolean): string {
  return negated ? '! ' : '';
}

function cidr(c: Cidr): string {
  return `${c.address}/${c.prefixLength}`;
}

/** conntrack prints a host address without its /32 or /128. */
function ctCidr(c: Cidr): string {
  const full = c.address.includes(':') ? 128 : 32;
  return c.prefixLength === full ? c.address : cidr(c);
}

type ModuleName = string;

function portModule(m: Extract<Match, { kind: 'ports' }>, proto: string | null): ModuleName {
  if (m.which === 'either' || m.ranges.length !== 1) return 'multiport';
  return proto === 'udp' || proto === 'sctp' || proto === 'udplite' ? proto : 'tcp';
}

function moduleOf(m: Match, proto: string | null): ModuleName | null {
  switch (m.kind) {
    case 'source': case 'destination': case 'in-interface': case 'out-interface': case 'protocol': case 'fragment':
      return null;
    case 'ports': return portModule(m, proto);
    case 'tcp-flags': return 'tcp';
    case 'icmp-type': return proto === 'ipv6-icmp' ? 'icmp6' : 'icmp';
    case 'unsupported': return m.module === 'host' ? null : `unsupported:${m.module}`;
    default: return m.kind;
  }
}

function ctList<T extends string>(field: string, v: Negatable<T[]> | null, order: readonly T[]): string {
  return v === null ? '' : ` ${neg(v.negated)}${field} ${order.filter((x) => v.value.includes(x)).join(',')}`;
}

function matchOptions(m: Match, module: ModuleName): string {
  switch (m.kind) {
    case 'ports': {
      if (module === 'multiport') {
        const opt = m.which === 'either' ? '--ports' : m.which === 'sport' ? '--sports' : '--dports';
        return ` ${neg(m.negated)}${opt} ${m.ranges.map((r) => formatPortRange(r)).join(',')}`;
      }
      return ` ${neg(m.negated)}--${m.which} ${formatPortRange(m.ranges[0])}`;
    }
    case 'tcp-flags':
      return ` ${neg(m.negated)}--tcp-flags ${formatTcpFlags(m.mask)} ${formatTcpFlags(m.set)}`;
    case 'icmp-type':
      return ` ${neg(m.negated)}--${module === 'icmp6' ? 'icmpv6' : 'icmp'}-type ${formatIcmpType(m.type, m.code)}`;
    case 'comment':
      return ` --comment ${quoteArg(m.text)}`;
    case 'addrtype': {
      let s = '';
      if (m.src !== null) s += ctList('--src-type', m.src, ADDR_TYPES);
      if (m.dst !== null) s += ctList('--dst-type', m.dst, ADDR_TYPES);
      if (m.limitIfaceIn) s += ' --limit-iface-in';
      if (m.limitIfaceOut) s += ' --limit-iface-out';
      return s;
    }
    case 'mark':
    case 'connmark':
      return ` ${neg(m.negated)}--mark ${hex(m.value)}${m.mask === 0xffffffff ? '' : `/${hex(m.mask)}`}`;
    case 'conntrack': {
      let s = ctList('--ctstate', m.ctstate, CT_STATES);
      if (m.ctproto !== null) s += ` ${neg(m.ctproto.negated)}--ctproto ${protocolNumber(m.ctproto.value)}`;
      const addrs: Array<[string, Negatable<Cidr> | null]> = [
        ['--ctorigsrc', m.ctorigsrc], ['--ctorigdst', m.ctorigdst], ['--ctreplsrc', m.ctreplsrc], ['--ctrepldst', m.ctrepldst],
      ];
      for (const [name, v] of addrs) if (v !== null) s += ` ${neg(v.negated)}${name} ${ctCidr(v.value)}`;
      const ports: Array<[string, Negatable<PortRange> | null]> = [
        ['--ctorigsrcport', m.ctorigsrcport], ['--ctorigdstport', m.ctorigdstport],
        ['--ctreplsrcport', m.ctreplsrcport], ['--ctrepldstport', m.ctrepldstport],
      ];
      for (const [name, v] of ports) if (v !== null) s += ` ${neg(v.negated)}${name} ${formatPortRange(v.value)}`;
      s += ctList('--ctstatus', m.ctstatus, CT_STATUSES);
      if (m.ctdir !== null) s += ` --ctdir ${m.ctdir}`;
      return s;
    }
    case 'state':
      return ` ${neg(m.negated)}--state ${CT_STATES.filter((x) => m.states.includes(x)).join(',')}`;
    case 'statistic':
      return m.mode === 'random'
        ? ` --mode random ${neg(m.negated)}--probability ${m.probability.toFixed(11)}`
        : ` --mode nth ${neg(m.negated)}--every ${m.every} --packet ${m.packet}`;
    case 'recent': {
      let s = ` ${neg(m.negated)}--${m.op}`;
      if (m.seconds !== null) s += ` --seconds ${m.seconds}`;
      if (m.reap) s += ' --reap';
      if (m.hitcount !== null) s += ` --hitcount ${m.hitcount}`;
      if (m.rttl) s += ' --rttl';
      s += ` --name ${quoteArg(m.name)}`;
      if (m.mask !== null) s += ` --mask ${m.mask}`;
      return `${s} ${m.side === 'source' ? '--rsource' : '--rdest'}`;
    }
    case 'physdev': {
      let s = '';
      if (m.isIn !== null) s += ` ${neg(m.isIn.negated)}--physdev-is-in`;
      if (m.physdevIn !== null) s += ` ${neg(m.physdevIn.negated)}--physdev-in ${m.physdevIn.value}`;
      if (m.isOut !== null) s += ` ${neg(m.isOut.negated)}--physdev-is-out`;
      if (m.physdevOut !== null) s += ` ${neg(m.physdevOut.negated)}--physdev-out ${m.physdevOut.value}`;
      if (m.isBridged !== null) s += ` ${neg(m.isBridged.negated)}--physdev-is-bridged`;
      return s;
    }
    case 'set':
      return ` ${neg(m.negated)}--match-set ${m.name} ${m.flags.join(',')}`;
    case 'unsupported':
      return m.args.length === 0 ? '' : ` ${m.args.map(rawArg).join(' ')}`;
    case 'source': case 'destination': case 'in-interface': case 'out-interface': case 'protocol': case 'fragment':
      return '';
    default:
      return assertNever(m);
  }
}

function natTo(option: string, to: readonly NatRange[]): string {
  return to.map((r) => ` ${option} ${formatNatRange(r)}`).join('');
}

function flag(on: boolean, option: string): string {
  return on ? ` ${option}` : '';
}

function ports(p: PortRange | null): string {
  return p === null ? '' : ` --to-ports ${formatPortRange(p, '-')}`;
}

export function renderTarget(t: Target): string {
  switch (t.kind) {
    case 'accept': return '-j ACCEPT';
    case 'drop': return '-j DROP';
    case 'return': return '-j RETURN';
    case 'reject': return `-j REJECT${t.with === null ? '' : ` --reject-with ${t.with}`}`;
    case 'jump': return `-j ${t.chain}`;
    case 'goto': return `-g ${t.chain}`;
    case 'dnat': return `-j DNAT${natTo('--to-destination', t.to)}${flag(t.random, '--random')}${flag(t.persistent, '--persistent')}`;
    case 'snat':
      return `-j SNAT${natTo('--to-source', t.to)}${flag(t.random, '--random')}${flag(t.randomFully, '--random-fully')}${flag(t.persistent, '--persistent')}`;
    case 'masquerade': return `-j MASQUERADE${ports(t.ports)}${flag(t.random, '--random')}${flag(t.randomFully, '--random-fully')}`;
    case 'redirect': return `-j REDIRECT${ports(t.ports)}${flag(t.random, '--random')}`;
    case 'mark': return `-j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case 'connmark':
      return t.mode === 'set'
        ? `-j CONNMARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`
        : `-j CONNMARK --${t.mode}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}`;
    case 'log':
      return `-j LOG${t.prefix === null ? '' : ` --log-prefix ${quoteArg(t.prefix)}`}${t.level === null || t.level === '4' ? '' : ` --log-level ${t.level}`}`;
    case 'trace': return '-j TRACE';
    case 'notrack': return '-j NOTRACK';
    case 'ct': return `-j CT${t.args.map((a) => ` ${rawArg(a)}`).join('')}`;
    case 'other': return `-j ${t.name}${t.args.map((a) => ` ${rawArg(a)}`).join('')}`;
    default: return assertNever(t);
  }
}

const BASIC_ORDER: ReadonlyArray<Match['kind']> = ['source', 'destination', 'in-interface', 'out-interface', 'protocol', 'fragment'];

/** The rule as iptables-save prints it: basic matches first (-s -d -i -o -p -f), then each module once per group, then the target. */
export function renderRule(chain: string, matches: Match[], target: Target | null): string {
  let s = `-A ${chain}`;
  let proto: string | null = null;
  for (const kind of BASIC_ORDER) {
    for (const m of matches) {
      if (m.kind !== kind) continue;
      switch (m.kind) {
        case 'source': s += ` ${neg(m.negated)}-s ${cidr(m.cidr)}`; break;
        case 'destination': s += ` ${neg(m.negated)}-d ${cidr(m.cidr)}`; break;
        case 'in-interface': s += ` ${neg(m.negated)}-i ${m.name}`; break;
        case 'out-interface': s += ` ${neg(m.negated)}-o ${m.name}`; break;
        case 'protocol': s += ` ${neg(m.negated)}-p ${m.proto}`; if (!m.negated) proto = m.proto; break;
        case 'fragment': s += ` ${neg(m.negated)}-f`; break;
        default: break;
      }
    }
  }
  for (const m of matches) if (m.kind === 'unsupported' && m.module === 'host') s += ` ${m.args.map(rawArg).join(' ')}`;
  let open: ModuleName | null = null;
  for (const m of matches) {
    const module = moduleOf(m, proto);
    if (module === null) {
      open = null;
      continue;
    }
    // Some modules hold one option per Match (tcp ports and flags); others are one Match per -m.
    const sharesGroup = (m.kind === 'ports' && module !== 'multiport') || m.kind === 'tcp-flags';
    if (module !== open || !sharesGroup) {
      s += ` -m ${module.startsWith('unsupported:') ? module.slice('unsupported:'.length) : module}`;
      open = module;
    }
    s += matchOptions(m, module);
  }
  if (target !== null) s += ` ${renderTarget(target)}`;
  return s;
}
