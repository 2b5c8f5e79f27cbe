import { describe, expect, it } from 'vitest';
import type { FlowDetailJson, ObservationJson } from '../../shared/contract/flow-json';
import { appendPacketPage, firstPacketPage, packetRow } from './packet-list';

const packet = (n: number, over: Partial<ObservationJson> = {}): ObservationJson => ({
  node: 'nodea', interface: 'eth0', source: `a.pcap#${n}`, time: '2026-11-23T22:43:45.667900000Z', packet: { src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80 },
  proto: 'tcp', kind: 'packet', interfaceFrom: 'packet', timeInferred: false, timeBasis: null, twins: [], netns: null,
  alignedTime: '2026-11-23T22:43:45.668008804Z', clockOffset: 0, clockAligned: true, direction: 'original', stage: 'pre-NAT', tcpFlags: 'S', seq: null, ack: null,
  length: 60, captureId: 1, frame: n, ...over,
});
const detail = (observations: ObservationJson[], packets: number): FlowDetailJson => ({ packets, observations } as unknown as FlowDetailJson);

describe('packet list', () => {
  it('keeps the packets of the first page and appends the next at the end only', () => {
    const conntrack = packet(0, { kind: 'conntrack' });
    const first = firstPacketPage(detail([packet(1), packet(2), conntrack], 4));
    expect(first.packets.map((p) => p.source)).toEqual(['a.pcap#1', 'a.pcap#2']);
    expect(first.total).toBe(4);
    const next = appendPacketPage(first, 2, detail([packet(3), packet(4), conntrack], 4));
    expect(next.packets.map((p) => p.source)).toEqual(['a.pcap#1', 'a.pcap#2', 'a.pcap#3', 'a.pcap#4']);
    // A late answer for a page already appended changes nothing.
    expect(appendPacketPage(next, 2, detail([packet(3)], 4))).toBe(next);
  });

  it('shows a packet by aligned time, where it was seen, its tuple and its source', () => {
    expect(packetRow(packet(7), 6)).toEqual({
      key: '6', number: 7, at: '22:43:45.668008', atFull: '2026-11-23T22:43:45.668008804Z', where: 'nodea · eth0', direction: '→', stage: 'pre-NAT',
      tuple: '10.40.1.3:40001 → 10.96.0.10:80', flags: 'S', length: '60', source: 'a.pcap#7', tunnel: '', tunnelFull: '',
    });
    const odd = packetRow(packet(1, { alignedTime: null, time: null, interface: null, netns: 'pod-a', direction: 'unknown', stage: null, tcpFlags: null, length: null, clockAligned: false }), 0);
    expect(odd).toMatchObject({ at: '—', atFull: 'no time captured', where: 'nodea · ? [pod-a]', direction: '?', stage: '—', flags: '', length: '—' });
  });

  it('labels a packet seen inside a tunnel with the tunnel and, in full, the nodes it joins', () => {
    const row = packetRow(packet(1, { tunnel: { kind: 'vxlan', vni: 1, src: '192.168.1.10', dst: '192.168.1.11', dport: 8472 } }), 0);
    expect([row.where, row.tunnel, row.tunnelFull]).toEqual(['nodea · eth0', 'VXLAN 1', 'inside VXLAN 1 from node 192.168.1.10 to node 192.168.1.11 (UDP 8472)']);
    expect(packetRow(packet(2, { tunnel: { kind: 'ipip', vni: null, src: '10.0.0.1', dst: '10.0.0.2', dport: null } }), 1).tunnelFull)
      .toBe('inside IPIP from node 10.0.0.1 to node 10.0.0.2');
    expect([packetRow(packet(3), 2).tunnel, packetRow(packet(3, { tunnel: null }), 2).tunnel]).toEqual(['', '']);
  });
});
