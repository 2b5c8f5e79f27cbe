/**
 * Matches compiled once into small closures over numbers. A closure answers true, false, or
 * Undecided: the fact it needs that the captures do not show (an unknown outgoing interface,
 * addrtype without addresses, an ipset whose members were not captured, a module natlens does not
 * model). A fact the branch already assumed is answered from its choices, so the walk forks on
 * each fact once.
 */
import type { CtState, Match, PortRange } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import { answerOf, undecided } from './assumption';
import type { Inference, Undecided } from './assumption';
import type { FlowState } from './flow-state';
import { cidrContains, cidrOfParts, formatIp, parseIp } from '../common/ip';
import type { CidrNumber, IpNumber } from '../common/ip';
import { addrTypeOf } from './routing';
import type { NodeRouting } from './routing';

export type MatchAnswer = boolean | Undecided;

/** The match's answer when the branch already assumed `fact`; else the question to fork on (with what the captures imply). */
function decide(s: FlowState, fact: Undecided['fact'], negated: boolean, env?: MatchEnv): MatchAnswer {
  const known = answerOf(s, fact.key);
  return known === undefined ? undecided(fact, negated, env?.inferred(fact.key) ?? null) : known !== negated;
}

/** The fact "ip is one of the node's own addresses", shared by addrtype LOCAL and route lookups. */
export function localAddressFact(node: string, ip: IpNumber): Undecided['fact'] {
  const text = formatIp(ip);
  return {
    key: `local|${node}|${text}`, node,
    about: `whether ${text} is an address of ${node} (its addresses were not captured)`,
    ifTrue: `assuming ${text} is a local address of ${node}`,
    ifFalse: `assuming ${text} is not a local address of ${node}`,
  };
}

/**
 * A module or value the replay cannot read: whether the rule's test holds is the fact, one per
 * rule (the assumption names the rule, so a reader can tell two such facts apart).
 */
function opaqueFact(node: string, ruleKey: string, subject: string, why: string): Undecided['fact'] {
  return {
    key: `opaque|${node}|${ruleKey}|${subject}`, node,
    about: `${subject} ${why}`,
    ifTrue: `assuming ${subject} matches this packet`,
    ifFalse: `assuming ${subject} does not match this packet`,
  };
}

export interface MatchEnv {
  routing: NodeRouting;
  node: string;
  /** What the node's captures imply about a fact (by its key), when they do. */
  inferred: (key: string) => Inference | null;
}

export type MatchFn = (s: FlowState, env: MatchEnv) => MatchAnswer;

/** Matches that fork the replay rather than answer. */
export type BranchMatch =
  | { kind: 'random'; probability: number; negated: boolean }
  | { kind: 'nth'; every: number; packet: number; negated: boolean };

export interface RecentMatch {
  op: 'set' | 'rcheck' | 'update' | 'remove';
  name: string;
  side: 'source' | 'dest';
  hitcount: number | null;
  negated: boolean;
}

export interface CompiledMatches {
  plain: MatchFn[];
  branch: BranchMatch[];
  recent: RecentMatch[];
  comment: string | null;
}

const PROTO_NUMBERS: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58,
  sctp: 132, udplite: 136, dccp: 33,
};

export function protoNumber(proto: string): number | null {
  const lower = proto.toLowerCase();
  if (/^\d+$/.test(lower)) return Number(lower);
  return PROTO_NUMBERS[lower] ?? null;
}

const PORTED = new Set([6, 17, 132, 136, 33]);

export function hasPorts(protoNum: number): boolean {
  return PORTED.has(protoNum);
}

function ifaceMatcher(name: string): (iface: string) => boolean {
  if (name.endsWith('+')) {
    const prefix = name.slice(0, -1);
    return (iface) => iface.startsWith(prefix);
  }
  return (iface) => iface === name;
}

function cidrTest(cidr: CidrNumber | null): (ip: IpNumber) => boolean {
  if (cidr === null) return () => false;
  if (cidr.family === 'ipv4') {
    const { v4, v4mask } = cidr;
    return (ip) => ip.family === 'ipv4' && ((ip.value & v4mask) >>> 0) === v4;
  }
  return (ip) => cidrContains(cidr, ip);
}

