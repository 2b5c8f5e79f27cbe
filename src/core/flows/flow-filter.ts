/**
 * A flow filter in tcpdump's expression language (pcap-filter(7)): `host 10.40.0.6 and port 8080`,
 * `net 10.40.0.0/16`, `tcp`, `not port 53`, `src host X`, `dst port N`, `portrange 30000-32767`,
 * `and`/`&&`, `or`/`||`, `not`/`!`, parentheses, and tcpdump's shorthand `host a or b` (a bare
 * address after and/or takes the qualifiers before it). As in tcpdump, `and` and `or` bind
 * equally and group from the left. natlens adds primitives of its own: `service TEXT` (the flow's
 * Kubernetes service contains TEXT), and `tunnel` (a packet of the flow was seen inside a tunnel),
 * `tunnel vxlan|geneve|ipip|sit` (`tunnel=vxlan`), `vni N` (`vni=N`: a VXLAN or Geneve tunnel of
 * that network identifier), with pcap-filter's `vxlan [VNI]` and `geneve [VNI]`.
 *
 * A flow matches when tcpdump, given the expression, would show at least one of its packets at
 * some capture point: the original direction before and after NAT, and the reply before and after
 * de-NAT (see flowPacketViews).
 */
import { cidrContains, parseCidr, parseIp, sameIp, type CidrNumber, type IpNumber } from '../common/ip';
import { assertNever } from '../common/assert-never';
import type { TunnelKind } from '../records/records';

export type Direction = 'src' | 'dst' | 'src or dst' | 'src and dst';

export type FlowFilter =
  | { kind: 'and'; left: FlowFilter; right: FlowFilter }
  | { kind: 'or'; left: FlowFilter; right: FlowFilter }
  | { kind: 'not'; operand: FlowFilter }
  | { kind: 'host'; dir: Direction; address: IpNumber; text: string }
  | { kind: 'net'; dir: Direction; cidr: CidrNumber; text: string }
  | { kind: 'port'; dir: Direction; from: number; to: number }
  | { kind: 'proto'; proto: number }
  | { kind: 'family'; family: 'ipv4' | 'ipv6' }
  | { kind: 'service'; text: string }
  /** A packet of the flow was seen in a tunnel: of this kind (null: any), of this VNI (null: any). */
  | { kind: 'tunnel'; tunnel: TunnelKind | null; vni: number | null };

/** A tunnel a flow's packets were seen in (its capture points' hops). */
export interface FilterTunnel {
  kind: TunnelKind;
  vni: number | null;
}

/** One packet as a capture point sees it. Addresses are text as stored; ports null where the protocol has none. */
export interface FilterPacket {
  proto: number;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  service: string | null;
  /** The tunnels the flow was seen in; absent: none (a caller that filters on tunnels reads them, see filterUsesTunnels). */
  tunnels?: readonly FilterTunnel[];
}

export interface FilterTuple {
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
}

export interface FilterFlow {
  proto: number;
  original: FilterTuple;
  reply: FilterTuple;
  service: string | null;
  /** As FilterPacket's: the tunnels any of its packets were seen in. */
  tunnels?: readonly FilterTunnel[];
}

/** Where an expression stops making sense: a 1-based column into the text and what was expected there. */
export interface FlowFilterProblem {
  column: number;
  message: string;
}

export type FlowFilterParse = { ok: true; filter: FlowFilter | null } | { ok: false; problem: FlowFilterProblem };

export const MAX_FLOW_FILTER_LENGTH = 2000;
/** Nesting beyond this is refused, so a hostile expression cannot exhaust the stack. */
const MAX_DEPTH = 100;

/** Protocol names tcpdump accepts as primitives (and after `proto`), by number. */
const PROTO_WORDS: Readonly<Record<string, number>> = {
  tcp: 6, udp: 17, icmp: 1, icmp6: 58, sctp: 132, igmp: 2, gre: 47, esp: 50, ah: 51, vrrp: 112, pim: 103,
};
const WORDS = 'a filter word (host, net, port, portrange, src, dst, tcp, udp, icmp, ip, ip6, proto, service, tunnel, vni, and, or, not)';
const TUNNEL_KINDS: readonly TunnelKind[] = ['vxlan', 'geneve', 'ipip', 'sit'];
const DIRECTIONS = new Set(['src', 'dst']);
const TYPES = new Set(['host', 'net', 'port', 'portrange']);
const RESERVED = new Set([
  'and', 'or', 'not', 'src', 'dst', 'host', 'net', 'port', 'portrange', 'proto', 'ip', 'ip6', 'service', 'mask', 'tunnel', 'vni', 'vxlan', 'geneve',
  ...Object.keys(PROTO_WORDS),
]);

