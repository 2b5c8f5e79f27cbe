import { describe, expect, it } from 'vitest';
import type { Flow, FlowHop } from '../correlate/flow-builder';
import { refusalsByFlow, unreachableMessage, type IcmpErrorSighting } from './icmp-refusal';

function flow(id: number, sport: number, first: number, last: number, node = 'nodea'): Flow {
  const tuple = { proto: 6, src: '10.40.1.3', sport, dst: '10.96.0.20', dport: 80 };
  const hop = { node, iface: 'cbr0', netns: null, direction: 'original', tuple, firstTime: first, lastTime: last, packets: 2 } as unknown as FlowHop;
  return { id, proto: 6, original: tuple, reply: { ...tuple, src: tuple.dst, dst: tuple.src, sport: 80, dport: sport }, hops: [hop] } as unknown as Flow;
}

function error(time: number, answered: Partial<IcmpErrorSighting['answered']>, node = 'nodea'): IcmpErrorSighting {
  return {
    captureId: 4, frame: Math.round(time * 10), tupleId: 9, node, interface: 'cbr0', source: 'cbr0.tcpdump.txt:7', time, from: '10.40.1.1', icmpType: 3, icmpCode: 3, family: 'ipv4',
    answered: { proto: 6, src: '10.40.1.3', dst: '10.96.0.20', sport: null, dport: 80, ...answered },
  };
}

describe('ICMP errors tied to the flow they answer', () => {
  it('names the refused flow by the quoted source port when the error carries it', () => {
    const refused = refusalsByFlow([flow(1, 40001, 10, 11), flow(2, 40002, 10, 11)], [error(11.5, { sport: 40002 })]);
    expect([...refused.keys()]).toEqual([2]);
    expect(refused.get(2)).toEqual([{
      icmpFlowKey: '4#115', node: 'nodea', interface: 'cbr0', source: 'cbr0.tcpdump.txt:7', time: 11.5, from: '10.40.1.1', message: 'port unreachable',
      answered: { src: '10.40.1.3', sport: 40002, dst: '10.96.0.20', dport: 80 },
    }]);
  });

  it('without a source port (tcpdump text), takes the flow whose packets went last before the error', () => {
    const refused = refusalsByFlow([flow(1, 40001, 10, 11), flow(2, 40002, 20, 21)], [error(21.2, {}), error(11.1, {})]);
    expect(refused.get(1)?.map((r) => r.time)).toEqual([11.1]);
    expect(refused.get(2)?.map((r) => r.time)).toEqual([21.2]);
  });

  it('ties nothing when the quoted packet is another protocol, port or pair', () => {
    const flows = [flow(1, 40001, 10, 11)];
    expect(refusalsByFlow(flows, [error(11, { proto: 17 })]).size).toBe(0);
    expect(refusalsByFlow(flows, [error(11, { dport: 81 })]).size).toBe(0);
    expect(refusalsByFlow(flows, [error(11, { dst: '10.96.0.21' })]).size).toBe(0);
    expect(refusalsByFlow(flows, []).size).toBe(0);
  });

  it('names the ICMP codes as RFC 792 and RFC 4443 do', () => {
    expect(unreachableMessage('ipv4', 3)).toBe('port unreachable');
    expect(unreachableMessage('ipv4', 1)).toBe('host unreachable');
    expect(unreachableMessage('ipv4', 13)).toBe('administratively prohibited');
    expect(unreachableMessage('ipv6', 4)).toBe('port unreachable');
    expect(unreachableMessage('ipv4', null)).toBe('destination unreachable');
    expect(unreachableMessage('ipv4', 99)).toBe('destination unreachable (code 99)');
  });
});