function inRanges(ranges: PortRange[], port: number): boolean {
  for (const r of ranges) if (port >= r.min && port <= r.max) return true;
  return false;
}

function currentCtStates(s: FlowState): CtState[] {
  if (s.untracked) return ['UNTRACKED'];
  const states: CtState[] = ['NEW'];
  if (s.natDst) states.push('DNAT');
  if (s.natSrc) states.push('SNAT');
  return states;
}

const TCP_FLAG_BITS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128, ALL: 255, NONE: 0 };

function flagBits(names: string[]): number {
  let bits = 0;
  for (const n of names) bits |= TCP_FLAG_BITS[n.toUpperCase()] ?? 0;
  return bits;
}

const SYN_ONLY = 2;

function addrtypeFact(node: string, ip: IpNumber, types: string[], dev: string | null): Undecided['fact'] {
  if (dev === null && types.length === 1 && types[0] === 'LOCAL') return localAddressFact(node, ip);
  const text = formatIp(ip);
  const kinds = types.join(',');
  const on = dev === null ? '' : ` on ${dev}`;
  return {
    key: `addrtype|${node}|${text}|${kinds}|${dev ?? ''}`, node,
    about: `the address type of ${text}${on} on ${node} (its addresses were not captured)`,
    ifTrue: `assuming ${text} is of type ${kinds}${on} on ${node}`,
    ifFalse: `assuming ${text} is not of type ${kinds}${on} on ${node}`,
  };
}

function hostFact(node: string, name: string, ip: IpNumber): Undecided['fact'] {
  const text = formatIp(ip);
  return {
    key: `host|${node}|${name}|${text}`, node,
    about: `the listing shows the name ${name} instead of an address (iptables -L without -n)`,
    ifTrue: `assuming ${name} stands for ${text}`,
    ifFalse: `assuming ${name} does not stand for ${text}`,
  };
}

function compileUnsupported(module: string, args: string[], ruleKey: string): MatchFn {
  switch (module) {
    // Pure accounting: always matches.
    case 'nfacct':
      return () => true;
    case 'pkttype': {
      const idx = args.indexOf('--pkt-type');
      const negated = idx > 0 && args[idx - 1] === '!';
      const want = idx >= 0 ? (args[idx + 1] ?? '').toLowerCase() : '';
      return (s, env) => {
        const t = addrTypeOf(env.routing, s.dst, null);
        const actual = t === 'BROADCAST' ? 'broadcast' : t === 'MULTICAST' ? 'multicast' : t === null ? null : 'unicast';
        if (actual === null) {
          const dst = formatIp(s.dst);
          return decide(s, {
            key: `pkttype|${env.node}|${dst}|${want}`, node: env.node,
            about: `whether ${dst} is a ${want} address on ${env.node} (its addresses were not captured)`,
            ifTrue: `assuming ${dst} is a ${want} address on ${env.node}`,
            ifFalse: `assuming ${dst} is not a ${want} address on ${env.node}`,
          }, negated);
        }
        return (actual === want) !== negated;
      };
    }
    case 'iprange': {
      const tests: Array<{ side: 'src' | 'dst'; lo: IpNumber; hi: IpNumber; negated: boolean }> = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a !== '--src-range' && a !== '--dst-range') continue;
        const [loText, hiText] = (args[i + 1] ?? '').split('-');
        const lo = parseIp(loText ?? '');
        const hi = parseIp(hiText ?? loText ?? '');
        if (lo === null || hi === null) {
          const subject = `-m iprange ${args.join(' ')}`;
          return (s, env) => decide(s, opaqueFact(env.node, ruleKey, subject, 'could not be read'), false);
        }
        tests.push({ side: a === '--src-range' ? 'src' : 'dst', lo, hi, negated: args[i - 1] === '!' });
      }
      return (s) => tests.every((t) => {
        const ip = t.side === 'src' ? s.src : s.dst;
        const inside = ip.family === t.lo.family && ip.value >= t.lo.value && ip.value <= t.hi.value;
        return inside !== t.negated;
      });
    }
    case 'host': {
      // `iptables -L` without -n: [!] -s|-d NAME.
      const negated = args[0] === '!';
      const side = args[negated ? 1 : 0] === '-d' ? 'dst' : 'src';
      const name = args[negated ? 2 : 1] ?? '?';
      return (s, env) => decide(s, hostFact(env.node, name, side === 'src' ? s.src : s.dst), negated);
    }
    default: {
      const subject = `-m ${module}${args.length ? ' ' + args.join(' ') : ''}`;
      return (s, env) => decide(s, opaqueFact(env.node, ruleKey, subject, 'is not modelled by the replay'), false);
    }
  }
}