interface Token {
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
  kind: 'word' | '(' | ')' | '!' | '&&' | '||';
}

function tokenize(text: string): Token[] | FlowFilterProblem {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '!') {
      tokens.push({ text: c, column: i + 1, kind: c });
      i++;
      continue;
    }
    if (c === '&' || c === '|') {
      if (text[i + 1] !== c) return { column: i + 1, message: `"${c}" alone is not an operator (use ${c}${c}, or the word ${c === '&' ? 'and' : 'or'})` };
      tokens.push({ text: c + c, column: i + 1, kind: c === '&' ? '&&' : '||' });
      i += 2;
      continue;
    }
    const start = i;
    while (i < text.length && !/[\s()!&|]/.test(text[i]!)) i++;
    tokens.push({ text: text.slice(start, i), column: start + 1, kind: 'word' });
  }
  return tokens;
}

/** What a bare identifier after `and`/`or` inherits: tcpdump's `host a or b`, `port 53 or 80`. */
interface Qualifiers {
  dir: Direction;
  type: 'host' | 'net' | 'port' | 'portrange';
  proto: number | null;
}

class ParseFailure extends Error {
  constructor(readonly problem: FlowFilterProblem) {
    super(`column ${problem.column}: ${problem.message}`);
  }
}

class Parser {
  private pos = 0;
  private last: Qualifiers | null = null;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly endColumn: number,
  ) {}

  parse(): FlowFilter {
    const filter = this.expression(0);
    const extra = this.peek();
    if (extra !== undefined) {
      throw this.fail(extra, extra.kind === ')' ? 'this ")" closes no "("' : `expected "and" or "or" before "${extra.text}"`);
    }
    return filter;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private fail(at: Token | undefined, message: string): ParseFailure {
    return new ParseFailure({ column: at?.column ?? this.endColumn, message });
  }

  private isWord(t: Token | undefined, ...words: string[]): boolean {
    return t !== undefined && t.kind === 'word' && words.includes(t.text.toLowerCase());
  }

  private expression(depth: number): FlowFilter {
    if (depth > MAX_DEPTH) throw this.fail(this.peek(), `nested deeper than ${MAX_DEPTH} levels`);
    let left = this.unary(depth);
    for (;;) {
      const t = this.peek();
      const op = t === undefined ? null : t.kind === '&&' || this.isWord(t, 'and') ? 'and' : t.kind === '||' || this.isWord(t, 'or') ? 'or' : null;
      if (op === null) return left;
      this.pos++;
      const right = this.unary(depth, true);
      left = { kind: op, left, right };
    }
  }

  private unary(depth: number, afterOperator = false): FlowFilter {
    const t = this.peek();
    if (t === undefined) throw this.fail(t, afterOperator ? 'the expression ends after an operator' : 'the expression is empty here');
    if (t.kind === '!' || this.isWord(t, 'not')) {
      this.pos++;
      if (depth + 1 > MAX_DEPTH) throw this.fail(t, `nested deeper than ${MAX_DEPTH} levels`);
      return { kind: 'not', operand: this.unary(depth + 1, afterOperator) };
    }
    if (t.kind === '(') {
      this.pos++;
      const inner = this.expression(depth + 1);
      const close = this.peek();
      if (close === undefined || close.kind !== ')') throw this.fail(close, close === undefined ? `the "(" at column ${t.column} is never closed` : `expected ")" before "${close.text}"`);
      this.pos++;
      return inner;
    }
    if (t.kind !== 'word') throw this.fail(t, `expected a primitive (host, net, port, tcp, ...), found "${t.text}"`);
    return this.primitive(afterOperator);
  }

  private primitive(afterOperator: boolean): FlowFilter {
    const first = this.peek()!;
    const word = first.text.toLowerCase();

    if (word === 'service') {
      this.pos++;
      const value = this.peek();
      if (value === undefined || value.kind !== 'word') throw this.fail(value, 'expected a service name after "service" (namespace/name, or part of it)');
      this.pos++;
      return { kind: 'service', text: value.text };
    }
    if (word === 'tunnel' || word.startsWith('tunnel=') || word === 'vni' || word.startsWith('vni=') || word === 'vxlan' || word === 'geneve') {
      return this.tunnel(first, word);
    }
    if (word === 'ip' || word === 'ip6') {
      this.pos++;
      if (this.isWord(this.peek(), 'proto')) return this.protoNumber();
      return { kind: 'family', family: word === 'ip' ? 'ipv4' : 'ipv6' };
    }
    if (word === 'proto') return this.protoNumber();

    // [proto] [dir] [type] id — each part optional; a protocol alone is a primitive of its own.
    let proto: number | null = null;
    if (word in PROTO_WORDS) {
      proto = PROTO_WORDS[word]!;
      this.pos++;
      const next = this.peek();
      if (!(this.isWord(next, ...DIRECTIONS) || this.isWord(next, ...TYPES))) return { kind: 'proto', proto };
    }
    const dir = this.direction();
    const typeToken = this.peek();
    let type: Qualifiers['type'] | null = null;
    if (this.isWord(typeToken, ...TYPES)) {
      type = typeToken!.text.toLowerCase() as Qualifiers['type'];
      this.pos++;
    }
    const id = this.peek();
    if (id === undefined || id.kind !== 'word' || RESERVED.has(id.text.toLowerCase())) {
      const after = type ?? dir ?? (proto === null ? null : first.text);
      if (after === null) throw this.fail(id, `"${id?.text ?? ''}" is not ${WORDS}`);
      throw this.fail(id, `expected ${type === 'port' || type === 'portrange' ? 'a port number' : 'an address'} after "${after}"${id === undefined ? '' : `, found "${id.text}"`}`);
    }
    this.pos++;
    const inherited = dir === null && type === null && proto === null && afterOperator ? this.last : null;
    const q: Qualifiers = {
      dir: dir ?? inherited?.dir ?? 'src or dst',
      type: type ?? inherited?.type ?? (/^[0-9]+$/.test(id.text) ? 'port' : id.text.includes('/') ? 'net' : 'host'),
      proto: proto ?? inherited?.proto ?? null,
    };
    if (type === null && inherited === null && /^[0-9]+$/.test(id.text)) {
      throw this.fail(id, `a bare number "${id.text}" needs "port" or "proto" before it`);
    }
    this.last = q;
    const value = this.value(q, id);
    return q.proto === null ? value : { kind: 'and', left: { kind: 'proto', proto: q.proto }, right: value };
  }

  /** `tunnel`, `tunnel KIND`, `tunnel=KIND`, `vni N`, `vni=N`, `vxlan [VNI]`, `geneve [VNI]`. */
  private tunnel(first: Token, word: string): FlowFilter {
    this.pos++;
    const [name, attached] = word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, null];
    const next = this.peek();
    const isNumber = (t: Token | undefined): boolean => t !== undefined && t.kind === 'word' && /^[0-9]+$/.test(t.text);
    const vniOf = (text: string, at: Token): number => {
      // VXLAN and Geneve identifiers are 24 bits.
      if (!/^[0-9]{1,8}$/.test(text) || Number(text) > 0xffffff) throw this.fail(at, `"${text}" is not a VNI (0-16777215)`);
      return Number(text);
    };
    if (name === 'vxlan' || name === 'geneve') {
      if (!isNumber(next)) return { kind: 'tunnel', tunnel: name, vni: null };
      this.pos++;
      return { kind: 'tunnel', tunnel: name, vni: vniOf(next!.text, next!) };
    }
    if (name === 'vni') {
      if (attached !== null) return { kind: 'tunnel', tunnel: null, vni: vniOf(attached, first) };
      if (next === undefined || next.kind !== 'word') throw this.fail(next, 'expected a VNI (a number) after "vni"');
      this.pos++;
      return { kind: 'tunnel', tunnel: null, vni: vniOf(next.text, next) };
    }
    const kindOf = (text: string, at: Token): TunnelKind => {
      const kind = TUNNEL_KINDS.find((k) => k === text.toLowerCase());
      if (kind === undefined) throw this.fail(at, `"${text}" is not a tunnel kind (${TUNNEL_KINDS.join(', ')})`);
      return kind;
    };
    if (attached !== null) return { kind: 'tunnel', tunnel: kindOf(attached, first), vni: null };
    if (next !== undefined && next.kind === 'word' && TUNNEL_KINDS.includes(next.text.toLowerCase() as TunnelKind)) {
      this.pos++;
      return { kind: 'tunnel', tunnel: kindOf(next.text, next), vni: null };
    }
    return { kind: 'tunnel', tunnel: null, vni: null };
  }

  private direction(): Direction | null {
    const t = this.peek();
    if (!this.isWord(t, ...DIRECTIONS)) return null;
    this.pos++;
    const first = t!.text.toLowerCase() as 'src' | 'dst';
    // `src or dst host X` / `src and dst host X`: the operator belongs to the qualifier only when the other direction follows.
    const op = this.peek();
    const other = this.tokens[this.pos + 1];
    const opWord = op === undefined ? null : op.kind === '||' || this.isWord(op, 'or') ? 'or' : op.kind === '&&' || this.isWord(op, 'and') ? 'and' : null;
    if (opWord !== null && this.isWord(other, first === 'src' ? 'dst' : 'src')) {
      this.pos += 2;
      return opWord === 'or' ? 'src or dst' : 'src and dst';
    }
    return first;
  }

  private protoNumber(): FlowFilter {
    const protoWord = this.peek()!;
    this.pos++;
    const value = this.peek();
    if (value === undefined || value.kind !== 'word') throw this.fail(value, 'expected a protocol name or number after "proto"');
    this.pos++;
    const name = value.text.toLowerCase().replace(/^\\/, '');
    if (name in PROTO_WORDS) return { kind: 'proto', proto: PROTO_WORDS[name]! };
    if (/^[0-9]+$/.test(name) && Number(name) <= 255) return { kind: 'proto', proto: Number(name) };
    throw this.fail(value, `"${value.text}" after "${protoWord.text}" is not a protocol (a number 0-255 or ${Object.keys(PROTO_WORDS).join(', ')})`);
  }

  private value(q: Qualifiers, id: Token): FlowFilter {
    switch (q.type) {
      case 'host': {
        const address = parseIp(id.text);
        if (address === null && /^[a-z][a-z0-9_-]*$/i.test(id.text)) throw this.fail(id, `"${id.text}" is neither an IP address nor ${WORDS}`);
        if (address === null) throw this.fail(id, `"${id.text}" is not an IP address${id.text.includes('/') ? ' (a prefix needs "net")' : ''}`);
        return { kind: 'host', dir: q.dir, address, text: id.text };
      }
      case 'net': {
        const cidr = parseCidr(id.text.includes('/') ? id.text : withFullPrefix(id.text));
        if (cidr === null) throw this.fail(id, `"${id.text}" is not a network (address/prefix, e.g. 10.40.0.0/16)`);
        return { kind: 'net', dir: q.dir, cidr, text: id.text };
      }
      case 'port': {
        const port = portNumber(id.text);
        if (port === null) throw this.fail(id, `"${id.text}" is not a port number (0-65535)`);
        return { kind: 'port', dir: q.dir, from: port, to: port };
      }
      case 'portrange': {
        const m = /^([0-9]+)-([0-9]+)$/.exec(id.text);
        const from = m === null ? null : portNumber(m[1]!);
        const to = m === null ? null : portNumber(m[2]!);
        if (from === null || to === null) throw this.fail(id, `"${id.text}" is not a port range (FROM-TO, e.g. 30000-32767)`);
        return { kind: 'port', dir: q.dir, from: Math.min(from, to), to: Math.max(from, to) };
      }
      default:
        return assertNever(q.type);
    }
  }
}

