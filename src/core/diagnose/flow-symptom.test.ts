/** What a flow's stored summary says went wrong, before asking why. */
import { describe, expect, it } from 'vitest';
import type { TcpEvents } from '../correlate/tcp-timeline';
import type { TimelineHop } from '../views/flow-timeline';
import { flowSymptom, symptomText, type FlowSummary } from './flow-symptom';

const tuple = { src: '10.40.1.3', sport: 40000, dst: '10.40.2.2', dport: 8080 };
const tcp = (e: Partial<TcpEvents>): TcpEvents & { oneSided: boolean } => ({
  synAt: 1, synAckAt: null, establishedAt: null, finAt: null, rstAt: null, retransmissions: 0, synCount: 1, synAckCount: 0, oneSided: false, ...e,
});
const hop = (direction: TimelineHop['direction'], packets: number): TimelineHop => ({
  node: 'nodea', interface: 'eth0', netns: null, direction, before: tuple, after: tuple, translated: { dnat: false, snat: false },
  explanation: '', firstTime: 1, lastTime: 1, alignedFirstTime: 1, packets, evidence: 'observed',
});
const flow = (over: Partial<FlowSummary>): FlowSummary => ({ proto: 'tcp', original: tuple, tcp: null, timeline: { conntrack: [], hops: [] }, ...over });

describe('flowSymptom', () => {
  it('calls a handshake retried after its SYN-ACK and never completed a failure', () => {
    expect(flowSymptom(flow({ tcp: tcp({ synAckAt: 2, synCount: 3, synAckCount: 3, retransmissions: 4 }) }))).toEqual({ kind: 'not-established', retransmissions: 4 });
  });

  it('does not call a capture that ended right after the SYN-ACK, or a completed handshake, a failure', () => {
    expect(flowSymptom(flow({ tcp: tcp({ synAckAt: 2, synAckCount: 1 }) }))).toBeNull();
    expect(flowSymptom(flow({ tcp: tcp({ synAckAt: 2, establishedAt: 3, retransmissions: 2 }) }))).toBeNull();
  });

  it('calls UDP datagrams with no reply captured unanswered, and answered ones healthy', () => {
    expect(flowSymptom(flow({ proto: 'udp', timeline: { conntrack: [], hops: [hop('original', 2), hop('original', 2)] } }))).toEqual({ kind: 'no-reply', packets: 2 });
    expect(flowSymptom(flow({ proto: 'udp', timeline: { conntrack: [], hops: [hop('original', 2), hop('reply', 1)] } }))).toBeNull();
    // Only conntrack saw it: no packets to judge by.
    expect(flowSymptom(flow({ proto: 'udp' }))).toBeNull();
  });

  it('calls a flow an ICMP destination unreachable answered refused, before anything its packets say', () => {
    const refusal = { icmpFlowKey: '4#7', node: 'nodea', interface: 'cbr0', source: 'cbr0.pcap#7', time: 2, from: '10.40.1.1', message: 'port unreachable', answered: tuple };
    const refused = flowSymptom(flow({ tcp: { ...tcp({}), oneSided: true }, timeline: { conntrack: [], hops: [], refusals: [refusal, { ...refusal, time: 3 }] } }));
    expect(refused).toEqual({ kind: 'refused', refusals: [refusal, { ...refusal, time: 3 }] });
    expect(symptomText(refused!)).toBe('answered by ICMP port unreachable from 10.40.1.1 (2 times)');
    // A UDP datagram refused is not merely unanswered.
    expect(flowSymptom(flow({ proto: 'udp', timeline: { conntrack: [], hops: [hop('original', 1)], refusals: [refusal] } }))?.kind).toBe('refused');
  });

  it('never calls multicast unanswered', () => {
    expect(flowSymptom(flow({ proto: 'udp', original: { ...tuple, dst: '239.1.1.1' }, timeline: { conntrack: [], hops: [hop('original', 3)] } }))).toBeNull();
  });
});
