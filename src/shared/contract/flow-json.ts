/**
 * The Flows tab's answers: a page of flows (CONTRACT.md's `flows --json` fields without the
 * observations, plus counts and TCP events) and one flow's detail with a page of its observations
 * and its transformation timeline. core-backend.ts checks at compile time that core's FlowView fits.
 */
import type { ConntrackView, FlowTimeline, NatRewrite, TimelineHop, TupleView } from '../../core/views/flow-timeline';

/** A flow's timeline is core's (no external document fixes it): these are its parts, as the UI names them. */
export type TupleJson = TupleView;
export type TimelineHopJson = TimelineHop;
export type NatRewriteJson = NatRewrite;
export type ConntrackViewJson = ConntrackView;

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

export interface FlowDetailJson extends FlowRowJson {
  /** A page of observations (packets in aligned-time order, then conntrack listings). */
  observations: ObservationJson[];
  observationsOffset: number;
  /** Packet observations after this page. */
  observationsOmitted: number;
  timeline: FlowTimeline;
  links: Array<{ evidence: string; reason: string }>;
}
