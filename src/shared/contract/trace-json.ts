/**
 * The `trace` answer as the UI reads it: CONTRACT.md's `trace --json` document with the richer
 * fields the replay adds (summary, NAT before/after, service, caveats). core-backend.ts checks at
 * compile time that core's TraceResult still fits, so the renderer never imports core.
 */

export interface PacketJson {
  proto: string;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
}

export interface TraceInputJson extends PacketJson {
  node: string;
  in: string | null;
  local: boolean;
}

export type VerdictJson = 'deliver' | 'forward' | 'drop' | 'reject' | 'unknown';

export interface NatStepJson {
  kind: 'dnat' | 'snat' | 'masquerade' | 'redirect';
  before: PacketJson;
  after: PacketJson;
  note: string | null;
}

export interface TraceStepJson {
  node: string;
  table: string;
  chain: string;
  /** The rule as iptables-save prints it; null for a chain policy. */
  rule: string | null;
  target: string;
  policy: boolean;
  line: number | null;
  nat: NatStepJson | null;
  comment: string | null;
  note: string | null;
}

export interface HopJson {
  node: string;
  in: string | null;
  out: string | null;
  before: PacketJson;
  after: PacketJson;
}

export interface EgressJson {
  node: string;
  interface: string;
  nextHop: string | null;
}

export interface ServiceHitJson {
  namespace: string;
  name: string;
  portName: string;
  id: string;
  entry: 'cluster-ip' | 'external-ip' | 'load-balancer' | 'node-port' | null;
  endpoint: string | null;
  markedForMasquerade: boolean;
}

/** What an outcome rests on that the captures do not show (CONTRACT.md `assumptions`). */
export interface AssumptionJson {
  node: string;
  /** What the captures do not show, in one sentence. */
  about: string;
  /** The branch this outcome took, in one sentence. */
  assumed: string;
  rule: string | null;
  /** `file:line`. */
  source: string | null;
}

export interface OutcomeJson {
  probability: number;
  verdict: VerdictJson;
  packet: PacketJson;
  egress: EgressJson | null;
  marks: Record<string, string>;
  hops: HopJson[];
  steps: TraceStepJson[];
  reason: string | null;
  summary: string;
  service: ServiceHitJson | null;
  caveats: string[];
  /** Outcomes with equal assumptions form one set whose probabilities sum to 1. */
  assumptions: AssumptionJson[];
  /** Indices into `assumptions` of those this outcome's own path met (the rest are its set's). */
  assumptionsOnPath?: number[];
}

export interface TraceResultJson {
  input: TraceInputJson;
  outcomes: OutcomeJson[];
}
