/**
 * What the captures show went wrong with a flow, before asking why: a SYN without SYN-ACK, a SYN
 * answered by RST, a handshake retried and never completed, a conntrack entry never replied, UDP
 * datagrams no reply came back for. Multicast, broadcast and IGMP are never symptoms: nobody answers
 * them by design.
 */
import type { TcpEvents } from '../correlate/tcp-timeline';
import type { ConntrackView, FlowTimeline, RefusalView, TupleView } from '../views/flow-timeline';
import { cidrOf, formatIp, parseIp } from '../common/ip';
import type { NodeSnapshot } from '../simulate';

export type FlowSymptom =
  /** An ICMP destination unreachable answered the flow's packets (port unreachable: refused; host/net: nowhere to go). */
  | { kind: 'refused'; refusals: RefusalView[] }
  | { kind: 'no-syn-ack'; synCount: number }
  | { kind: 'reset' }
  /** SYN and SYN-ACK captured, the client's ACK never, and the handshake retried: the SYN-ACK did not reach the client (or its ACK the server). */
  | { kind: 'not-established'; retransmissions: number }
  | { kind: 'unreplied'; entries: ConntrackView[] }
  /** UDP datagrams captured going and none coming back, while conntrack does not say the entry was never replied. */
  | { kind: 'no-reply'; packets: number };

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
    case 'refused': {
      const r = s.refusals[0]!;
      const more = s.refusals.length > 1 ? ` (${s.refusals.length} times)` : '';
      return `answered by ICMP ${r.message} from ${r.from}${more}`;
    }
    case 'no-syn-ack':
      return `SYN sent${s.synCount > 1 ? ` ${s.synCount} times` : ''}, no SYN-ACK captured`;
    case 'reset':
      return 'the SYN was answered by RST (connection refused)';
    case 'not-established':
      return `SYN and SYN-ACK captured, the handshake never completed (${s.retransmissions} retransmission${s.retransmissions === 1 ? '' : 's'})`;
    case 'unreplied':
      return 'conntrack saw the first packet but never a reply [UNREPLIED]';
    case 'no-reply':
      return `${s.packets} datagram${s.packets === 1 ? '' : 's'} captured going, no reply captured`;
  }
}

/** The flow's symptom, or null for a flow that looks healthy (or that nobody is meant to answer). */
/** What the symptom check reads of a flow: its stored summary, no packets. */
export interface FlowSummary {
  proto: string;
  original: TupleView;
  tcp: (TcpEvents & { oneSided: boolean }) | null;
  timeline: Pick<FlowTimeline, 'conntrack' | 'hops' | 'refusals'>;
}

export function flowSymptom(flow: FlowSummary, broadcasts: ReadonlySet<string> = new Set()): FlowSymptom | null {
  if (flow.proto === IGMP || flow.proto === '2' || isMulticastOrBroadcast(flow.original.dst, broadcasts)) return null;
  const refusals = flow.timeline.refusals ?? [];
  if (refusals.length > 0) return { kind: 'refused', refusals };
  const tcp = flow.tcp;
  if (tcp !== null) {
    if (tcp.synAt !== null && tcp.rstAt !== null && tcp.synAckAt === null && tcp.establishedAt === null) return { kind: 'reset' };
    if (tcp.oneSided) return { kind: 'no-syn-ack', synCount: Math.max(1, tcp.synCount) };
    // A capture that merely ended after the SYN-ACK shows no retransmission; a retried handshake failed.
    if (tcp.synAt !== null && tcp.synAckAt !== null && tcp.establishedAt === null && tcp.rstAt === null && tcp.finAt === null && tcp.retransmissions > 0)
      return { kind: 'not-established', retransmissions: tcp.retransmissions };
  }
  const unreplied = flow.timeline.conntrack.filter((c) => c.unreplied);
  if (unreplied.length > 0 && (tcp === null || tcp.synAckAt === null)) return { kind: 'unreplied', entries: unreplied };
  if (flow.proto === 'udp') {
    const going = Math.max(0, ...flow.timeline.hops.filter((h) => h.direction === 'original').map((h) => h.packets));
    const back = flow.timeline.hops.some((h) => h.direction === 'reply' && h.packets > 0);
    if (going > 0 && !back) return { kind: 'no-reply', packets: going };
  }
  return null;
}

/** Directed broadcast addresses of the nodes' IPv4 subnets: traffic to them is never a unicast flow. */
export function broadcastAddresses(world: readonly NodeSnapshot[]): Set<string> {
  const out = new Set<string>();
  for (const n of world) {
    for (const i of n.interfaces ?? []) {
      for (const a of i.addresses) {
        if (a.broadcast) out.add(a.broadcast);
        const [addr, len] = a.cidr.split('/');
        const ip = parseIp(addr ?? '');
        const prefix = Number(len);
        if (ip?.family !== 'ipv4' || !(prefix < 31)) continue;
        const net = cidrOf(ip, prefix);
        out.add(formatIp({ family: 'ipv4', value: (net.v4 | ~net.v4mask) >>> 0 }));
      }
    }
  }
  return out;
}
