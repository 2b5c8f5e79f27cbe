/**
 * The Flows tab's answers: a page of flows (CONTRACT.md's `flows --json` fields without the
 * observations, plus counts and TCP events) and one flow's detail with a page of its observations
 * and its transformation timeline. core-backend.ts checks at compile time that core's FlowView fits.
 */

export interface TupleJson {
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
}

export interface FlowTcpJson {
  synAt: number | null;
  synAckAt: number | null;
  establishedAt: number | null;
  finAt: number | null;
  rstAt: number | null;
  retransmissions: number;
  synCount: number;
  synAckCount: number;
  oneSided: boolean;
  handshakeMs: number | null;
  durationMs: number | null;
}

export interface FlowRowJson {
  id: number;
  proto: string;
  original: TupleJson;
  reply: TupleJson;
  nat: string[];
  service: string | null;
  /** conntrack: an entry ties the tuples; inferred: the replay or TCP sequence numbers did; packets: one tuple pair only. */
  evidence: string;
  firstSeen: string | null;
  lastSeen: string | null;
  packets: number;
  tcp: FlowTcpJson | null;
}

export interface ClockJson {
  node: string;
  offsetSeconds: number;
  reference: string;
  samples: number;
}

export interface FlowPageJson {
  /** Flows in the project (with a filter: the matching ones); the page holds `flows.length` of them from `offset`. */
  total: number;
  /** With a filter: the flows in the project before it was applied. */
  unfiltered?: number;
  offset: number;
  flows: FlowRowJson[];
  clock: ClockJson[];
}

export interface ObservationJson {
  node: string;
  interface: string | null;
  source: string;
  time: string | null;
  packet: TupleJson;
  kind: 'packet' | 'conntrack';
  netns: string | null;
  alignedTime: string | null;
  clockAligned: boolean;
  direction: 'original' | 'reply' | 'unknown';
  stage: string | null;
  tcpFlags: string | null;
  length: number | null;
}

export interface TimelineHopJson {
  node: string;
  interface: string | null;
  netns: string | null;
  direction: 'original' | 'reply' | 'unknown';
  before: TupleJson;
  after: TupleJson;
  translated: { dnat: boolean; snat: boolean };
  explanation: string;
  firstTime: number;
  lastTime: number;
  alignedFirstTime: number;
  packets: number;
}

export interface NatRewriteJson {
  node: string;
  kind: string;
  before: TupleJson;
  after: TupleJson;
  to: string;
  table: string | null;
  chain: string | null;
  rule: string | null;
  line: number | null;
  service: string | null;
  endpoint: string | null;
  evidence: string;
  note: string | null;
}

export interface ConntrackViewJson {
  node: string;
  source: string;
  state: string | null;
  unreplied: boolean;
  assured: boolean;
  original: TupleJson;
  reply: TupleJson;
  nat: string[];
}

export interface FlowDetailJson extends FlowRowJson {
  /** A page of observations (packets in aligned-time order, then conntrack listings). */
  observations: ObservationJson[];
  observationsOffset: number;
  /** Packet observations after this page. */
  observationsOmitted: number;
  timeline: {
    hops: TimelineHopJson[];
    rewrites: NatRewriteJson[];
    conntrack: ConntrackViewJson[];
    notes: string[];
    service: string | null;
  };
  links: Array<{ evidence: string; reason: string }>;
}
