import { describe, expect, it } from 'vitest';
import { flowFilterProblemText, flowMatches, flowPacketViews, packetMatches, parseFlowFilter, type FilterFlow, type FlowFilter } from './flow-filter';

function filter(text: string): FlowFilter {
  const parsed = parseFlowFilter(text);
  if (!parsed.ok) throw new Error(`${text}: ${flowFilterProblemText(parsed.problem)}`);
  if (parsed.filter === null) throw new Error(`${text}: no filter`);
  return parsed.filter;
}

function problem(text: string): { column: number; message: string } {
  const parsed = parseFlowFilter(text);
  if (parsed.ok) throw new Error(`${text} parsed`);
  return parsed.problem;
}

// A client calls a ClusterIP service; kube-proxy DNATs it to a pod on another node and masquerades it.
const SERVICE_FLOW: FilterFlow = {
  proto: 6,
  original: { src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80 },
  reply: { src: '10.40.0.6', sport: 8080, dst: '10.40.1.1', dport: 61000 },
  service: 'default/web:http',
};
const DNS_FLOW: FilterFlow = {
  proto: 17,
  original: { src: '10.40.1.3', sport: 53001, dst: '10.40.0.9', dport: 53 },
  reply: { src: '10.40.0.9', sport: 53, dst: '10.40.1.3', dport: 53001 },
  service: null,
};
const PING_FLOW: FilterFlow = {
  proto: 1,
  original: { src: 'fd00::1', sport: null, dst: 'fd00::2', dport: null },
  reply: { src: 'fd00::2', sport: null, dst: 'fd00::1', dport: null },
  service: null,
};
const matches = (text: string, flow: FilterFlow): boolean => flowMatches(filter(text), flow);

describe('parseFlowFilter', () => {
  it('reads an empty or blank filter as no filter', () => {
    expect(parseFlowFilter('')).toEqual({ ok: true, filter: null });
    expect(parseFlowFilter('   ')).toEqual({ ok: true, filter: null });
  });

  it('reads the primitives and operators of tcpdump', () => {
    expect(filter('host 10.40.0.6 and port 8080')).toMatchObject({ kind: 'and', left: { kind: 'host', dir: 'src or dst', text: '10.40.0.6' }, right: { kind: 'port', from: 8080, to: 8080 } });
    expect(filter('net 10.40.0.0/16')).toMatchObject({ kind: 'net', dir: 'src or dst', cidr: { prefixLength: 16 } });
    expect(filter('tcp')).toEqual({ kind: 'proto', proto: 6 });
    expect(filter('not port 53')).toMatchObject({ kind: 'not', operand: { kind: 'port', from: 53 } });
    expect(filter('! port 53')).toEqual(filter('not port 53'));
    expect(filter('src host 10.0.0.1')).toMatchObject({ kind: 'host', dir: 'src' });
    expect(filter('dst port 443')).toMatchObject({ kind: 'port', dir: 'dst', from: 443 });
    expect(filter('src and dst net 10.0.0.0/8')).toMatchObject({ kind: 'net', dir: 'src and dst' });
    expect(filter('src or dst port 1')).toMatchObject({ kind: 'port', dir: 'src or dst' });
    expect(filter('portrange 32767-30000')).toMatchObject({ kind: 'port', from: 30000, to: 32767 });
    expect(filter('udp dst port 53')).toMatchObject({ kind: 'and', left: { kind: 'proto', proto: 17 }, right: { kind: 'port', dir: 'dst' } });
    expect(filter('proto 47')).toEqual({ kind: 'proto', proto: 47 });
    expect(filter('ip proto \\udp')).toEqual({ kind: 'proto', proto: 17 });
    expect(filter('ip6')).toEqual({ kind: 'family', family: 'ipv6' });
    expect(filter('service kube-system/')).toEqual({ kind: 'service', text: 'kube-system/' });
    expect(filter('10.0.0.1')).toMatchObject({ kind: 'host', text: '10.0.0.1' });
    expect(filter('10.0.0.0/8')).toMatchObject({ kind: 'net' });
    expect(filter('HOST 10.0.0.1 AND TCP')).toMatchObject({ kind: 'and' });
  });

  it('groups and/or from the left with equal precedence, as tcpdump does', () => {
    expect(filter('tcp or udp and port 53')).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'port' } });
    expect(filter('tcp or (udp and port 53)')).toMatchObject({ kind: 'or', left: { kind: 'proto' }, right: { kind: 'and' } });
    expect(filter('tcp&&port 80||udp')).toMatchObject({ kind: 'or', left: { kind: 'and' } });
  });

  it('lets a bare address after and/or take the qualifiers before it (host a or b)', () => {
    expect(filter('src host 10.0.0.1 or 10.0.0.2')).toMatchObject({ kind: 'or', right: { kind: 'host', dir: 'src', text: '10.0.0.2' } });
    expect(filter('port 53 or 80')).toMatchObject({ kind: 'or', right: { kind: 'port', from: 80 } });
    expect(filter('tcp port 80 or 443')).toMatchObject({ kind: 'or', right: { kind: 'and', left: { kind: 'proto', proto: 6 }, right: { kind: 'port', from: 443 } } });
    expect(filter('host 10.0.0.1 and not 10.0.0.2')).toMatchObject({ kind: 'and', right: { kind: 'not', operand: { kind: 'host', text: '10.0.0.2' } } });
  });

  it('names the column of what it cannot read', () => {
    expect(problem('host')).toEqual({ column: 5, message: 'expected an address after "host"' });
    expect(problem('host 10.0.0.300')).toEqual({ column: 6, message: '"10.0.0.300" is not an IP address' });
    expect(problem('host 10.0.0.1 and')).toEqual({ column: 18, message: 'the expression ends after an operator' });
    expect(problem('host 10.0.0.1 port 80')).toEqual({ column: 15, message: 'expected "and" or "or" before "port"' });
    expect(problem('(tcp or udp')).toEqual({ column: 12, message: 'the "(" at column 1 is never closed' });
    expect(problem('tcp)')).toEqual({ column: 4, message: 'this ")" closes no "("' });
    expect(problem('port 70000')).toEqual({ column: 6, message: '"70000" is not a port number (0-65535)' });
    expect(problem('net 10.0.0.0/33').column).toBe(5);
    expect(problem('tcp & port 1')).toEqual({ column: 5, message: '"&" alone is not an operator (use &&, or the word and)' });
    expect(problem('80')).toEqual({ column: 1, message: 'a bare number "80" needs "port" or "proto" before it' });
    expect(problem('tcp and prot 80').column).toBe(9);
    expect(problem('tcp and prot 80').message).toMatch(/"prot" is neither an IP address nor a filter word/);
    expect(problem('host 10.0.0.0/8').message).toBe('"10.0.0.0/8" is not an IP address (a prefix needs "net")');
    expect(problem('dst and')).toEqual({ column: 5, message: 'expected an address after "dst", found "and"' });
    expect(problem('proto foo').column).toBe(7);
    expect(problem('x'.repeat(3000)).message).toMatch(/longer than/);
  });

  it('refuses nesting deep enough to exhaust the stack, with a column', () => {
    expect(problem('('.repeat(500) + 'tcp' + ')'.repeat(500)).message).toMatch(/nested deeper than/);
    expect(problem('not '.repeat(400) + 'tcp').message).toMatch(/nested deeper than/);
  });
});

