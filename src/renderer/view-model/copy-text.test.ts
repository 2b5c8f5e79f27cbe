import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { flowMatches, parseFlowFilter } from '../../core/flows/flow-filter';
import { flowTcpdumpFilter, flowTupleCopy, shellWord, traceCommand } from './copy-text';
import type { TraceQuery } from './route';

const NATED = {
  proto: 'tcp',
  original: { src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80 },
  reply: { src: '10.40.2.2', sport: 8080, dst: '10.40.1.1', dport: 61000 },
};
const PLAIN = {
  proto: 'udp',
  original: { src: '10.40.1.3', sport: 5353, dst: '10.40.2.2', dport: 53 },
  reply: { src: '10.40.2.2', sport: 53, dst: '10.40.1.3', dport: 5353 },
};
const TRACE: TraceQuery = {
  node: 'nodea', proto: 'tcp', src: '10.40.1.3:40001', dst: '10.96.0.10:80', arrival: { kind: 'in', iface: 'cbr0' }, follow: false, snapshot: null, bridgeNetfilter: true,
};

describe('copy as text', () => {
  it('copies a flow as its tuple', () => {
    expect(flowTupleCopy(NATED)).toBe('tcp 10.40.1.3:40001 → 10.96.0.10:80');
  });

  it('writes a flow as a tcpdump filter catching it on both sides of NAT, in both directions', () => {
    expect(flowTcpdumpFilter(NATED)).toBe(
      'tcp and ((src host 10.40.1.3 and src port 40001 and dst host 10.96.0.10 and dst port 80) or (src host 10.96.0.10 and src port 80 and dst host 10.40.1.3 and dst port 40001)' +
        ' or (src host 10.40.2.2 and src port 8080 and dst host 10.40.1.1 and dst port 61000) or (src host 10.40.1.1 and src port 61000 and dst host 10.40.2.2 and dst port 8080))',
    );
    expect(flowTcpdumpFilter(PLAIN)).toBe('udp and ((src host 10.40.1.3 and src port 5353 and dst host 10.40.2.2 and dst port 53) or (src host 10.40.2.2 and src port 53 and dst host 10.40.1.3 and dst port 5353))');
    expect(flowTcpdumpFilter({ proto: 'icmp', original: { src: '1.1.1.1', sport: null, dst: '2.2.2.2', dport: null }, reply: { src: '2.2.2.2', sport: null, dst: '1.1.1.1', dport: null } })).toBe(
      'icmp and ((src host 1.1.1.1 and dst host 2.2.2.2) or (src host 2.2.2.2 and dst host 1.1.1.1))',
    );
    expect(flowTcpdumpFilter({ ...PLAIN, proto: '47' })).toMatch(/^proto 47 and /);
  });

  it('writes a tcpdump filter that natlens\' own flow filter reads and matches the flow with (and tcpdump compiles, where installed)', () => {
    for (const flow of [NATED, PLAIN]) {
      const text = flowTcpdumpFilter(flow);
      const parsed = parseFlowFilter(text);
      expect(parsed.ok && parsed.filter !== null && flowMatches(parsed.filter, { ...flow, proto: flow.proto === 'tcp' ? 6 : 17, service: null })).toBe(true);
      const tcpdump = spawnSync('tcpdump', ['-d', '-y', 'EN10MB', text], { encoding: 'utf8' });
      if (tcpdump.error === undefined) expect(tcpdump.status, tcpdump.stderr).toBe(0);
    }
  });

  it('writes a trace as the natlens trace command that replays it', () => {
    expect(traceCommand(TRACE)).toBe('natlens trace --node nodea --proto tcp --src 10.40.1.3:40001 --dst 10.96.0.10:80 --in cbr0');
    expect(traceCommand({ ...TRACE, src: '', arrival: { kind: 'local' }, follow: true, snapshot: 4, bridgeNetfilter: false })).toBe(
      'natlens trace --node nodea --proto tcp --dst 10.96.0.10:80 --local --follow --snapshot 4 --bridge-nf off',
    );
    expect(traceCommand({ ...TRACE, node: "it's a node", src: '[fd00::1]:53' })).toBe("natlens trace --node 'it'\\''s a node' --proto tcp --src [fd00::1]:53 --dst 10.96.0.10:80 --in cbr0");
  });

  it('quotes only what the shell would split or expand', () => {
    expect(shellWord('eth0.100@if3')).toBe('eth0.100@if3');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord('$(rm)')).toBe("'$(rm)'");
  });
});