function withFullPrefix(address: string): string {
  return `${address}/${address.includes(':') ? 128 : 32}`;
}

function portNumber(text: string): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

/** Parses a filter; empty text (or only spaces) is no filter (null). Never throws. */
export function parseFlowFilter(text: string): FlowFilterParse {
  if (text.length > MAX_FLOW_FILTER_LENGTH) return { ok: false, problem: { column: MAX_FLOW_FILTER_LENGTH + 1, message: `the filter is longer than ${MAX_FLOW_FILTER_LENGTH} characters` } };
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return { ok: false, problem: tokens };
  if (tokens.length === 0) return { ok: true, filter: null };
  try {
    return { ok: true, filter: new Parser(tokens, text.length + 1).parse() };
  } catch (err) {
    if (err instanceof ParseFailure) return { ok: false, problem: err.problem };
    throw err;
  }
}

/** `column 12: expected an address after "host"` — how every face prints a problem. */
export function flowFilterProblemText(problem: FlowFilterProblem): string {
  return `column ${problem.column}: ${problem.message}`;
}

// ---- matching -------------------------------------------------------------------------------

/** A packet with its addresses parsed once, however many primitives look at them. */
interface ParsedPacket {
  packet: FilterPacket;
  src: IpNumber | null;
  dst: IpNumber | null;
}

