/**
 * Matches compiled once into small closures over numbers. A closure answers true, false, or a
 * string: the reason it cannot decide from the captures (an unknown outgoing interface, addrtype
 * without addresses, an ipset whose members were not captured, a module natlens does not model).
 */
import type { CtState, Match, PortRange } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import type { FlowState } from './flow-state';
import { cidrContains, cidrOfParts, parseIp } from './ip-number';
import type { CidrNumber, IpNumber } from './ip-number';
import { addrTypeOf } from './routing';
import type { NodeRouting } from './routing';

export type MatchAnswer = boolean | string;

export interface MatchEnv {
  routing: NodeRouting;
  node: string;
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

function addrtypeNeeds(which: string): string {
  return `-m addrtype needs the node's ${which} (ip addr was not captured)`;
}

function compileUnsupported(module: string, args: string[]): MatchFn {
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
        if (actual === null) return '-m pkttype needs the node addresses (ip addr was not captured)';
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
        if (lo === null || hi === null) return () => `-m iprange ${args.join(' ')} could not be read`;
        tests.push({ side: a === '--src-range' ? 'src' : 'dst', lo, hi, negated: args[i - 1] === '!' });
      }
      return (s) => tests.every((t) => {
        const ip = t.side === 'src' ? s.src : s.dst;
        const inside = ip.family === t.lo.family && ip.value >= t.lo.value && ip.value <= t.hi.value;
        return inside !== t.negated;
      });
    }
    default: {
      const reason = `-m ${module}${args.length ? ' ' + args.join(' ') : ''} is not modelled by the replay`;
      return () => reason;
    }
  }
}

/** Compile every match of a rule; comments are kept aside (they name kube-proxy services). */
const NO_BRANCH: BranchMatch[] = [];
const NO_RECENT: RecentMatch[] = [];

export function compileMatches(matches: Match[]): CompiledMatches {
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
        plain.push((s) => (s.outIface === null ? `${text} needs the outgoing interface, which the captures do not decide` : t(s.outIface) !== neg));
        break;
      }
      case 'protocol': {
        const lower = m.proto.toLowerCase();
        const neg = m.negated;
        if (lower === 'all' || lower === '0') { plain.push(() => !neg); break; }
        const num = protoNumber(lower);
        if (num === null) { const reason = `unknown protocol "${m.proto}"`; plain.push(() => reason); break; }
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
        plain.push((s) => {
          if (!hasPorts(s.protoNum)) return false;
          if (which === 'sport') return s.sport === null ? 'the source port is not known' : inRanges(ranges, s.sport) !== negated;
          if (which === 'dport') return s.dport === null ? 'the destination port is not given' : inRanges(ranges, s.dport) !== negated;
          if (s.sport === null || s.dport === null) return 'the packet ports are not known';
          return (inRanges(ranges, s.sport) || inRanges(ranges, s.dport)) !== negated;
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
          if (limitIfaceOut) {
            if (s.outIface === null) return '-m addrtype --limit-iface-out needs the outgoing interface, which the captures do not decide';
            dev = s.outIface;
          }
          if (src !== null) {
            const t = addrTypeOf(env.routing, s.src, dev);
            if (t === null) return addrtypeNeeds('addresses to type the source');
            if (src.value.includes(t) === src.negated) return false;
          }
          if (dst !== null) {
            const t = addrTypeOf(env.routing, s.dst, dev);
            if (t === null) return addrtypeNeeds('addresses to type the destination');
            if (dst.value.includes(t) === dst.negated) return false;
          }
          return true;
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
            return '--physdev-out needs the bridge port the packet leaves by, which the captures do not show';
          }
          return true;
        });
        break;
      }
      case 'set': {
        const reason = `-m set --match-set ${m.name} needs the members of ipset ${m.name}, which were not captured`;
        plain.push(() => reason);
        break;
      }
      case 'unsupported':
        plain.push(compileUnsupported(m.module, m.args));
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
    needsCt.push((s) => {
      const p = pick(s);
      if (p === null) return hasPorts(s.protoNum) ? 'the port is not known' : false;
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
    let unknown: string | null = null;
    for (const t of tests) {
      const r = t(s, env);
      if (r === false) return false;
      if (typeof r === 'string') unknown = r;
    }
    if (needsCt.length > 0 && s.untracked) return false;
    for (const t of needsCt) {
      const r = t(s, env);
      if (r === false) return false;
      if (typeof r === 'string') unknown = r;
    }
    return unknown ?? true;
  };
}