/** Compile every match of a rule; comments are kept aside (they name kube-proxy services). */
const NO_BRANCH: BranchMatch[] = [];
const NO_RECENT: RecentMatch[] = [];

/** `ruleKey` names the rule (table, chain, position): facts about an opaque module are per rule. */
export function compileMatches(matches: Match[], ruleKey = ''): CompiledMatches {
  const plain: MatchFn[] = [];
  let branch = NO_BRANCH;
  let recent = NO_RECENT;
  let comment: string | null = null;
  for (const m of matches) {
    switch (m.kind) {
      case 'source': {
        const t = cidrTest(cidrOfParts(m.cidr.address, m.cidr.prefixLength));
        const neg = m.negated;
        plain.push((s) => t(s.src) !== neg);
        break;
      }
      case 'destination': {
        const t = cidrTest(cidrOfParts(m.cidr.address, m.cidr.prefixLength));
        const neg = m.negated;
        plain.push((s) => t(s.dst) !== neg);
        break;
      }
      case 'in-interface': {
        const t = ifaceMatcher(m.name);
        const neg = m.negated;
        plain.push((s) => t(s.inIface) !== neg);
        break;
      }
      case 'out-interface': {
        const t = ifaceMatcher(m.name);
        const neg = m.negated;
        const text = `${neg ? '! ' : ''}-o ${m.name}`;
        const name = m.name;
        plain.push((s, env) => {
          if (s.outIface !== null) return t(s.outIface) !== neg;
          const dst = formatIp(s.dst);
          return decide(s, {
            key: `oif|${env.node}|${dst}|${name}`, node: env.node,
            about: `which interface ${dst} leaves ${env.node} by (the route was not captured; ${text})`,
            ifTrue: `assuming ${dst} leaves ${env.node} by ${name}`,
            ifFalse: `assuming ${dst} does not leave ${env.node} by ${name}`,
          }, neg);
        });
        break;
      }
      case 'protocol': {
        const lower = m.proto.toLowerCase();
        const neg = m.negated;
        if (lower === 'all' || lower === '0') { plain.push(() => !neg); break; }
        const num = protoNumber(lower);
        if (num === null) {
          const proto = m.proto;
          plain.push((s, env) => decide(s, {
            key: `proto|${env.node}|${proto}|${s.protoNum}`, node: env.node,
            about: `the rule names protocol "${proto}", which natlens does not know`,
            ifTrue: `assuming "${proto}" names ${s.proto}`,
            ifFalse: `assuming "${proto}" is not ${s.proto}`,
          }, neg));
          break;
        }
        plain.push((s) => (s.protoNum === num) !== neg);
        break;
      }
      case 'fragment': {
        const neg = m.negated;
        plain.push(() => neg);
        break;
      }
      case 'ports': {
        const { ranges, which, negated } = m;
        const rangeText = ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}:${r.max}`)).join(',');
        const portFact = (side: string, node: string): Undecided['fact'] => ({
          key: `port|${node}|${side}|${rangeText}`, node,
          about: `the ${side} port is not given`,
          ifTrue: `assuming the ${side} port is in ${rangeText}`,
          ifFalse: `assuming the ${side} port is not in ${rangeText}`,
        });
        plain.push((s, env) => {
          if (!hasPorts(s.protoNum)) return false;
          if (which === 'sport') return s.sport === null ? decide(s, portFact('source', env.node), negated) : inRanges(ranges, s.sport) !== negated;
          if (which === 'dport') return s.dport === null ? decide(s, portFact('destination', env.node), negated) : inRanges(ranges, s.dport) !== negated;
          if (s.sport !== null && inRanges(ranges, s.sport)) return !negated;
          if (s.dport !== null) return inRanges(ranges, s.dport) !== negated;
          return decide(s, portFact('destination', env.node), negated);
        });
        break;
      }
      case 'tcp-flags': {
        const mask = flagBits(m.mask);
        const set = flagBits(m.set);
        const neg = m.negated;
        // The replayed packet opens a connection: a bare SYN.
        plain.push((s) => s.protoNum === 6 && ((SYN_ONLY & mask) === set) !== neg);
        break;
      }
      case 'icmp-type': {
        const { type, code, negated } = m;
        plain.push((s) => {
          if (s.protoNum !== 1 && s.protoNum !== 58) return false;
          const echo = s.protoNum === 1 ? 8 : 128;
          return ((type === null || type === echo) && (code === null || code === 0)) !== negated;
        });
        break;
      }
      case 'comment':
        comment = m.text;
        break;
      case 'addrtype': {
        const { src, dst, limitIfaceIn, limitIfaceOut } = m;
        plain.push((s, env) => {
          let dev: string | null = null;
          if (limitIfaceIn) dev = s.inIface;
          if (limitIfaceOut) dev = s.outIface === null ? '(the unknown outgoing interface)' : s.outIface;
          const routing = limitIfaceOut && s.outIface === null ? null : env.routing;
          let pending: MatchAnswer = true;
          for (const [test, ip] of [[src, s.src], [dst, s.dst]] as const) {
            if (test === null) continue;
            const t = routing === null ? null : addrTypeOf(routing, ip, dev);
            const answer: MatchAnswer = t === null ? decide(s, addrtypeFact(env.node, ip, test.value, dev), test.negated, env) : test.value.includes(t) !== test.negated;
            if (answer === false) return false;
            if (answer !== true && pending === true) pending = answer;
          }
          return pending;
        });
        break;
      }
      case 'mark': {
        const value = m.value >>> 0;
        const mask = m.mask >>> 0;
        const neg = m.negated;
        plain.push((s) => (((s.mark & mask) >>> 0) === value) !== neg);
        break;
      }
      case 'connmark': {
        const value = m.value >>> 0;
        const mask = m.mask >>> 0;
        const neg = m.negated;
        plain.push((s) => (((s.ctmark & mask) >>> 0) === value) !== neg);
        break;
      }
      case 'conntrack':
        plain.push(compileConntrack(m));
        break;
      case 'state': {
        const { states, negated } = m;
        plain.push((s) => currentCtStates(s).some((st) => states.includes(st)) !== negated);
        break;
      }
      case 'statistic':
        if (branch === NO_BRANCH) branch = [];
        if (m.mode === 'random') branch.push({ kind: 'random', probability: m.probability, negated: m.negated });
        else branch.push({ kind: 'nth', every: m.every, packet: m.packet, negated: m.negated });
        break;
      case 'recent':
        if (recent === NO_RECENT) recent = [];
        recent.push({ op: m.op, name: m.name, side: m.side, hitcount: m.hitcount, negated: m.negated });
        break;
      case 'physdev': {
        const { physdevIn, physdevOut, isIn, isOut, isBridged } = m;
        const inTest = physdevIn ? ifaceMatcher(physdevIn.value) : null;
        plain.push((s) => {
          if (s.physIn === null) {
            // No bridge information: only negated options can match (xt_physdev).
            for (const o of [physdevIn, physdevOut, isIn, isOut, isBridged]) if (o !== null && !o.negated) return false;
            return true;
          }
          if (isBridged !== null && s.bridged === isBridged.negated) return false;
          if (isIn !== null && isIn.negated) return false;
          if (physdevIn !== null && inTest !== null && inTest(s.physIn) === physdevIn.negated) return false;
          if (isOut !== null && s.bridged === isOut.negated) return false;
          if (physdevOut !== null) {
            if (!s.bridged) return physdevOut.negated;
            const dst = formatIp(s.dst);
            const port = physdevOut.value;
            return decide(s, {
              key: `physdev-out|${s.node}|${s.outIface ?? ''}|${dst}|${port}`, node: s.node,
              about: `which port of bridge ${s.outIface ?? '?'} the frame to ${dst} leaves by (the bridge's forwarding table was not captured)`,
              ifTrue: `assuming the frame to ${dst} leaves by bridge port ${port}`,
              ifFalse: `assuming the frame to ${dst} does not leave by bridge port ${port}`,
            }, physdevOut.negated);
          }
          return true;
        });
        break;
      }
      case 'set': {
        const { name, flags, negated } = m;
        plain.push((s, env) => {
          const parts = flags.map((f) => (f === 'src' ? `source ${formatIp(s.src)}${s.sport === null ? '' : ` port ${s.sport}`}` : `destination ${formatIp(s.dst)}${s.dport === null ? '' : ` port ${s.dport}`}`));
          const what = parts.join(' and ');
          return decide(s, {
            key: `ipset|${env.node}|${name}|${flags.join(',')}|${what}`, node: env.node,
            about: `the members of ipset ${name} were not captured (ipset list)`,
            ifTrue: `assuming ipset ${name} holds the packet's ${what}`,
            ifFalse: `assuming ipset ${name} does not hold the packet's ${what}`,
          }, negated);
        });
        break;
      }
      case 'unsupported':
        plain.push(compileUnsupported(m.module, m.args, ruleKey));
        break;
      default:
        return assertNever(m);
    }
  }
  return { plain, branch, recent, comment };
}

