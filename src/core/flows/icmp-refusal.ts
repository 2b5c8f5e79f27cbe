/**
 * ICMP destination unreachables tied to the flow they answer. The error carries the header of the packet it refuses
 * (the pcap's embedded header, or what tcpdump printed of it: destination, protocol and port, no source port); the
 * flow whose packets went out with that header, on that node, nearest in time, is the one refused.
 */
import type { Flow } from '../correlate/flow-builder';
import type { IcmpErrorHeader } from '../records/records';
import type { RefusalView } from '../views/flow-timeline';

/** One ICMP error as the capture shows it. */
export interface IcmpErrorSighting {
  /** Where the packet is stored: its capture, frame and 5-tuple row. */
  captureId: number;
  frame: number;
  tupleId: number;
  node: string;
  interface: string | null;
  /** `file#frame` or `file:line`. */
  source: string;
  /** Seconds, on the capturing node's clock (shifted as its other packets are). */
  time: number;
  /** Who sent the ICMP error (the packet's source address). */
  from: string;
  icmpType: number;
  icmpCode: number | null;
  family: 'ipv4' | 'ipv6';
  answered: IcmpErrorHeader;
}

const ICMP4_UNREACHABLE: readonly string[] = [
  'net unreachable', 'host unreachable', 'protocol unreachable', 'port unreachable', 'fragmentation needed',
  'source route failed', 'network unknown', 'host unknown', 'source host isolated', 'network prohibited', 'host prohibited',
  'network unreachable for TOS', 'host unreachable for TOS', 'administratively prohibited', 'host precedence violation', 'precedence cutoff',
];
const ICMP6_UNREACHABLE: readonly string[] = [
  'no route to destination', 'administratively prohibited', 'beyond scope of source address', 'address unreachable', 'port unreachable',
  'source address failed ingress/egress policy', 'reject route to destination',
];

export const icmpFlowKey = (e: Pick<IcmpErrorSighting, 'captureId' | 'frame'>): string => `${e.captureId}#${e.frame}`;

export function unreachableMessage(family: 'ipv4' | 'ipv6', code: number | null): string {
  const name = code === null ? undefined : (family === 'ipv4' ? ICMP4_UNREACHABLE : ICMP6_UNREACHABLE)[code];
  return name ?? `destination unreachable${code === null ? '' : ` (code ${code})`}`;
}

interface Candidate {
  flow: Flow;
  node: string;
  sport: number | null;
  dport: number | null;
  proto: number;
  /** When the flow's packets with this header were seen on `node`. */
  first: number;
  last: number;
}

/** Each refused flow's refusals, by flow id. ICMP errors that answer no captured flow are left out (they stay packets of their own flow). */
export function refusalsByFlow(flows: readonly Flow[], errors: readonly IcmpErrorSighting[]): Map<number, RefusalView[]> {
  const out = new Map<number, RefusalView[]>();
  if (errors.length === 0) return out;
  const index = new Map<string, Candidate[]>();
  const add = (key: string, c: Candidate): void => {
    const list = index.get(key);
    if (list === undefined) index.set(key, [c]);
    else list.push(c);
  };
  for (const flow of flows) {
    for (const h of flow.hops) {
      if (h.direction !== 'original') continue;
      add(`${h.tuple.src}|${h.tuple.dst}`, { flow, node: h.node, sport: h.tuple.sport, dport: h.tuple.dport, proto: flow.proto, first: h.firstTime, last: h.lastTime });
    }
  }
  for (const e of errors) {
    const a = e.answered;
    const matches = (index.get(`${a.src}|${a.dst}`) ?? []).filter(
      (c) => (a.proto === null || c.proto === a.proto) && (a.sport === null || c.sport === a.sport) && (a.dport === null || c.dport === a.dport),
    );
    if (matches.length === 0) continue;
    // Same node first; then the flow whose packets were last seen nearest before the error (or first after it).
    const distance = (c: Candidate): number => (e.time >= c.first ? Math.max(0, e.time - c.last) : c.first - e.time + 1e6);
    const best = [...matches].sort((x, y) => Number(x.node !== e.node) - Number(y.node !== e.node) || distance(x) - distance(y))[0]!;
    const refusal: RefusalView = {
      icmpFlowKey: icmpFlowKey(e),
      node: e.node, interface: e.interface, source: e.source, time: e.time, from: e.from,
      message: unreachableMessage(e.family, e.icmpCode), answered: { src: a.src, sport: a.sport, dst: a.dst, dport: a.dport },
    };
    const list = out.get(best.flow.id);
    if (list === undefined) out.set(best.flow.id, [refusal]);
    else list.push(refusal);
  }
  return out;
}
