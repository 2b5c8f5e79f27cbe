/**
 * What the captures show went wrong with a flow, before asking why: a SYN without SYN-ACK, a SYN
 * answered by RST, a conntrack entry never replied. Multicast, broadcast and IGMP are never
 * symptoms: nobody answers them by design.
 */
import type { TcpEvents } from '../correlate/tcp-timeline';
import type { ConntrackView, FlowTimeline, TupleView } from '../flows/flow-timeline';
import { parseIp } from '../simulate/ip-number';

export type FlowSymptom =
  | { kind: 'no-syn-ack'; synCount: number }
  | { kind: 'reset' }
  | { kind: 'unreplied'; entries: ConntrackView[] };

const IGMP = 'igmp';

/** 224.0.0.0/4, ff00::/8, 255.255.255.255, or the directed broadcast of a subnet the nodes have (`broadcasts`). */
export function isMulticastOrBroadcast(address: string, broadcasts: ReadonlySet<string> = new Set()): boolean {
  const ip = parseIp(address);
  if (ip === null) return false;
  if (ip.family === 'ipv4') return ip.value >= 0xe0000000 || broadcasts.has(address);
  return ip.value >> 120n === 0xffn;
}

export function symptomText(s: FlowSymptom): string {
  switch (s.kind) {
    case 'no-syn-ack':
      return `SYN sent${s.synCount > 1 ? ` ${s.synCount} times` : ''}, no SYN-ACK captured`;
    case 'reset':
      return 'the SYN was answered by RST (connection refused)';
    case 'unreplied':
      return 'conntrack saw the first packet but never a reply [UNREPLIED]';
  }
}

/** The flow's symptom, or null for a flow that looks healthy (or that nobody is meant to answer). */
/** What the symptom check reads of a flow: its stored summary, no packets. */
export interface FlowSummary {
  proto: string;
  original: TupleView;
  tcp: (TcpEvents & { oneSided: boolean }) | null;
  timeline: Pick<FlowTimeline, 'conntrack'>;
}

export function flowSymptom(flow: FlowSummary, broadcasts: ReadonlySet<string> = new Set()): FlowSymptom | null {
  if (flow.proto === IGMP || flow.proto === '2' || isMulticastOrBroadcast(flow.original.dst, broadcasts)) return null;
  const tcp = flow.tcp;
  if (tcp !== null) {
    if (tcp.synAt !== null && tcp.rstAt !== null && tcp.synAckAt === null && tcp.establishedAt === null) return { kind: 'reset' };
    if (tcp.oneSided) return { kind: 'no-syn-ack', synCount: Math.max(1, tcp.synCount) };
  }
  const unreplied = flow.timeline.conntrack.filter((c) => c.unreplied);
  if (unreplied.length > 0 && (tcp === null || tcp.synAckAt === null)) return { kind: 'unreplied', entries: unreplied };
  return null;
}