function compileConntrack(m: Extract<Match, { kind: 'conntrack' }>): MatchFn {
  const tests: MatchFn[] = [];
  if (m.ctstate !== null) {
    const { value, negated } = m.ctstate;
    tests.push((s) => currentCtStates(s).some((st) => value.includes(st)) !== negated);
  }
  const needsCt: MatchFn[] = [];
  if (m.ctproto !== null) {
    const num = protoNumber(m.ctproto.value);
    const neg = m.ctproto.negated;
    needsCt.push((s) => (s.protoNum === num) !== neg);
  }
  const addr = (n: { value: { address: string; prefixLength: number }; negated: boolean } | null, pick: (s: FlowState) => IpNumber): void => {
    if (n === null) return;
    const t = cidrTest(cidrOfParts(n.value.address, n.value.prefixLength));
    const neg = n.negated;
    needsCt.push((s) => t(pick(s)) !== neg);
  };
  addr(m.ctorigsrc, (s) => s.orig.src);
  addr(m.ctorigdst, (s) => s.orig.dst);
  addr(m.ctreplsrc, (s) => s.dst);
  addr(m.ctrepldst, (s) => s.src);
  const port = (n: { value: PortRange; negated: boolean } | null, pick: (s: FlowState) => number | null): void => {
    if (n === null) return;
    const { value, negated } = n;
    needsCt.push((s, env) => {
      const p = pick(s);
      if (p === null) {
        if (!hasPorts(s.protoNum)) return false;
        const rangeText = value.min === value.max ? `${value.min}` : `${value.min}:${value.max}`;
        return decide(s, {
          key: `ctport|${env.node}|${rangeText}`, node: env.node,
          about: 'the destination port is not given',
          ifTrue: `assuming the conntrack port is in ${rangeText}`,
          ifFalse: `assuming the conntrack port is not in ${rangeText}`,
        }, negated);
      }
      return (p >= value.min && p <= value.max) !== negated;
    });
  };
  port(m.ctorigsrcport, (s) => s.orig.sport);
  port(m.ctorigdstport, (s) => s.orig.dport);
  port(m.ctreplsrcport, (s) => s.dport);
  port(m.ctrepldstport, (s) => s.sport);
  if (m.ctstatus !== null) {
    // A new, unconfirmed connection has none of EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED.
    const neg = m.ctstatus.negated;
    needsCt.push(() => neg);
  }
  if (m.ctdir !== null) {
    const original = m.ctdir === 'ORIGINAL';
    needsCt.push(() => original);
  }
  return (s, env) => {
    let unknown: MatchAnswer = true;
    for (const t of tests) {
      const r = t(s, env);
      if (r === false) return false;
      if (r !== true && unknown === true) unknown = r;
    }
    if (needsCt.length > 0 && s.untracked) return false;
    for (const t of needsCt) {
      const r = t(s, env);
      if (r === false) return false;
      if (r !== true && unknown === true) unknown = r;
    }
    return unknown;
  };
}
