/**
 * One branch of a replay: the packet as it is now, its marks and conntrack view on the current
 * node, and the trail so far. Immutable: a change makes a new object (a shallow copy), so
 * statistic branches fork without copying the trail, which is a shared persistent list.
 */
import type { Choice, ForkCounter } from './assumption';
import type { HookName, Hop, PacketView, TraceEvent } from './trace';
import type { Family, IpNumber } from '../common/ip';
import { formatIp } from '../common/ip';

export interface Cons<T> {
  readonly head: T;
  readonly tail: Cons<T> | null;
}

export function push<T>(list: Cons<T> | null, head: T): Cons<T> {
  return { head, tail: list };
}

export function toArray<T>(list: Cons<T> | null): T[] {
  const out: T[] = [];
  for (let c = list; c !== null; c = c.tail) out.push(c.head);
  return out.reverse();
}

export interface TupleNumbers {
  src: IpNumber;
  sport: number | null;
  dst: IpNumber;
  dport: number | null;
}

export interface FlowState {
  readonly node: string;
  readonly family: Family;
  readonly proto: string;
  readonly protoNum: number;
  readonly src: IpNumber;
  readonly sport: number | null;
  readonly dst: IpNumber;
  readonly dport: number | null;
  readonly mark: number;
  readonly ctmark: number;
  readonly untracked: boolean;
  readonly natDst: boolean;
  readonly natSrc: boolean;
  /** The conntrack original tuple on this node: the packet as it first met conntrack here. */
  readonly orig: TupleNumbers;
  /** '' for a locally generated packet. */
  readonly inIface: string;
  /** The bridge port the packet entered through, when `inIface` is a bridge (br_netfilter). */
  readonly physIn: string | null;
  /** Bridged at layer 2 (in and out the same bridge): physdev-is-bridged. */
  readonly bridged: boolean;
  /**
   * For a packet that came in by a bridge port: was the frame addressed to another host on the
   * bridge (`bridged`, switched without a routing decision) or to this node (`host`, routed)?
   * Known when the previous node's next hop is; null when the replay starts at the port, and
   * then the route decides (out the same bridge, no gateway: bridged).
   */
  readonly l2: 'bridged' | 'host' | null;
  /** '' where there is none yet (PREROUTING, INPUT); null when the route could not be decided. */
  readonly outIface: string | null;
  readonly nextHop: IpNumber | null;
  readonly hook: HookName;
  readonly probability: number;
  readonly trail: Cons<TraceEvent> | null;
  /** `name|address` entries added by -m recent --set in this trace. */
  readonly recent: Cons<string> | null;
  readonly caveats: Cons<string> | null;
  readonly hops: Cons<Hop> | null;
  readonly marks: Cons<[string, number]> | null;
  /** Where the current node's hop began: the interface (null when generated locally) and the packet then. */
  readonly hopIn: string | null;
  readonly hopBefore: PacketView;
  /** `node|in|tuple` keys already met, to stop at a forwarding loop. */
  readonly visited: Cons<string> | null;
  /** The answers this branch took to questions the captures do not decide, and its premises. */
  readonly choices: Cons<Choice> | null;
  /** Forks made so far by the whole trace (shared by every branch). */
  readonly forkCounter: ForkCounter;
}

export function packetView(s: FlowState): PacketView {
  return { proto: s.proto, src: formatIp(s.src), sport: s.sport, dst: formatIp(s.dst), dport: s.dport };
}

export function withEvent(s: FlowState, event: TraceEvent): FlowState {
  return { ...s, trail: push(s.trail, event) };
}

export function withNote(s: FlowState, text: string): FlowState {
  return withEvent(s, { kind: 'note', node: s.node, text });
}

export function withCaveat(s: FlowState, text: string): FlowState {
  for (let c = s.caveats; c !== null; c = c.tail) if (c.head === text) return s;
  return { ...s, caveats: push(s.caveats, text) };
}

export function hexMark(mark: number): string {
  return `0x${(mark >>> 0).toString(16)}`;
}
