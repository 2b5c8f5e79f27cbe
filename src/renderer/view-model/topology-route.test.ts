import { describe, expect, it } from 'vitest';
import type { FlowDetailJson } from '../../shared/contract/flow-json';
import type { TraceResultJson } from '../../shared/contract/trace-json';
import { formatRoute, parseRoute, type TraceQuery } from './route';
import { pathOfFlow, pathOfTrace } from './topology-path';

const TRACE: TraceQuery = {
  node: 'nodea', proto: 'tcp', src: '10.40.1.3:40001', dst: '10.96.0.10:80', arrival: { kind: 'in', iface: 'cbr0' }, follow: true, snapshot: null, bridgeNetfilter: true,
};

describe('topology links', () => {
  it('carries a trace or a flow to highlight, and reads them back', () => {
    const trace = formatRoute({ tab: 'topology', highlight: { kind: 'trace', trace: TRACE } });
    expect(trace).toBe('#/topology?trace=node%3Dnodea%26proto%3Dtcp%26src%3D10.40.1.3%3A40001%26dst%3D10.96.0.10%3A80%26in%3Dcbr0%26follow%3D1');
    expect(parseRoute(trace)).toEqual({ route: { tab: 'topology', highlight: { kind: 'trace', trace: TRACE } }, problem: null });
    expect(parseRoute('#/topology?flow=7')).toEqual({ route: { tab: 'topology', highlight: { kind: 'flow', flow: 7 } }, problem: null });
    expect(parseRoute('#/topology')).toEqual({ route: { tab: 'topology', highlight: null }, problem: null });
  });

  it('names what is wrong with a bad topology link and opens the plain topology', () => {
    expect(parseRoute('#/topology?flow=x')).toEqual({ route: { tab: 'topology', highlight: null }, problem: 'the topology link has flow=x, not a flow number' });
    expect(parseRoute('#/topology?node=a')).toEqual({ route: { tab: 'topology', highlight: null }, problem: 'the topology link takes one of trace=... or flow=ID' });
    expect(parseRoute('#/topology?trace=node%3Da').problem).toBe('the topology link has a trace that names no destination');
    expect(parseRoute('#/findings?flow=1').problem).toBe('the link #/findings?flow=1 has a query (only #/trace, #/topology, #/nodes, #/captures and #/flows take one)');
  });
});

const packet = (src: string, dst: string) => ({ proto: 'tcp', src, sport: 40001, dst, dport: 80 });

describe('paths to highlight', () => {
  it('follows the most likely outcome of a trace node by node, with every address it carried', () => {
    const hop = (node: string, before: ReturnType<typeof packet>, after: ReturnType<typeof packet>) => ({ node, in: null, out: null, before, after });
    const outcome = (probability: number, hops: ReturnType<typeof hop>[]) => ({ probability, verdict: 'forward', packet: packet('a', 'b'), egress: null, marks: {}, hops, steps: [], reason: null, summary: '', service: null, caveats: [], assumptions: [] });
    const result = {
      input: { node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false },
      outcomes: [
        outcome(0.5, [hop('nodea', packet('10.40.1.3', '10.96.0.10'), packet('10.40.1.3', '10.40.1.2'))]),
        outcome(0.5, [hop('nodea', packet('10.40.1.3', '10.96.0.10'), packet('10.40.1.3', '10.40.2.2')), hop('nodeb', packet('10.40.1.3', '10.40.2.2'), packet('10.40.1.3', '10.40.2.2'))]),
      ],
    } as unknown as TraceResultJson;
    expect(pathOfTrace(result)).toEqual({ label: 'trace tcp 10.40.1.3 → 10.96.0.10', nodes: ['nodea'], addresses: ['10.40.1.3', '10.96.0.10', '10.40.1.2'] });
    const likelier = { ...result, outcomes: [{ ...result.outcomes[0]!, probability: 0.25 }, { ...result.outcomes[1]!, probability: 0.75 }] };
    expect(pathOfTrace(likelier).nodes).toEqual(['nodea', 'nodeb']);
  });

  it('follows a flow’s original direction through its timeline, client’s node first and server’s last', () => {
    const tuple = (src: string, dst: string) => ({ src, sport: 1, dst, dport: 2 });
    const hop = (node: string, direction: 'original' | 'reply') => ({ node, interface: 'eth0', netns: null, direction, before: tuple('10.0.0.1', '10.0.0.2'), after: tuple('10.0.0.1', '10.0.0.2') });
    const flow = { id: 4, original: tuple('10.0.0.1', '10.96.0.1'), reply: tuple('10.0.0.2', '10.0.0.1'), observations: [], timeline: { hops: [hop('a', 'original'), hop('a', 'original'), hop('b', 'original'), hop('a', 'reply')] } } as unknown as FlowDetailJson;
    expect(pathOfFlow(flow, () => null)).toEqual({ label: 'flow 4', nodes: ['a', 'b'], addresses: ['10.0.0.1', '10.96.0.1', '10.0.0.2'] });
    // Seen on b a microsecond before a after clock alignment: the client's node still leads, the server's ends.
    const homes: Record<string, string> = { '10.0.0.1': 'b', '10.0.0.2': 'a' };
    expect(pathOfFlow(flow, (ip) => homes[ip] ?? null).nodes).toEqual(['b', 'a']);
  });
});