function byDirection(dir: Direction, src: boolean, dst: boolean): boolean {
  switch (dir) {
    case 'src':
      return src;
    case 'dst':
      return dst;
    case 'src or dst':
      return src || dst;
    case 'src and dst':
      return src && dst;
    default:
      return assertNever(dir);
  }
}

const inRange = (port: number | null, from: number, to: number): boolean => port !== null && port >= from && port <= to;

function evaluate(filter: FlowFilter, p: ParsedPacket): boolean {
  switch (filter.kind) {
    case 'and':
      return evaluate(filter.left, p) && evaluate(filter.right, p);
    case 'or':
      return evaluate(filter.left, p) || evaluate(filter.right, p);
    case 'not':
      return !evaluate(filter.operand, p);
    case 'host':
      return byDirection(filter.dir, p.src !== null && sameIp(p.src, filter.address), p.dst !== null && sameIp(p.dst, filter.address));
    case 'net':
      return byDirection(filter.dir, p.src !== null && cidrContains(filter.cidr, p.src), p.dst !== null && cidrContains(filter.cidr, p.dst));
    case 'port':
      return byDirection(filter.dir, inRange(p.packet.sport, filter.from, filter.to), inRange(p.packet.dport, filter.from, filter.to));
    case 'proto':
      return p.packet.proto === filter.proto;
    case 'family':
      return (p.src ?? p.dst)?.family === filter.family;
    case 'service':
      return p.packet.service !== null && p.packet.service.toLowerCase().includes(filter.text.toLowerCase());
    case 'tunnel':
      return (p.packet.tunnels ?? []).some((t) => (filter.tunnel === null || t.kind === filter.tunnel) && (filter.vni === null || t.vni === filter.vni));
    default:
      return assertNever(filter);
  }
}

