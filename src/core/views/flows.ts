/**
 * Stored flows as every face shows them: CONTRACT.md's `flows --json` fields (id, proto, original,
 * reply, nat, service, observations ordered by first time seen) and, beside them, the typed
 * transformation timeline, TCP events and clock alignment. core/project/flows.ts reads them from the store;
 * the contract (shared/contract/flow-json.ts) serves them.
 */
import type { TunnelKind } from '../records/records';
import type { FlowTimeline, TupleView } from './flow-timeline';

/** Where a packet capture's interface name came from (core/flows/capture-interface.ts decides). */
export type InterfaceBasis = 'packet' | 'chosen' | 'command' | 'file-name' | 'import-option';

/** How the times of a capture without dates were placed (core/project/flows-twins.ts). */
export type TimeBasis = 'twin' | 'transcript-date' | 'node-captures' | 'file-mtime';

/** A flow's TCP handshake and teardown as streaming stitching saw it (core/correlate/tcp-timeline.ts). */
export interface TcpEvents {
  synAt: number | null;
  synAckAt: number | null;
  /** First ACK from the client after the SYN-ACK: the handshake is complete. */
  establishedAt: number | null;
  finAt: number | null;
  rstAt: number | null;
  /** Segments sent again, per direction as the point that saw most of them saw them (not summed over points). */
  retransmissions: number;
  synCount: number;
  synAckCount: number;
}

/** TCP events as a flow view shows them: with whether one side only was seen, and the handshake and duration. */
export type FlowTcp = TcpEvents & { oneSided: boolean; handshakeMs: number | null; durationMs: number | null };

export interface FlowLink {
  /** How the two sightings were tied together: by conntrack, or by the simulator's prediction. */
  evidence: 'conntrack' | 'inferred';
  reason: string;
}

/** A node's clock offset against the reference node, from the packets both captured. */
export interface ClockRow {
  node: string;
  offsetSeconds: number;
  reference: string;
  samples: number;
}

/** The tunnel a packet was seen in (VXLAN, Geneve, IPIP): the outer packet, between two nodes (its UDP source port, a hash, left out). */
export interface ObservationTunnel {
  kind: TunnelKind;
  /** VXLAN/Geneve network identifier; null for IPIP/sit. */
  vni: number | null;
  /** The outer (node) addresses. */
  src: string;
  dst: string;
  /** The outer UDP destination port (4789, 8472, 6081); null for IPIP/sit. */
  dport: number | null;
}

export interface ObservationView {
  node: string;
  interface: string | null;
  source: string;
  /** ISO-8601 on the capturing node's own clock, as captured (null for a conntrack listing without a time). */
  time: string | null;
  packet: TupleView;
  // ---- beyond the contract ----
  /** The protocol by name (`tcp`, `igmp`, `ipv6-icmp`; a number only when it has none). */
  proto: string;
  kind: 'packet' | 'conntrack' | 'kernel-trace';
  /** Where the interface name came from: the packet, the capture command, the capture's file name, or `import --interface`. */
  interfaceFrom: InterfaceBasis | null;
  /** True when the capture printed no date (tcpdump text without -tt/-tttt) and `time` was placed by inference. */
  timeInferred: boolean;
  /** How an inferred time was placed: by a twin capture with dates, the node's other dated captures, or the file's modification time. */
  timeBasis: TimeBasis | null;
  /** Captures that are wholly copies of this packet's capture (its tcpdump text, the file under another name): counted once, here. */
  twins: string[];
  netns: string | null;
  /** `time` moved onto the reference node's clock by `clockOffset` seconds; observations are ordered by it. */
  alignedTime: string | null;
  clockOffset: number;
  /** False when no shared packet tied this node's clock to the reference (offset 0 assumed). */
  clockAligned: boolean;
  direction: 'original' | 'reply' | 'unknown';
  /** For a packet: `pre-NAT`, `post-NAT`, `reply before de-NAT`, `reply after de-NAT`; for conntrack: the reply tuple. */
  stage: string | null;
  tcpFlags: string | null;
  seq: number | null;
  ack: number | null;
  length: number | null;
  captureId: number;
  frame: number | null;
  /**
   * Present when the flow's observations are summarised (FlowView.observationsSummarised): this packet is the first
   * or the last seen at its capture point (node, interface, packet tuple), where `packets` were seen in all.
   */
  point?: { position: 'first' | 'last'; packets: number };
  /** The tunnel the packet came in, its fields above being the inner packet's; null when seen as it is and for conntrack (always present in what core/project/flows.ts reads). */
  tunnel?: ObservationTunnel | null;
  /** kernel-trace only: where in netfilter the kernel saw the packet, as its trace line says. */
  hook?: ObservationHook;
  /** kernel-trace only: the line's own stamps (dmesg's uptime, a zone-less wall clock) where `time` cannot be an instant. */
  traceTime?: { uptime: number | null; stamp: string | null };
  /** conntrack only: the entry's reply tuple and flags. */
  reply?: TupleView;
  unreplied?: boolean;
}

/**
 * The hook of a kernel trace observation: `type` rule (a rule matched; `rule` its 1-based position for iptables-legacy,
 * `handle` nftables' rule handle), return (a user chain ran out), policy (a base chain's policy), packet (nftables saw the
 * packet enter a base chain), log (a -j LOG line: only its `prefix` is known).
 */
export interface ObservationHook {
  type: 'rule' | 'return' | 'policy' | 'packet' | 'log';
  table: string | null;
  chain: string | null;
  rule: number | null;
  handle: number | null;
  verdict: string | null;
  /** The rule: as the trace line printed it (xtables-monitor, nft monitor), or, for a legacy TRACE line, the node's captured ruleset's rule at that position. */
  ruleText: string | null;
  /** Where `ruleText` came from; null when there is none. The captured ruleset may not be the one the kernel ran (findings compare them). */
  ruleFrom: 'trace' | 'ruleset' | null;
  /** `file:line` of the ruleset's rule or policy the hook names, when the node's ruleset holds it. */
  ruleSource: string | null;
  prefix: string | null;
  in: string | null;
  out: string | null;
  /** The packet's mark (`0x4000`), null when the line prints none (the kernel prints only a non-zero mark). */
  mark: string | null;
  /** nftables' trace id, shared by the lines of one packet's walk. */
  traceId: string | null;
  format: 'kernel-log' | 'xtables-monitor' | 'nft-monitor';
}

export interface FlowView {
  id: number;
  proto: string;
  original: TupleView;
  reply: TupleView;
  nat: string[];
  service: string | null;
  observations: ObservationView[];
  // ---- beyond the contract ----
  /** conntrack: an entry ties the tuples; inferred: the simulator or TCP sequence numbers did (not observed); packets: one tuple pair only. */
  evidence: string;
  firstSeen: string | null;
  lastSeen: string | null;
  packets: number;
  /** Observations not listed (the page limit, or the packets between a point's first and last), so the count is never silently short. */
  observationsOmitted: number;
  /** True when `observations` lists each capture point's first and last packet (see ObservationView.point), not every packet. */
  observationsSummarised: boolean;
  tcp: FlowTcp | null;
  timeline: FlowTimeline;
  links: FlowLink[];
}
