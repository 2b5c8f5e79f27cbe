import { describe, expect, it } from 'vitest';
import type { FlowDivergenceJson } from '../../shared/contract/flow-divergence-json';
import { divergenceModel, packetSegments } from './divergence-view';

const CLIENT = { src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80 };
const EP1 = { src: '192.168.56.11', sport: 40001, dst: '10.40.2.5', dport: 8080 };
const EP2 = { ...EP1, dst: '10.40.2.6' };

const VIEW: FlowDivergenceJson = {
  kind: 'replayed',
  flow: 1,
  start: { node: 'nodea', in: 'cbr0', local: false, packet: CLIENT },
  trace: { node: 'nodea', proto: 'tcp', src: '10.40.1.3:40001', dst: '10.96.0.10:80', in: 'cbr0' },
  why: 'first captured arriving on nodea cbr0 (cbr0.pcap#1)',
  outcomes: 2,
  replies: 4,
  comparison: {
    outcome: 0, probability: 0.5, verdict: 'forward', summary: 'default/hello:http → 10.40.2.5:8080', agreed: 1, firstDivergence: 1,
    headline: 'First difference at nodea eth0 (leaving): …',
    rows: [
      { status: 'agree', predicted: { hop: 0, node: 'nodea', interface: 'veth-a2', side: 'in', packet: CLIENT }, captured: { node: 'nodea', interface: 'veth-a2', packet: CLIENT, packets: 3, time: 1, explanation: 'pre-NAT' }, also: [{ node: 'nodea', interface: 'cbr0', packet: CLIENT, packets: 3, time: 1, explanation: 'pre-NAT' }], fields: [] },
      { status: 'differs', predicted: { hop: 0, node: 'nodea', interface: 'eth0', side: 'out', packet: EP1 }, captured: { node: 'nodea', interface: 'eth0', packet: EP2, packets: 3, time: 2, explanation: 'post-NAT' }, also: [], fields: ['dst'] },
      { status: 'unobserved', predicted: { hop: 1, node: 'nodeb', interface: 'eth0', side: 'in', packet: EP1 }, captured: null, also: [], fields: [] },
      { status: 'unpredicted', predicted: null, captured: { node: 'nodeb', interface: null, packet: EP2, packets: 1, time: 3, explanation: 'x' }, also: [], fields: [] },
    ],
  },
};

describe('divergence view model', () => {
  it('labels each hop once, marks the first difference and flags the differing field on both sides', () => {
    const m = divergenceModel(VIEW);
    if (m.kind !== 'replayed') throw new Error('replayed expected');
    expect(m.lines.map((l) => l.hop)).toEqual(['nodea · veth-a2 → eth0', null, 'nodeb · eth0 → (ends here)', null]);
    expect(m.lines.map((l) => l.first)).toEqual([false, true, false, false]);
    expect(m.lines.map((l) => l.label)).toEqual(['agrees', 'differs', 'no capture here', 'not predicted']);
    expect(m.lines[1]!.predicted?.packet.filter((s) => s.changed).map((s) => s.text)).toEqual(['10.40.2.5']);
    expect(m.lines[1]!.captured?.packet.filter((s) => s.changed).map((s) => s.text)).toEqual(['10.40.2.6']);
    expect(m.lines[3]!.captured?.where).toBe('nodeb (interface not known)');
    expect(m.lines[0]!.captured?.where).toBe('nodea veth-a2, also on cbr0');
    expect(m.diverges).toBe(true);
    expect(m.outcome).toBe('Outcome 1 of 2 (50%) · forward · default/hello:http → 10.40.2.5:8080');
    expect(m.traceHref).toBe('#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0&follow=1');
    expect(m.start).toBe('nodea, arriving on cbr0: 10.40.1.3:40001 → 10.96.0.10:80');
    expect(m.notes).toEqual(['4 reply packets are not compared: the replay follows the first packet only.', 'The replay has 2 outcomes; shown is the one the captures bear out best.']);
  });

  it('says why a flow could not be replayed', () => {
    expect(divergenceModel({ kind: 'not-replayed', flow: 3, reason: 'protocol igmp is not replayed' })).toEqual({ kind: 'not-replayed', reason: 'protocol igmp is not replayed' });
  });

  it('brackets IPv6 addresses that carry a port', () => {
    expect(packetSegments({ src: 'fd00::3', sport: 53, dst: 'fd00::1', dport: null }, ['sport']).map((s) => `${s.text}${s.changed ? '*' : ''}`).join('')).toBe('[fd00::3]:53* → fd00::1');
  });
});
