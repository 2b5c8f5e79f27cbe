/**
 * Properties of the flow filter over generated expressions and packets: a generated expression, written
 * out in any of tcpdump's spellings, parses to a filter that decides every packet as an independent
 * reference evaluation does; `not E` is the complement of E; any text at all either parses or names a
 * column inside it, and never throws.
 */
import { describe, expect, it } from 'vitest';
import { caseSeed, randomFrom, type Random } from '../../../test/fuzz/prng';
import { flowMatches, flowPacketViews, packetMatches, parseFlowFilter, type FilterFlow, type FilterPacket, type FlowFilter } from './flow-filter';

const CASES = 400;
const ADDRESSES = ['10.40.0.6', '10.40.1.3', '10.96.0.10', '192.168.1.1', '10.40.255.255'];
const PORTS = [53, 80, 443, 8080, 40001];
const PROTOS: Array<[string, number]> = [['tcp', 6], ['udp', 17], ['icmp', 1]];

/** The expression as generated: ground truth is computed from this, never from the parser's tree. */
type Gen =
  | { op: 'and' | 'or'; left: Gen; right: Gen }
  | { op: 'not'; operand: Gen }
  | { op: 'host'; dir: 'src' | 'dst' | null; address: string }
  | { op: 'net'; dir: 'src' | 'dst' | null; base: string; prefix: 8 | 16 | 24 }
  | { op: 'port'; dir: 'src' | 'dst' | null; port: number }
  | { op: 'proto'; name: string; number: number };

function generate(r: Random, depth: number): Gen {
  if (depth > 0 && r.chance(0.5)) {
    const roll = r.int(3);
    if (roll === 2) return { op: 'not', operand: generate(r, depth - 1) };
    return { op: roll === 0 ? 'and' : 'or', left: generate(r, depth - 1), right: generate(r, depth - 1) };
  }
  const dir = r.pick(['src', 'dst', null] as const);
  switch (r.int(4)) {
    case 0:
      return { op: 'host', dir, address: r.pick(ADDRESSES) };
    case 1:
      return { op: 'net', dir, base: r.pick(ADDRESSES), prefix: r.pick([8, 16, 24] as const) };
    case 2:
      return { op: 'port', dir, port: r.pick(PORTS) };
    default: {
      const [name, number] = r.pick(PROTOS);
      return { op: 'proto', name, number };
    }
  }
}

function write(g: Gen, r: Random): string {
  const space = (): string => r.pick([' ', '  ', '\t']);
  const dir = (d: 'src' | 'dst' | null): string => (d === null ? '' : `${d}${space()}`);
  switch (g.op) {
    case 'and':
    case 'or': {
      const word = g.op === 'and' ? r.pick(['and', '&&', 'AND']) : r.pick(['or', '||', 'OR']);
      return `(${space()}${write(g.left, r)}${space()}${word}${space()}${write(g.right, r)})`;
    }
    case 'not':
      return `${r.pick(['not ', '!', '! '])}(${write(g.operand, r)})`;
    case 'host':
      return `${dir(g.dir)}host${space()}${g.address}`;
    case 'net': {
      const octets = g.base.split('.').map(Number);
      const kept = g.prefix / 8;
      return `${dir(g.dir)}net${space()}${octets.map((o, i) => (i < kept ? o : 0)).join('.')}/${g.prefix}`;
    }
    case 'port':
      return `${dir(g.dir)}port${space()}${g.port}`;
    case 'proto':
      return g.name;
  }
}

function inNet(address: string, base: string, prefix: number): boolean {
  const a = address.split('.');
  const b = base.split('.');
  return a.slice(0, prefix / 8).join('.') === b.slice(0, prefix / 8).join('.');
}

function truth(g: Gen, p: FilterPacket): boolean {
  const either = (d: 'src' | 'dst' | null, s: boolean, t: boolean): boolean => (d === 'src' ? s : d === 'dst' ? t : s || t);
  switch (g.op) {
    case 'and':
      return truth(g.left, p) && truth(g.right, p);
    case 'or':
      return truth(g.left, p) || truth(g.right, p);
    case 'not':
      return !truth(g.operand, p);
    case 'host':
      return either(g.dir, p.src === g.address, p.dst === g.address);
    case 'net':
      return either(g.dir, inNet(p.src, g.base, g.prefix), inNet(p.dst, g.base, g.prefix));
    case 'port':
      return either(g.dir, p.sport === g.port, p.dport === g.port);
    case 'proto':
      return p.proto === g.number;
  }
}

function randomPacket(r: Random): FilterPacket {
  const [, proto] = r.pick(PROTOS);
  const ports = proto !== 1;
  return {
    proto, src: r.pick(ADDRESSES), dst: r.pick(ADDRESSES), sport: ports ? r.pick(PORTS) : null, dport: ports ? r.pick(PORTS) : null, service: null,
  };
}

function parsed(text: string): FlowFilter {
  const result = parseFlowFilter(text);
  if (!result.ok || result.filter === null) throw new Error(`${text} did not parse: ${JSON.stringify(result)}`);
  return result.filter;
}

describe('flow filter properties', () => {
  it('decides every packet as the expression it was written from, in any spelling', () => {
    for (let i = 0; i < CASES; i++) {
      const r = randomFrom(caseSeed(14, i));
      const g = generate(r, 4);
      const text = write(g, r);
      const f = parsed(text);
      for (let k = 0; k < 20; k++) {
        const p = randomPacket(r);
        expect(packetMatches(f, p), `case ${i}: ${text} on ${JSON.stringify(p)}`).toBe(truth(g, p));
      }
    }
  });

  it('makes `not E` the complement of E for packets, and a flow match some packet view', () => {
    for (let i = 0; i < CASES; i++) {
      const r = randomFrom(caseSeed(1414, i));
      const text = write(generate(r, 3), r);
      const f = parsed(text);
      const negated = parsed(`not (${text})`);
      const a = randomPacket(r);
      const b = randomPacket(r);
      const flow: FilterFlow = {
        proto: a.proto,
        original: { src: a.src, sport: a.sport, dst: a.dst, dport: a.dport },
        reply: { src: b.src, sport: a.proto === 1 ? null : b.sport, dst: b.dst, dport: a.proto === 1 ? null : b.dport },
        service: null,
      };
      expect(packetMatches(negated, a)).toBe(!packetMatches(f, a));
      expect(flowMatches(f, flow)).toBe(flowPacketViews(flow).some((p) => packetMatches(f, p)));
    }
  });

  it('answers any text with a filter or a problem at a column inside it, never an exception', () => {
    const alphabet = ['host', 'net', 'port', 'src', 'dst', 'and', 'or', 'not', '!', '(', ')', '&&', '||', '&', 'tcp', '10.0.0.1', '10.0.0.0/8', '53', 'fd00::1', 'x', ' ', 'portrange', '1-2', 'proto', 'service'];
    for (let i = 0; i < CASES * 5; i++) {
      const r = randomFrom(caseSeed(41, i));
      const text = Array.from({ length: r.int(12) }, () => r.pick(alphabet)).join(r.pick([' ', '']));
      const result = parseFlowFilter(text);
      if (!result.ok) {
        expect(result.problem.column, text).toBeGreaterThanOrEqual(1);
        expect(result.problem.column, text).toBeLessThanOrEqual(text.length + 1);
        expect(result.problem.message.length, text).toBeGreaterThan(0);
      }
    }
  });
});
