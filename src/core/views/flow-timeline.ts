/**
 * A flow's transformation timeline as plain data: where it was seen and how it was translated hop by
 * hop, the NAT rewrites that explain it and the conntrack entries that confirm them. core/flows builds
 * it (flow-timeline.ts); the contract serves it as it is (shared/contract/flow-json.ts).
 */
import type { ObservationTunnel } from './flows';

export interface TupleView {
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
}

export interface TimelineHop {
  node: string;
  interface: string | null;
  netns: string | null;
  direction: 'original' | 'reply' | 'unknown';
  /** The direction's tuple as its sender sent it (the client's for original, the server's for reply). */
  before: TupleView;
  /** As captured at this point. */
  after: TupleView;
  /**
   * Which of the connection's rewrites the captured tuple carries: the DNAT'd server address (as the
   * original's destination or the reply's source) and the SNAT'd client address (original's source,
   * reply's destination). Pre-NAT original: both false; reply not yet de-NATed: both true.
   */
  translated: { dnat: boolean; snat: boolean };
  /** `pre-NAT`, `post-NAT`, `after DNAT only`... and why. */
  explanation: string;
  firstTime: number;
  lastTime: number;
  alignedFirstTime: number;
  packets: number;
  /** observed: packets captured there; kernel-trace: the kernel's own trace lines of a flow no packet or conntrack entry shows. */
  evidence: 'observed' | 'kernel-trace';
  /**
   * The tunnel the flow's packets were seen in at this point (VXLAN, Geneve, IPIP), the tuples being the inner
   * packet's; null when seen as they are (always present in what stitching writes).
   */
  tunnel?: ObservationTunnel | null;
  /** kernel-trace hops only: the point of the traced walk (`interface` is the line's IN or OUT). */
  trace?: TraceHopPoint;
}

/**
 * A point of the kernel's trace of a packet: where it entered the trace, or where a rewrite shows. `hook` is the base
 * chain (`raw PREROUTING`; for a rewrite, the nat hook that made it: `nat PREROUTING`, or where the trace first shows it
 * when no nat line of the walk did, as conntrack rewrites later packets without the nat table).
 */
export interface TraceHopPoint {
  hook: string;
  /** `file:line` of the line that shows the tuple. */
  source: string;
  /** The nat rule line that made the rewrite (`nat KUBE-SVC rule 2`) and its `file:line`; null at the entry point or without one. */
  rule: { name: string; source: string } | null;
  /** False when the line carries no date (dmesg's uptime): the hop's times are then 0, not an instant. */
  dated: boolean;
}

export type RewriteKind = 'dnat' | 'snat' | 'masquerade' | 'redirect';

export interface NatRewrite {
  node: string;
  kind: RewriteKind;
  before: TupleView;
  after: TupleView;
  /** `10.40.0.6:8080` for DNAT, the source address (and port) for SNAT/MASQUERADE. */
  to: string;
  table: string | null;
  chain: string | null;
  /** The rule as iptables-save prints it, when the replay found it. */
  rule: string | null;
  line: number | null;
  service: string | null;
  endpoint: string | null;
  /** conntrack+rules: conntrack shows it and the replay names the rule; conntrack: only conntrack; rules: only the replay (no entry captured). */
  evidence: 'conntrack+rules' | 'conntrack' | 'rules';
  note: string | null;
  /** `file:line` of the rule, added where the store is at hand (the flow detail); the stored timeline has only the line. */
  source?: string | null;
}

export interface ConntrackView {
  node: string;
  source: string;
  state: string | null;
  unreplied: boolean;
  assured: boolean;
  original: TupleView;
  reply: TupleView;
  nat: string[];
}

export interface FlowTimeline {
  hops: TimelineHop[];
  rewrites: NatRewrite[];
  conntrack: ConntrackView[];
  notes: string[];
  /** The Kubernetes service the replay went through, if any. */
  service: string | null;
  /** ICMP destination unreachables that answered the flow's packets (core/flows/icmp-refusal.ts); absent when none. */
  refusals?: RefusalView[];
}

/** An ICMP destination unreachable tied to the flow whose packet it refuses, as the flow's timeline keeps it. */
export interface RefusalView {
  /** `capture#frame` of the ICMP packet (icmpFlowKey). */
  icmpFlowKey: string;
  node: string;
  interface: string | null;
  source: string;
  time: number;
  from: string;
  /** `port unreachable`, `host unreachable`, … */
  message: string;
  /** The refused packet as the ICMP error quotes it (ports it does not show are null). */
  answered: TupleView;
}