/** Whether the filter asks about tunnels (its caller must then give each flow its `tunnels`). */
export function filterUsesTunnels(filter: FlowFilter): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return filterUsesTunnels(filter.left) || filterUsesTunnels(filter.right);
    case 'not':
      return filterUsesTunnels(filter.operand);
    case 'tunnel':
      return true;
    case 'host':
    case 'net':
    case 'port':
    case 'proto':
    case 'family':
    case 'service':
      return false;
    default:
      return assertNever(filter);
  }
}

function parsePacket(packet: FilterPacket): ParsedPacket {
  return { packet, src: parseIp(packet.src), dst: parseIp(packet.dst) };
}

/** Whether tcpdump, given the filter, would show this packet. */
export function packetMatches(filter: FlowFilter, packet: FilterPacket): boolean {
  return evaluate(filter, parsePacket(packet));
}

/**
 * The packets of a flow as capture points see them: the original direction before NAT
 * (original tuple) and after (the reply tuple reversed), the reply before de-NAT (reply tuple)
 * and after (the original reversed). Without NAT the four are two.
 */
export function flowPacketViews(flow: FilterFlow): FilterPacket[] {
  const { proto, original: o, reply: r, service } = flow;
  const tunnels = flow.tunnels ?? [];
  const views: FilterPacket[] = [
    { proto, src: o.src, sport: o.sport, dst: o.dst, dport: o.dport, service, tunnels },
    { proto, src: o.dst, sport: o.dport, dst: o.src, dport: o.sport, service, tunnels },
  ];
  const natted = r.src !== o.dst || r.dst !== o.src || r.sport !== o.dport || r.dport !== o.sport;
  if (natted) {
    views.push(
      { proto, src: r.src, sport: r.sport, dst: r.dst, dport: r.dport, service, tunnels },
      { proto, src: r.dst, sport: r.dport, dst: r.src, dport: r.sport, service, tunnels },
    );
  }
  return views;
}

/** Whether some packet of the flow, at some capture point, would be shown by tcpdump given the filter. */
export function flowMatches(filter: FlowFilter, flow: FilterFlow): boolean {
  // Each of the flow's (at most four) addresses is parsed once for all its views.
  const parsed = new Map<string, IpNumber | null>();
  const ip = (text: string): IpNumber | null => {
    let value = parsed.get(text);
    if (value === undefined) {
      value = parseIp(text);
      parsed.set(text, value);
    }
    return value;
  };
  return flowPacketViews(flow).some((packet) => evaluate(filter, { packet, src: ip(packet.src), dst: ip(packet.dst) }));
}