describe('flowMatches', () => {
  it('finds a NATed flow by any address or port it had on its way', () => {
    expect(matches('host 10.40.0.6 and port 8080', SERVICE_FLOW)).toBe(true);
    expect(matches('host 10.96.0.10 and port 80', SERVICE_FLOW)).toBe(true);
    expect(matches('host 10.40.1.1', SERVICE_FLOW)).toBe(true);
    expect(matches('net 10.40.0.0/24', SERVICE_FLOW)).toBe(true);
    expect(matches('net 10.50.0.0/16', SERVICE_FLOW)).toBe(false);
    expect(matches('service default/web', SERVICE_FLOW)).toBe(true);
    expect(matches('service kube-system', SERVICE_FLOW)).toBe(false);
  });

  it('needs one packet to satisfy the whole expression, as tcpdump would', () => {
    // The service address and the pod port never meet in one packet: DNAT rewrote both at once.
    expect(matches('host 10.96.0.10 and port 8080', SERVICE_FLOW)).toBe(false);
    expect(matches('src host 10.40.1.3 and dst port 80', SERVICE_FLOW)).toBe(true);
    expect(matches('src host 10.40.1.3 and dst port 8080', SERVICE_FLOW)).toBe(false);
    // Reply packets come from the pod.
    expect(matches('src host 10.40.0.6 and src port 8080', SERVICE_FLOW)).toBe(true);
  });

  it('reads protocols, ports and negation', () => {
    expect(matches('tcp', SERVICE_FLOW)).toBe(true);
    expect(matches('udp', SERVICE_FLOW)).toBe(false);
    expect(matches('not port 53', DNS_FLOW)).toBe(false);
    expect(matches('not port 53', SERVICE_FLOW)).toBe(true);
    expect(matches('udp port 53', DNS_FLOW)).toBe(true);
    expect(matches('tcp port 53', DNS_FLOW)).toBe(false);
    expect(matches('portrange 30000-32767', SERVICE_FLOW)).toBe(false);
    expect(matches('portrange 40000-40010', SERVICE_FLOW)).toBe(true);
    expect(matches('src and dst net 10.40.0.0/16', SERVICE_FLOW)).toBe(true);
    expect(matches('src and dst net 10.40.1.0/24', DNS_FLOW)).toBe(false);
  });

  it('compares IPv6 addresses by value and gives ICMP no ports', () => {
    expect(matches('host fd00:0:0::2', PING_FLOW)).toBe(true);
    expect(matches('net fd00::/64 and icmp', PING_FLOW)).toBe(true);
    expect(matches('ip6', PING_FLOW)).toBe(true);
    expect(matches('ip', PING_FLOW)).toBe(false);
    expect(matches('port 0', PING_FLOW)).toBe(false);
    expect(matches('not port 0', PING_FLOW)).toBe(true);
  });

  it('sees a flow without NAT as two packets, with NAT as four', () => {
    expect(flowPacketViews(DNS_FLOW)).toHaveLength(2);
    expect(flowPacketViews(SERVICE_FLOW)).toHaveLength(4);
    expect(packetMatches(filter('dst port 8080'), flowPacketViews(SERVICE_FLOW)[3]!)).toBe(true);
  });
});
